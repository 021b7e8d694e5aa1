// Notifications end to end: GET/POST/DELETE /notifications/ on a real mvi-host, persistence
// across kill -9, and e-mail through a real SMTP server (Debian's python3-aiosmtpd) started by
// the test.

#include <Poco/DateTimeParser.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// The Python that Debian's python3-aiosmtpd is installed for.
constexpr const char* kPython = "/usr/bin/python3";

/// A real SMTP server (aiosmtpd's Mailbox handler) on a free loopback port: every message it
/// accepts becomes one file of a Maildir.
class SmtpServer {
  public:
    /// Whether python3-aiosmtpd is installed.
    static bool available() {
        std::string command = std::string(kPython) + " -c 'import aiosmtpd' >/dev/null 2>&1";
        return std::system(command.c_str()) == 0;
    }

    /// Starts the server and waits until it accepts connections; `options` are given to
    /// aiosmtpd (`--tlscert FILE --tlskey FILE` offers STARTTLS and requires it).
    explicit SmtpServer(std::vector<std::string> options = {})
        : directory_(makeTemporaryDirectory()), options_(std::move(options)) {
        // A port free a moment ago may be taken in between: try a few.
        for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt) {
            start();
        }
        if (pid_ < 0) {
            throw std::runtime_error("aiosmtpd did not start; see " + directory_ + "/smtp.log");
        }
    }

    ~SmtpServer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            if (!waitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; })) {
                ::kill(pid_, SIGKILL);
                waitpid(pid_, &status, 0);
            }
        }
        std::error_code ignored;
        fs::remove_all(directory_, ignored);
    }

    SmtpServer(const SmtpServer&) = delete;
    SmtpServer& operator=(const SmtpServer&) = delete;

    unsigned port() const { return port_; }

    /// Every message received so far, as it arrived (headers and body).
    std::vector<std::string> messages() const {
        std::vector<std::string> result;
        fs::path delivered = fs::path(directory_) / "mail" / "new";
        std::error_code error;
        for (const auto& entry : fs::directory_iterator(delivered, error)) {
            std::ifstream file(entry.path(), std::ios::binary);
            result.emplace_back(std::istreambuf_iterator<char>(file),
                                std::istreambuf_iterator<char>());
        }
        return result;
    }

    /// The messages whose text contains `part`.
    std::vector<std::string> messagesWith(const std::string& part) const {
        std::vector<std::string> result;
        for (std::string& message : messages()) {
            if (message.find(part) != std::string::npos) {
                result.push_back(std::move(message));
            }
        }
        return result;
    }

  private:
    void start() {
        {
            Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
            port_ = probe.address().port();
        }
        std::string listen = "127.0.0.1:" + std::to_string(port_);
        std::string mail = directory_ + "/mail";
        std::string log = directory_ + "/smtp.log";
        pid_t pid = fork();
        if (pid < 0) {
            throw std::runtime_error("fork failed");
        }
        if (pid == 0) {
            FILE* output = std::freopen(log.c_str(), "a", stdout);
            if (output != nullptr) {
                dup2(fileno(output), STDERR_FILENO);
            }
            std::vector<std::string> arguments = {kPython, "-m", "aiosmtpd", "-n", "-l", listen};
            arguments.insert(arguments.end(), options_.begin(), options_.end());
            arguments.insert(arguments.end(), {"-c", "aiosmtpd.handlers.Mailbox", mail});
            std::vector<char*> argv;
            for (std::string& argument : arguments) {
                argv.push_back(argument.data());
            }
            argv.push_back(nullptr);
            execv(kPython, argv.data());
            _exit(127);
        }
        bool exited = false;
        bool listening = waitFor([&] {
            int status = 0;
            if (waitpid(pid, &status, WNOHANG) == pid) {
                exited = true;
                return true;
            }
            try {
                Poco::Net::StreamSocket socket;
                socket.connect(Poco::Net::SocketAddress("127.0.0.1", port_), Poco::Timespan(1, 0));
                return true;
            } catch (const Poco::Exception&) {
                return false;
            }
        });
        if (listening && !exited) {
            pid_ = pid;
            return;
        }
        if (!exited) {
            ::kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }

    std::string directory_;
    std::vector<std::string> options_;
    unsigned port_ = 0;
    pid_t pid_ = -1;
};

json detailOf(const Response& response) {
    return response.json().at("detail");
}

