// The HTTPS listener over real TLS: a throw-away certificate made with openssl, curl checking it
// against that certificate, the Secure cookie, a renewed certificate served without a restart,
// and the warning (or refusal) for auth served in clear off loopback.

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "TestPaths.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;

/// What a program printed (standard output and error) and its exit code.
struct Outcome {
    int exitCode = -1;
    std::string output;
};

Outcome run(const std::string& program, const std::vector<std::string>& arguments) {
    Poco::Pipe out;
    Poco::ProcessHandle handle = Poco::Process::launch(program, arguments, nullptr, &out, &out);
    Poco::PipeInputStream stream(out);
    Outcome result;
    Poco::StreamCopier::copyToString(stream, result.output);
    result.exitCode = handle.wait();
    return result;
}

/// A host serving HTTPS with the certificate `name` made in `directory` (the files the host
/// reads are server.pem and server.key there).
std::unique_ptr<HostProcess> startTlsHost(const std::string& directory,
                                          std::vector<std::string> arguments = {}) {
    std::vector<std::string> all = {
        "--define", "tls.certificate_file=" + (fs::path(directory) / "server.pem").string(),
        "--define", "tls.key_file=" + (fs::path(directory) / "server.key").string()};
    all.insert(all.end(), arguments.begin(), arguments.end());
    return std::make_unique<HostProcess>(all);
}

/// curl's outcome for `url`, trusting only `caFile`: exit code and, after the body, the status.
Outcome curlTrusting(const std::string& caFile, const std::string& url,
                     std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments = {"-sS", "--max-time",    "30", "--cacert", caFile,
                                          "-w",  "\n%{http_code}"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    arguments.push_back(url);
    return run("curl", arguments);
}

std::string httpsUrl(const HostProcess& host, const std::string& path) {
    return "https://localhost:" + std::to_string(host.port()) + path;
}

TEST(TlsTest, ServesHttpsWithTheConfiguredCertificateOnly) {
    std::string directory = makeTemporaryDirectory();
    std::string certificate = makeCertificate(directory, "server");
    auto host = startTlsHost(directory);

    Outcome health = curlTrusting(certificate, httpsUrl(*host, "/~health"));
    ASSERT_EQ(health.exitCode, 0) << health.output;
    EXPECT_NE(health.output.find("\"alive\""), std::string::npos) << health.output;
    EXPECT_EQ(health.output.substr(health.output.rfind('\n') + 1), "200");

    // A client that does not trust the certificate refuses it (curl: 60, peer certificate).
    std::string other = makeCertificate(directory, "other");
    Outcome untrusted = curlTrusting(other, httpsUrl(*host, "/~health"));
    EXPECT_EQ(untrusted.exitCode, 60) << untrusted.output;

    // Plain HTTP on the TLS port is told where to go: a GET is redirected to the same URL over
    // https, anything else answers 400; neither is served.
    const std::string plainUrl = "http://localhost:" + std::to_string(host->port());
    Outcome plain = run("curl", {"-sS", "--max-time", "30", "-i", plainUrl + "/~health?x=1"});
    EXPECT_EQ(plain.exitCode, 0) << plain.output;
    EXPECT_EQ(plain.output.rfind("HTTP/1.1 308", 0), 0u) << plain.output;
    EXPECT_NE(plain.output.find("Location: " + httpsUrl(*host, "/~health?x=1")), std::string::npos)
        << plain.output;
    EXPECT_EQ(plain.output.find("alive"), std::string::npos) << plain.output;
    Outcome post = run("curl", {"-sS", "--max-time", "30", "-w", "\n%{http_code}", "-d",
                                std::string(100000, 'x'), plainUrl + "/auth/login"});
    EXPECT_EQ(post.exitCode, 0) << post.output;
    EXPECT_EQ(post.output.substr(post.output.rfind('\n') + 1), "400") << post.output;
    EXPECT_NE(
        post.output.find("this port speaks HTTPS only: use " + httpsUrl(*host, "/auth/login")),
        std::string::npos)
        << post.output;
    // Following the redirect reaches the host over TLS.
    Outcome followed = curlTrusting(certificate, plainUrl + "/~health", {"-L"});
    EXPECT_EQ(followed.exitCode, 0) << followed.output;
    EXPECT_NE(followed.output.find("\"alive\""), std::string::npos) << followed.output;

    // The host still serves after both.
    EXPECT_EQ(curlTrusting(certificate, httpsUrl(*host, "/~version")).exitCode, 0);
}

TEST(TlsTest, TheTokenCookieIsSecureOverTls) {
    std::string directory = makeTemporaryDirectory();
    std::string certificate = makeCertificate(directory, "server");
    auto host = startTlsHost(
        directory, {"--define", "auth.enabled=true", "--define", "auth.admin_password=secret"});

    std::string jar = (fs::path(directory) / "cookies").string();
    Outcome login = curlTrusting(certificate, httpsUrl(*host, "/auth/login"),
                                 {"-i", "-c", jar, "-d", "username=admin&password=secret"});
    ASSERT_EQ(login.exitCode, 0) << login.output;
    ASSERT_EQ(login.output.substr(login.output.rfind('\n') + 1), "200") << login.output;
    EXPECT_NE(login.output.find("HttpOnly; Path=/; SameSite=Strict; Secure"), std::string::npos)
        << login.output;
    Outcome logout =
        curlTrusting(certificate, httpsUrl(*host, "/auth/logout"), {"-i", "-b", jar, "-X", "POST"});
    EXPECT_EQ(logout.output.substr(logout.output.rfind('\n') + 1), "200") << logout.output;
    EXPECT_NE(logout.output.find("; Secure"), std::string::npos) << logout.output;
}

TEST(TlsTest, ARenewedCertificateIsServedWithoutARestart) {
    std::string directory = makeTemporaryDirectory();
    std::string first = makeCertificate(directory, "server");
    fs::copy_file(first, fs::path(directory) / "first.pem");
    auto host = startTlsHost(directory);
    ASSERT_EQ(curlTrusting(first, httpsUrl(*host, "/~health")).exitCode, 0);

    // Renewed as a certificate tool does: new files moved over the old ones.
    std::string renewed = makeCertificate(directory, "renewed");
    fs::rename(fs::path(directory) / "renewed.key", fs::path(directory) / "server.key");
    fs::rename(renewed, fs::path(directory) / "server.pem");
    std::string renewedCopy = (fs::path(directory) / "renewed-ca.pem").string();
    fs::copy_file(fs::path(directory) / "server.pem", renewedCopy);

    EXPECT_TRUE(waitFor([&] {
        return curlTrusting(renewedCopy, httpsUrl(*host, "/~health")).exitCode == 0;
    })) << "new connections never got the renewed certificate";
    EXPECT_EQ(
        curlTrusting((fs::path(directory) / "first.pem").string(), httpsUrl(*host, "/~health"))
            .exitCode,
        60);
    // The serving process is the same one: nothing restarted.
    EXPECT_GT(host->servingPid(), 0);
}

TEST(TlsTest, ABrokenRenewalKeepsThePreviousCertificate) {
    std::string directory = makeTemporaryDirectory();
    std::string certificate = makeCertificate(directory, "server");
    std::string trusted = (fs::path(directory) / "trusted.pem").string();
    fs::copy_file(certificate, trusted);
    auto host = startTlsHost(directory);
    pid_t serving = host->servingPid();

    // A key that is not the certificate's.
    makeCertificate(directory, "stranger");
    fs::rename(fs::path(directory) / "stranger.key", fs::path(directory) / "server.key");

    // Connections keep coming for a while past the host's next look at the files (twice a
    // second), and each still gets the previous certificate.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < until) {
        Outcome health = curlTrusting(trusted, httpsUrl(*host, "/~health"));
        ASSERT_EQ(health.exitCode, 0) << health.output;
    }
    EXPECT_EQ(host->servingPid(), serving);
}

