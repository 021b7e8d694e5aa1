// `mvi` against a host serving HTTPS with a throw-away certificate: trusted through --ca-file,
// one clear error for a certificate it cannot trust, --insecure only when asked for.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "MviRunner.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;

/// A host with auth on, serving HTTPS with `certificate` (and the key beside it).
std::unique_ptr<HostProcess> startTlsHost(const std::string& certificate) {
    std::string key = fs::path(certificate).replace_extension(".key").string();
    return std::make_unique<HostProcess>(std::vector<std::string>{
        "--define", "tls.certificate_file=" + certificate, "--define", "tls.key_file=" + key,
        "--define", "auth.enabled=true", "--define", "auth.admin_password=secret"});
}

std::string httpsUrl(const HostProcess& host) {
    return "https://localhost:" + std::to_string(host.port());
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(CliTls, LogsInAndListsOverHttpsWithTheGivenCaFile) {
    std::string directory = makeTemporaryDirectory();
    std::string certificate = makeCertificate(directory, "server");
    auto host = startTlsHost(certificate);
    MviRunner mvi("");

    MviResult login = mvi.run({"login", "--host", httpsUrl(*host), "-u", "admin", "-p", "secret",
                               "--ca-file", certificate});
    ASSERT_EQ(login.exitCode, 0) << login.err;
    EXPECT_TRUE(contains(login.out, "Logged in to " + httpsUrl(*host))) << login.out;

    // The option may stand anywhere; MVI_CA_FILE gives it once for every command.
    MviResult listed = mvi.run({"--ca-file", certificate, "ls"});
    ASSERT_EQ(listed.exitCode, 0) << listed.err;
    EXPECT_TRUE(contains(listed.out, "NAME")) << listed.out;
    mvi.setEnvironment("MVI_CA_FILE", certificate);
    EXPECT_EQ(mvi.run({"ls"}).exitCode, 0);
}

TEST(CliTls, AnUntrustedCertificateIsOneClearErrorAndInsecureIsExplicit) {
    std::string directory = makeTemporaryDirectory();
    std::string certificate = makeCertificate(directory, "server");
    auto host = startTlsHost(certificate);
    MviRunner mvi(httpsUrl(*host));

    // Not in the system's CA store: refused, saying what to do.
    MviResult refused = mvi.run({"login", "-u", "admin", "-p", "secret"});
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_EQ(linesOf(refused.err).size(), 1U) << refused.err;
    EXPECT_TRUE(contains(refused.err, "TLS with " + httpsUrl(*host) + " failed")) << refused.err;
    EXPECT_TRUE(contains(refused.err, "--ca-file")) << refused.err;

    // Another certificate as the CA: refused too.
    std::string other = makeCertificate(directory, "other");
    MviResult wrongCa = mvi.run({"login", "-u", "admin", "-p", "secret", "--ca-file", other});
    EXPECT_EQ(wrongCa.exitCode, 1);
    EXPECT_TRUE(contains(wrongCa.err, "TLS with")) << wrongCa.err;

    MviResult insecure = mvi.run({"login", "-u", "admin", "-p", "secret", "--insecure"});
    EXPECT_EQ(insecure.exitCode, 0) << insecure.err;
}

TEST(CliTls, ACertificateForAnotherNameIsRefused) {
    std::string directory = makeTemporaryDirectory();
    std::string certificate = makeCertificate(directory, "server", "DNS:elsewhere.example");
    auto host = startTlsHost(certificate);
    MviRunner mvi(httpsUrl(*host));

    MviResult refused = mvi.run({"login", "-u", "admin", "-p", "secret", "--ca-file", certificate});
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_TRUE(contains(refused.err, "TLS with")) << refused.err;
}

TEST(CliTls, AMissingCaFileIsAUsageError) {
    MviRunner mvi("https://localhost:1");
    MviResult missing = mvi.run({"ls", "--ca-file", "/nonexistent/ca.pem"});
    EXPECT_EQ(missing.exitCode, 2);
    EXPECT_TRUE(contains(missing.err, "/nonexistent/ca.pem")) << missing.err;
}

}  // namespace
}  // namespace mvi::test