Response deleteAll(const HostProcess& host) {
    return request(host.port(), "DELETE", "/notifications/");
}

json warning(const std::string& message) {
    return {
        {"service_name", "hello"}, {"service_version", "1.0.0"}, {"msg", message}, {"severity", 1}};
}

/// A notification timestamp (`2024-01-02T03:04:05.123456Z`) as a point in time.
Poco::Timestamp parseTime(const std::string& text) {
    int zone = 0;
    return Poco::DateTimeParser::parse("%Y-%m-%dT%H:%M:%S.%FZ", text, zone).timestamp();
}

TEST(Notifications, PostStacksGetListsDeleteClears) {
    HostProcess host;
    EXPECT_EQ(host.get("/notifications/").json(), json::object());

    Response first = host.post("/notifications/", warning("disk almost full"));
    ASSERT_EQ(first.status, 200) << first.body;
    json stack = first.json();
    EXPECT_EQ(stack["counter"], 1);
    EXPECT_EQ(stack["service_name"], "hello");
    EXPECT_EQ(stack["service_version"], "1.0.0");
    EXPECT_EQ(stack["msg"], "disk almost full");
    EXPECT_EQ(stack["severity"], 1);
    EXPECT_EQ(stack["severity_name"], "WARNING");
    EXPECT_EQ(stack["emails"], json::array());
    EXPECT_EQ(stack["timer"], 0);
    EXPECT_EQ(stack["first_timestamp"], stack["timestamp"]);
    const std::string id = stack["id"];

    // The severity by name is the same stack; the service need not be deployed.
    json byName = warning("disk almost full");
    byName["severity"] = "WARNING";
    byName["emails"] = {"ops@example.com"};
    byName["timer"] = 1.5;
    Response second = host.post("/notifications/", byName);
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(second.json()["id"], id);
    EXPECT_EQ(second.json()["counter"], 2);
    EXPECT_EQ(second.json()["emails"], json({"ops@example.com"}));
    EXPECT_EQ(second.json()["timer"], 1.5);
    EXPECT_EQ(second.json()["first_timestamp"], stack["first_timestamp"]);
    EXPECT_GE(parseTime(second.json()["timestamp"]), parseTime(stack["timestamp"]));

    json critical = warning("disk full");
    critical["severity"] = "critical";
    critical["dashboard"] = true;  // sent by the original's services; ignored
    critical["timestamp"] = "2021-01-01 00:00:00";
    ASSERT_EQ(host.post("/notifications/", critical).status, 200);

    Response list = host.get("/notifications/");
    ASSERT_EQ(list.status, 200);
    ASSERT_EQ(list.header("Content-Type"), "application/json");
    json all = list.json();
    ASSERT_EQ(all.size(), 2u) << all.dump(2);
    ASSERT_TRUE(all.contains(id));
    EXPECT_EQ(all[id]["counter"], 2);
    json expected = second.json();
    expected.erase("id");
    EXPECT_EQ(all[id], expected);
    bool foundCritical = false;
    for (const auto& item : all) {
        foundCritical = foundCritical || (item["severity"] == 2 && item["msg"] == "disk full");
    }
    EXPECT_TRUE(foundCritical) << all.dump(2);

    Response cleared = deleteAll(host);
    ASSERT_EQ(cleared.status, 200) << cleared.body;
    EXPECT_EQ(cleared.json(), "OK");
    EXPECT_EQ(host.get("/notifications/").json(), json::object());

    Response wrongMethod = request(host.port(), "PUT", "/notifications/", "{}");
    EXPECT_EQ(wrongMethod.status, 405);
    EXPECT_EQ(wrongMethod.header("Allow"), "GET,POST,DELETE");
}