TEST(TlsTest, AuthInClearOffLoopbackIsAWarningInHealth) {
    auto host = std::make_unique<HostProcess>(
        std::vector<std::string>{"--host", "0.0.0.0", "--define", "auth.enabled=true", "--define",
                                 "auth.admin_password=secret"});
    Response health = host->get("/~health");
    ASSERT_EQ(health.status, 200) << health.body;
    EXPECT_NE(health.json().value("detail", "").find("plain HTTP"), std::string::npos)
        << health.body;

    std::string directory = makeTemporaryDirectory();
    makeCertificate(directory, "server");
    auto secured = startTlsHost(directory, {"--host", "0.0.0.0", "--define", "auth.enabled=true",
                                            "--define", "auth.admin_password=secret"});
    Outcome securedHealth =
        curlTrusting((fs::path(directory) / "server.pem").string(), httpsUrl(*secured, "/~health"));
    ASSERT_EQ(securedHealth.exitCode, 0) << securedHealth.output;
    EXPECT_EQ(securedHealth.output.find("detail"), std::string::npos) << securedHealth.output;

    // On loopback, with auth on, nothing crosses the network: no warning.
    auto local = std::make_unique<HostProcess>(std::vector<std::string>{
        "--define", "auth.enabled=true", "--define", "auth.admin_password=secret"});
    EXPECT_FALSE(local->get("/~health").json().contains("detail"));
}

TEST(TlsTest, RequireTlsRefusesToStartInClearOffLoopback) {
    std::string work = makeTemporaryDirectory();
    Outcome refused = run(
        MVI_HOST_BINARY, {"--host", "0.0.0.0", "--port", "0", "--plugins-dir", work + "/plugins",
                          "--data-dir", work + "/data", "--define", "auth.enabled=true", "--define",
                          "auth.admin_password=secret", "--define", "auth.require_tls=true"});
    EXPECT_EQ(refused.exitCode, 78) << refused.output;
    EXPECT_NE(refused.output.find("auth.require_tls"), std::string::npos) << refused.output;
    EXPECT_NE(refused.output.find("tls.certificate_file"), std::string::npos) << refused.output;
}

TEST(TlsTest, AMismatchedKeyIsRefusedAtStart) {
    std::string work = makeTemporaryDirectory();
    std::string certificate = makeCertificate(work, "server");
    makeCertificate(work, "stranger");
    Outcome refused =
        run(MVI_HOST_BINARY, {"--port", "0", "--plugins-dir", work + "/plugins", "--data-dir",
                              work + "/data", "--define", "tls.certificate_file=" + certificate,
                              "--define", "tls.key_file=" + work + "/stranger.key"});
    EXPECT_EQ(refused.exitCode, 78) << refused.output;
    EXPECT_NE(refused.output.find("stranger.key"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace mvi::test