TEST(Notifications, BadPostsAre422WithADetailListAndChangeNothing) {
    HostProcess host;
    ASSERT_EQ(host.post("/notifications/", warning("kept")).status, 200);
    const json before = host.get("/notifications/").json();

    struct Case {
        json body;
        json loc;
        std::string type;
    };
    auto with = [](const char* key, json value) {
        json body = warning("x");
        body[key] = std::move(value);
        return body;
    };
    auto without = [](const char* key) {
        json body = warning("x");
        body.erase(key);
        return body;
    };
    const std::vector<Case> cases = {
        {json::array({1, 2}), {"body"}, "type_error.object"},
        {json(), {"body"}, "type_error.object"},
        {without("service_name"), {"body", "service_name"}, "value_error.missing"},
        {without("service_version"), {"body", "service_version"}, "value_error.missing"},
        {without("msg"), {"body", "msg"}, "value_error.missing"},
        {without("severity"), {"body", "severity"}, "value_error.missing"},
        {with("msg", 5), {"body", "msg"}, "type_error.string"},
        {with("service_name", "Hello World"), {"body", "service_name"}, "value_error.service_name"},
        {with("service_version", "1.0"), {"body", "service_version"}, "value_error.version"},
        {with("severity", 3), {"body", "severity"}, "type_error.any_of"},
        {with("severity", 1.0), {"body", "severity"}, "type_error.any_of"},
        {with("severity", "ERROR"), {"body", "severity"}, "type_error.enum"},
        {with("emails", "ops@example.com"), {"body", "emails"}, "type_error.array"},
        {with("emails", json({"ops@example.com", 7})), {"body", "emails", 1}, "type_error.string"},
        {with("emails", json({"ops@example.com", "Ops <ops@example.com>"})),
         {"body", "emails", 1},
         "value_error.email"},
        {with("timer", -1), {"body", "timer"}, "value_error.number.not_ge"},
        {with("timer", "60"), {"body", "timer"}, "type_error.number"},
        {with("colour", "red"), {"body", "colour"}, "value_error.extra"},
    };
    for (const Case& item : cases) {
        Response response = host.post("/notifications/", item.body);
        ASSERT_EQ(response.status, 422) << item.body.dump() << " -> " << response.body;
        json detail = detailOf(response);
        ASSERT_TRUE(detail.is_array()) << response.body;
        ASSERT_EQ(detail.size(), 1u) << item.body.dump() << " -> " << response.body;
        EXPECT_EQ(detail[0]["loc"], item.loc) << item.body.dump() << " -> " << response.body;
        EXPECT_EQ(detail[0]["type"], item.type) << item.body.dump() << " -> " << response.body;
        EXPECT_TRUE(detail[0]["msg"].is_string());
    }

    // Every problem of one body is reported.
    json many = warning("x");
    many["service_name"] = "_bad";
    many["service_version"] = "one";
    many["emails"] = {"nobody"};
    Response all = host.post("/notifications/", many);
    ASSERT_EQ(all.status, 422) << all.body;
    EXPECT_EQ(detailOf(all).size(), 3u) << all.body;

    Response malformed = request(host.port(), "POST", "/notifications/", "{\"msg\": ");
    ASSERT_EQ(malformed.status, 422) << malformed.body;
    EXPECT_EQ(detailOf(malformed)[0]["type"], "value_error.jsondecode");

    EXPECT_EQ(host.get("/notifications/").json(), before);
}

TEST(Notifications, AServiceNotificationStacksAndSurvivesKill9) {
    auto host = std::make_unique<HostProcess>();
    const std::string work = host->workDirectory();
    installPlugin(builtPlugin("hello"), host->pluginsDir(), "hello_1.0.0.so");
    ASSERT_TRUE(
        waitFor([&] { return serviceEntry(*host, "hello", "1.0.0")["status"] == "ready"; }));
    for (int i = 0; i < 2; ++i) {
        Response answer = host->post("/services/hello/hello", {{"name", "World"}});
        ASSERT_EQ(answer.status, 200) << answer.body;
        EXPECT_EQ(answer.json(), "Greeting failed");
    }
    ASSERT_EQ(host->post("/notifications/", warning("from outside")).status, 200);

    json before = host->get("/notifications/").json();
    ASSERT_EQ(before.size(), 2u) << before.dump(2);
    bool foundService = false;
    for (const auto& item : before) {
        if (item["msg"] == "Someone is trying to greet the World, too time consuming. Skipping!") {
            foundService = true;
            EXPECT_EQ(item["service_name"], "hello");
            EXPECT_EQ(item["service_version"], "1.0.0");
            EXPECT_EQ(item["severity"], 1);
            EXPECT_EQ(item["counter"], 2);
        }
    }
    EXPECT_TRUE(foundService) << before.dump(2);

    host->keepWorkDirectory();
    host->stop(true);
    host = std::make_unique<HostProcess>(std::vector<std::string>{}, work);
    EXPECT_EQ(host->get("/notifications/").json(), before);

    // Counting goes on from the stored counter.
    ASSERT_TRUE(
        waitFor([&] { return serviceEntry(*host, "hello", "1.0.0")["status"] == "ready"; }));
    ASSERT_EQ(host->post("/services/hello/hello", {{"name", "World"}}).status, 200);
    json after = host->get("/notifications/").json();
    ASSERT_EQ(after.size(), 2u) << after.dump(2);
    for (const auto& [id, item] : after.items()) {
        EXPECT_EQ(item["first_timestamp"], before[id]["first_timestamp"]);
        if (item["service_name"] == "hello" && item["msg"] != "from outside") {
            EXPECT_EQ(item["counter"], 3);
        }
    }

    // Clearing is durable too.
    ASSERT_EQ(deleteAll(*host).status, 200);
    host->keepWorkDirectory();
    host->stop(true);
    host = std::make_unique<HostProcess>(std::vector<std::string>{}, work);
    EXPECT_EQ(host->get("/notifications/").json(), json::object());
}

TEST(NotificationEmail, SentThroughARealSmtpServerWithTheTimerRule) {
    if (!SmtpServer::available()) {
        GTEST_SKIP()
            << "python3-aiosmtpd is not installed (tools/setup/install-deps.sh installs it)";
    }
    SmtpServer smtp;
    HostProcess host({"--define", "smtp.host=127.0.0.1", "--define",
                      "smtp.port=" + std::to_string(smtp.port()), "--define",
                      "smtp.sender=mvi-test@localhost"});
    auto raise = [&host](const std::string& message, json emails, double timer) {
        json body = warning(message);
        body["emails"] = std::move(emails);
        body["timer"] = timer;
        Response response = host.post("/notifications/", body);
        EXPECT_EQ(response.status, 200) << response.body;
        return response.json();
    };
    auto count = [&smtp](const std::string& message) { return smtp.messagesWith(message).size(); };

    // First raise: one e-mail to both addresses, from the configured sender.
    raise("quiet disk", {"ops@example.com", "dev@example.com"}, 3600);
    ASSERT_TRUE(waitFor([&] { return count("quiet disk") == 1; })) << smtp.messages().size();
    std::string mail = smtp.messagesWith("quiet disk")[0];
    EXPECT_NE(mail.find("Subject: [MVI] WARNING hello 1.0.0"), std::string::npos) << mail;
    EXPECT_NE(mail.find("X-MailFrom: mvi-test@localhost"), std::string::npos) << mail;
    EXPECT_NE(mail.find("ops@example.com"), std::string::npos) << mail;
    EXPECT_NE(mail.find("dev@example.com"), std::string::npos) << mail;
    EXPECT_NE(mail.find("X-RcptTo: ops@example.com, dev@example.com"), std::string::npos) << mail;
    EXPECT_NE(mail.find("Counter: 1"), std::string::npos) << mail;
    EXPECT_NE(mail.find("Service: hello"), std::string::npos) << mail;

    // A repeat within the timer sends nothing. E-mails leave in order, so once a later one has
    // arrived, an e-mail for the repeat would have arrived before it.
    json repeat = raise("quiet disk", {"ops@example.com", "dev@example.com"}, 3600);
    EXPECT_EQ(repeat["counter"], 2);
    raise("every time", {"ops@example.com"}, 0);
    raise("every time", {"ops@example.com"}, 0);
    ASSERT_TRUE(waitFor([&] { return count("every time") == 2; })) << smtp.messages().size();
    EXPECT_EQ(count("quiet disk"), 1u);

    // With a short timer: silent until it has passed (on the host's clock), then e-mailed again.
    json first = raise("short timer", {"ops@example.com"}, 1);
    ASSERT_TRUE(waitFor([&] { return count("short timer") == 1; }));
    const Poco::Timestamp emailedAt = parseTime(first["timestamp"]);
    json soon = raise("short timer", {"ops@example.com"}, 1);
    // On a very slow machine the second raise may already be past the timer, and e-mailed.
    const bool withinTimer = parseTime(soon["timestamp"]) - emailedAt <= 1000000;
    const Poco::Timestamp lastEmail = withinTimer ? emailedAt : parseTime(soon["timestamp"]);
    ASSERT_TRUE(waitFor([&] { return Poco::Timestamp() - lastEmail > 1100000; }));
    json late = raise("short timer", {"ops@example.com"}, 1);
    EXPECT_EQ(late["counter"], 3);
    const std::size_t expected = withinTimer ? 2 : 3;
    ASSERT_TRUE(waitFor([&] { return count("short timer") == expected; }));
    raise("every time", {"ops@example.com"}, 0);
    ASSERT_TRUE(waitFor([&] { return count("every time") == 3; }));
    EXPECT_EQ(count("short timer"), expected);
    EXPECT_EQ(smtp.messagesWith("Counter: 3").size(), 2u);  // "short timer" and "every time"

    // Notifications without addresses are never e-mailed.
    ASSERT_EQ(host.post("/notifications/", warning("no addresses")).status, 200);
    raise("every time", {"ops@example.com"}, 0);
    ASSERT_TRUE(waitFor([&] { return count("every time") == 4; }));
    EXPECT_EQ(count("no addresses"), 0u);
    EXPECT_EQ(smtp.messages().size(), 1u + 4u + expected);
}

TEST(NotificationEmail, AnUnreachableServerNeverFailsTheRaise) {
    unsigned port = 0;
    {
        Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
        port = probe.address().port();
    }
    HostProcess host({"--define", "smtp.host=127.0.0.1", "--define",
                      "smtp.port=" + std::to_string(port), "--define", "smtp.timeout_seconds=2"});
    json body = warning("nobody listens");
    body["emails"] = {"ops@example.com"};
    for (int i = 1; i <= 3; ++i) {
        Response response = host.post("/notifications/", body);
        ASSERT_EQ(response.status, 200) << response.body;
        EXPECT_EQ(response.json()["counter"], i);
    }
    EXPECT_EQ(host.get("/~health").status, 200);
}

/// Raises a notification e-mailed to one address through `host`.
void raiseWithEmail(const HostProcess& host, const std::string& message) {
    json body = warning(message);
    body["emails"] = json::array({"ops@example.com"});
    Response response = host.post("/notifications/", body);
    EXPECT_EQ(response.status, 200) << response.body;
}

TEST(NotificationEmail, UsesStartTlsWhenTheServerOffersIt) {
    if (!SmtpServer::available()) {
        GTEST_SKIP()
            << "python3-aiosmtpd is not installed (tools/setup/install-deps.sh installs it)";
    }
    std::string directory = makeTemporaryDirectory();
    std::string certificate = makeCertificate(directory, "smtp");
    std::string key = (fs::path(directory) / "smtp.key").string();
    // This server refuses mail from a client that did not switch to TLS first.
    SmtpServer smtp({"--tlscert", certificate, "--tlskey", key});
    HostProcess host({"--define", "smtp.host=127.0.0.1", "--define",
                      "smtp.port=" + std::to_string(smtp.port())});
    raiseWithEmail(host, "sent over starttls");
    EXPECT_TRUE(waitFor([&] { return smtp.messagesWith("sent over starttls").size() == 1; }));
}

TEST(NotificationEmail, RequiredStartTlsChecksTheCertificate) {
    if (!SmtpServer::available()) {
        GTEST_SKIP()
            << "python3-aiosmtpd is not installed (tools/setup/install-deps.sh installs it)";
    }
    std::string directory = makeTemporaryDirectory();
    std::string certificate = makeCertificate(directory, "smtp");
    std::string key = (fs::path(directory) / "smtp.key").string();
    SmtpServer smtp({"--tlscert", certificate, "--tlskey", key});
    std::string port = std::to_string(smtp.port());
    {
        // Another CA: the certificate is refused and nothing is sent; the trusted one then is.
        std::string other = makeCertificate(directory, "other");
        HostProcess untrusting({"--define", "smtp.host=127.0.0.1", "--define", "smtp.port=" + port,
                                "--define", "smtp.tls=required", "--define",
                                "smtp.ca_file=" + other});
        raiseWithEmail(untrusting, "not to an untrusted server");
    }
    HostProcess host({"--define", "smtp.host=127.0.0.1", "--define", "smtp.port=" + port,
                      "--define", "smtp.tls=required", "--define", "smtp.ca_file=" + certificate});
    raiseWithEmail(host, "to a trusted server");
    EXPECT_TRUE(waitFor([&] { return smtp.messagesWith("to a trusted server").size() == 1; }));
    // The untrusting host stopped after sending (or failing to send) what it had queued.
    EXPECT_TRUE(smtp.messagesWith("not to an untrusted server").empty());
}

}  // namespace
}  // namespace mvi::test
