// Hostile request input against a real host over real HTTP: JSON nested a million levels deep,
// numbers beyond a double, bytes that are not UTF-8 in bodies, queries and forms, and bodies far
// over the size limit sent by curl and by a raw socket that keeps sending. Every one is answered
// with a readable 4xx and a JSON `detail`, and the same serving process goes on serving.

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// 50 MB: five times the default http.max_body_bytes.
constexpr std::size_t kHugeBody = 50u * 1000 * 1000;

/// `levels` arrays nested in one another around `inside`.
std::string nestedArrays(std::size_t levels, const std::string& inside = "") {
    return std::string(levels, '[') + inside + std::string(levels, ']');
}

/// `text` encoded for a query string.
std::string queryEncoded(const std::string& text) {
    std::string encoded;
    Poco::URI::encode(text, "&=+#", encoded);
    return encoded;
}

/// A connection to the host.
Poco::Net::StreamSocket connectTo(const HostProcess& host) {
    Poco::Net::StreamSocket socket(
        Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(host.port())));
    socket.setReceiveTimeout(Poco::Timespan(60, 0));
    return socket;
}

/// Sends `total` bytes of body to `socket` in blocks (as chunks when `chunked`) from its own
/// thread, whatever the host answers meanwhile; records whether every byte went out.
class BodySender {
  public:
    BodySender(Poco::Net::StreamSocket& socket, std::size_t total, bool chunked)
        : thread_([this, &socket, total, chunked] {
              const std::string block(1 << 16, ' ');
              const std::string chunkHead = "10000\r\n";
              try {
                  std::size_t sent = 0;
                  while (sent < total) {
                      if (chunked) {
                          socket.sendBytes(chunkHead.data(), static_cast<int>(chunkHead.size()));
                      }
                      socket.sendBytes(block.data(), static_cast<int>(block.size()));
                      if (chunked) {
                          socket.sendBytes("\r\n", 2);
                      }
                      sent += block.size();
                  }
                  if (chunked) {
                      socket.sendBytes("0\r\n\r\n", 5);
                  }
                  complete_ = true;
              } catch (const Poco::Exception& error) {
                  failure_ = error.displayText();
              }
          }) {}

    /// Waits for the last byte (or the failure); true when everything was sent.
    bool finish() {
        thread_.join();
        return complete_;
    }

    const std::string& failure() const { return failure_; }

  private:
    bool complete_ = false;
    std::string failure_;
    std::thread thread_;
};

/// The outcome of running curl.
struct CurlRun {
    int exitCode = -1;
    std::string statusCode;
    std::string body;
    std::string errors;
};

CurlRun runCurl(const std::vector<std::string>& arguments, const std::string& bodyFile) {
    std::vector<std::string> all = {"-sS", "-o", bodyFile, "-w", "%{http_code}"};
    all.insert(all.end(), arguments.begin(), arguments.end());
    Poco::Pipe out;
    Poco::Pipe err;
    Poco::ProcessHandle handle = Poco::Process::launch("curl", all, nullptr, &out, &err);
    CurlRun run;
    Poco::PipeInputStream outStream(out);
    Poco::PipeInputStream errStream(err);
    Poco::StreamCopier::copyToString(outStream, run.statusCode);
    Poco::StreamCopier::copyToString(errStream, run.errors);
    run.exitCode = handle.wait();
    std::ifstream answer(bodyFile, std::ios::binary);
    run.body.assign(std::istreambuf_iterator<char>(answer), std::istreambuf_iterator<char>());
    return run;
}

/// One host serving hello and the JSON echo (1.0.0 main, 2.0.0 its shadow), shared by the tests.
class HostileInput : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        std::string work = makeTemporaryDirectory();
        fs::create_directories(fs::path(work) / "plugins");
        for (auto [target, file] :
             {std::pair{"hello", "hello_1.0.0.so"}, std::pair{"fixture_echo_json", "echo_1.0.0.so"},
              std::pair{"fixture_echo_json", "echo_2.0.0.so"}}) {
            installPlugin(builtPlugin(target), (fs::path(work) / "plugins").string(), file);
        }
        host_ = new HostProcess({}, work);
        ASSERT_TRUE(waitFor([] {
            return serviceEntry(*host_, "echo", "2.0.0")["status"] == "ready" &&
                   serviceEntry(*host_, "hello", "1.0.0")["status"] == "ready";
        }));
        servingPid_ = host_->servingPid();
    }
    static void TearDownTestSuite() {
        delete host_;
        host_ = nullptr;
    }

    void TearDown() override {
        // Nothing above killed or restarted the serving process: it still answers.
        EXPECT_EQ(host().servingPid(), servingPid_);
        EXPECT_EQ(host().post("/services/hello/hello", {{"name", "Bob"}}).status, 200);
    }

    static HostProcess& host() { return *host_; }

    static Response send(const std::string& method, const std::string& path,
                         const std::string& body,
                         const std::string& contentType = "application/json") {
        return request(host().port(), method, path, body, contentType);
    }

    /// The single problem of a 422 answer (fails the test otherwise).
    static json problemOf(const Response& response) {
        EXPECT_EQ(response.status, 422) << response.body;
        json detail = response.json().at("detail");
        EXPECT_TRUE(detail.is_array()) << response.body;
        EXPECT_EQ(detail.size(), 1u) << response.body;
        return detail.at(0);
    }

    static HostProcess* host_;
    static pid_t servingPid_;
};

HostProcess* HostileInput::host_ = nullptr;
pid_t HostileInput::servingPid_ = -1;

TEST_F(HostileInput, AMillionNestedLevelsAre422WhereverJsonIsRead) {
    const std::string arrays(1000000, '[');
    std::string objects;
    for (int i = 0; i < 1000000; ++i) {
        objects += "{\"a\":";
    }
    json byName = problemOf(send("POST", "/services/echo/echo", arrays));
    EXPECT_EQ(byName["loc"], json({"body", 0}));
    EXPECT_EQ(byName["type"], "value_error.jsondepth");
    EXPECT_NE(byName["msg"].get<std::string>().find("256"), std::string::npos) << byName;
    EXPECT_NE(byName["msg"].get<std::string>().find("http.max_json_depth"), std::string::npos);

    json byVersion = problemOf(send("POST", "/services/echo_1.0.0/echo", objects));
    EXPECT_EQ(byVersion["loc"], json({"body", "a"}));
    EXPECT_EQ(byVersion["type"], "value_error.jsondepth");

    json argument = problemOf(send("POST", "/services/echo/echo", "{\"value\": " + arrays));
    EXPECT_EQ(argument["loc"], json({"body", "value"}));

    // Every other route that reads a JSON body.
    for (auto [method, path] :
         {std::pair{"POST", "/services/echo/~parameters/setting"},
          std::pair{"POST", "/notifications/"}, std::pair{"DELETE", "/services/"},
          std::pair{"PUT", "/services/~assign"}, std::pair{"POST", "/services/~unquarantine"}}) {
        json problem = problemOf(send(method, path, "{\"value\": " + objects));
        EXPECT_EQ(problem["type"], "value_error.jsondepth") << method << ' ' << path;
        EXPECT_EQ(problem["loc"], json({"body", "value"})) << method << ' ' << path;
    }
    // A query value read as JSON (a URL holds a few hundred levels).
    json query =
        problemOf(host().get("/services/echo/peek?value=" + queryEncoded(nestedArrays(300))));
    EXPECT_EQ(query["loc"], json({"query", "value", 0}));
    EXPECT_EQ(query["type"], "value_error.jsondepth");

    // Nothing of it reached the services.
    EXPECT_EQ(serviceEntry(host(), "echo", "1.0.0")["stats"]["requests"], 0);
}

TEST_F(HostileInput, ValuesUpToTheLimitTravelEveryPath) {
    // The arguments object is one level: the value may have 255.
    json value = json::parse(nestedArrays(255, "\"deep\""));
    json before = serviceEntry(host(), "echo", "2.0.0")["stats"];

    Response echoed = host().post("/services/echo/echo", {{"value", value}});
    ASSERT_EQ(echoed.status, 200) << echoed.body.substr(0, 200);
    EXPECT_EQ(echoed.json(), value);
    // Mirrored to the shadow, which answered it.
    ASSERT_TRUE(waitFor([&] {
        return serviceEntry(host(), "echo", "2.0.0")["stats"]["mirrored"] ==
               before["mirrored"].get<int>() + 1;
    }));
    EXPECT_EQ(serviceEntry(host(), "echo", "2.0.0")["stats"]["mirror_errors"],
              before["mirror_errors"]);
    // Monitored: stored and read back.
    ASSERT_TRUE(waitFor([&] {
        Response stored = host().get("/services/echo/~monitor?variables=echo_response");
        return stored.status == 200 && stored.json().contains("echo_response") &&
               !stored.json()["echo_response"]["value"].empty();
    }));
    Response stored = host().get("/services/echo/~monitor?variables=echo_response");
    EXPECT_EQ(stored.json()["echo_response"]["value"].back(), value);

    // As a parameter value, set by name on the main and the shadow.
    ASSERT_EQ(host().post("/services/echo/~parameters/setting", {{"value", value}}).status, 200);
    EXPECT_EQ(host().get("/services/echo_2.0.0/~parameters/setting").json(), value);

    // From the query string.
    Response peeked =
        host().get("/services/echo/peek?value=" + queryEncoded(nestedArrays(200, "7")));
    ASSERT_EQ(peeked.status, 200) << peeked.body.substr(0, 200);
    EXPECT_EQ(peeked.json(), json::parse(nestedArrays(200, "7")));

    // One level more is refused.
    json wrapped = json::array();
    wrapped.push_back(value);
    json deeper = problemOf(host().post("/services/echo/echo", {{"value", wrapped}}));
    EXPECT_EQ(deeper["type"], "value_error.jsondepth");
}

TEST_F(HostileInput, NumbersBeyondADoubleAre422) {
    json body = problemOf(send("POST", "/services/hello/hello", R"({"name": 1e400})"));
    EXPECT_EQ(body["loc"], json({"body", "name"}));
    EXPECT_EQ(body["type"], "value_error.jsonnumber");

    json nested =
        problemOf(send("POST", "/services/echo/echo", R"({"value": {"list": [1, -1e400]}})"));
    EXPECT_EQ(nested["loc"], json({"body", "value", "list", 1}));

    json parameter =
        problemOf(send("POST", "/services/echo/~parameters/setting", R"({"value": 1e999})"));
    EXPECT_EQ(parameter["loc"], json({"body", "value"}));

    json query = problemOf(host().get("/services/echo/peek?value=1e400"));
    EXPECT_EQ(query["loc"], json({"query", "value"}));
    EXPECT_EQ(query["type"], "value_error.jsonnumber");
}

TEST_F(HostileInput, BytesThatAreNotUtf8Are422WithTheirPlace) {
    json body = problemOf(send("POST", "/services/hello/hello", "{\"name\": \"Bo\xff\"}"));
    EXPECT_EQ(body["loc"], json({"body", "name"}));
    EXPECT_EQ(body["type"], "value_error.utf8");

    json nested = problemOf(
        send("POST", "/services/echo/echo", "{\"value\": [\"ok\", {\"k\": \"\xc3\x28\"}]}"));
    EXPECT_EQ(nested["loc"], json({"body", "value", 1, "k"}));
    json key = problemOf(send("POST", "/services/echo/echo", "{\"value\": {\"\xed\xa0\x80\": 1}}"));
    EXPECT_EQ(key["loc"], json({"body", "value"}));
    json notification = problemOf(send("POST", "/notifications/", "{\"msg\": \"\xfe\"}"));
    EXPECT_EQ(notification["loc"], json({"body", "msg"}));

    // Query values and names, on every route that reads a query.
    for (const char* path : {"/services/echo/peek?value=%FF", "/services/~logs?name=%C3%28",
                             "/services/~inspection?name=%FF", "/services/echo/~monitor?end=%FF"}) {
        json problem = problemOf(host().get(path));
        EXPECT_EQ(problem["type"], "value_error.utf8") << path;
        EXPECT_EQ(problem["loc"].size(), 2u) << path;
    }
    json queryName = problemOf(host().get("/services/~logs?name=hello&%FF=1"));
    EXPECT_EQ(queryName["loc"], json({"query"}));
    json malformed = problemOf(host().get("/services/~logs?name=%zz"));
    EXPECT_EQ(malformed["loc"], json({"query"}));
    EXPECT_EQ(malformed["type"], "value_error.query");

    // Form fields of the login.
    json login = problemOf(send("POST", "/auth/login", "username=%FF&password=x",
                                "application/x-www-form-urlencoded"));
    EXPECT_EQ(login["loc"], json({"body", "username"}));
    json raw = problemOf(send("POST", "/auth/login", "username=admin&password=\xff",
                              "application/x-www-form-urlencoded"));
    EXPECT_EQ(raw["loc"], json({"body", "password"}));

    // The messages themselves are valid UTF-8 JSON.
    Response notFound = host().get("/services/%FF/peek");
    EXPECT_EQ(notFound.status, 404) << notFound.body;
    EXPECT_NO_THROW(notFound.json());
}

TEST_F(HostileInput, A50MegabyteBodyFromCurlGetsAReadable413) {
    std::string scratch = makeTemporaryDirectory();
    std::string bodyFile = (fs::path(scratch) / "body.json").string();
    {
        std::ofstream out(bodyFile, std::ios::binary);
        out << "{\"value\": \"" << std::string(kHugeBody, 'x') << "\"}";
    }
    const std::string url = "http://127.0.0.1:" + std::to_string(host().port());
    const std::string answerFile = (fs::path(scratch) / "answer.json").string();
    // curl asks `Expect: 100-continue` for a body this large: it hears 413 instead and sends
    // nothing; without it, it sends while the host already answered.
    for (const std::vector<std::string>& options :
         {std::vector<std::string>{}, std::vector<std::string>{"-H", "Expect:"},
          std::vector<std::string>{"-H", "Transfer-Encoding: chunked"}}) {
        std::vector<std::string> arguments = options;
        arguments.insert(arguments.end(), {"-H", "Content-Type: application/json", "--data-binary",
                                           "@" + bodyFile, url + "/services/echo/echo"});
        CurlRun run = runCurl(arguments, answerFile);
        std::string what = options.empty() ? "default" : options[1];
        EXPECT_EQ(run.exitCode, 0) << what << ": " << run.errors;
        EXPECT_EQ(run.statusCode, "413") << what << ": " << run.errors;
        ASSERT_FALSE(run.body.empty()) << what;
        json detail = json::parse(run.body)["detail"];
        EXPECT_NE(detail.get<std::string>().find("http.max_body_bytes"), std::string::npos)
            << detail;
    }
    fs::remove_all(scratch);
}

TEST_F(HostileInput, ARawClientThatKeepsSendingReadsThe413) {
    for (bool chunked : {false, true}) {
        Poco::Net::StreamSocket socket = connectTo(host());
        std::string head =
            "POST /services/echo/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\n";
        head += chunked ? "Transfer-Encoding: chunked\r\n"
                        : "Content-Length: " + std::to_string(kHugeBody) + "\r\n";
        head += "\r\n";
        socket.sendBytes(head.data(), static_cast<int>(head.size()));
        BodySender sender(socket, kHugeBody, chunked);
        RawAnswer answer = readRawAnswer(socket);
        // The host read and dropped the rest: every byte went out without a reset.
        EXPECT_TRUE(sender.finish()) << "chunked " << chunked << ": " << sender.failure();
        EXPECT_EQ(answer.status, 413) << "chunked " << chunked << ": " << answer.head;
        EXPECT_NE(answer.head.find("Connection: Close"), std::string::npos) << answer.head;
        ASSERT_FALSE(answer.body.empty()) << answer.head;
        EXPECT_NE(json::parse(answer.body)["detail"].get<std::string>().find("limit"),
                  std::string::npos)
            << answer.body;
    }
}

TEST_F(HostileInput, Expect100ContinueGets413InsteadOfContinueWhenTooLarge) {
    {
        Poco::Net::StreamSocket socket = connectTo(host());
        std::string head =
            "POST /services/echo/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            "application/json\r\nExpect: 100-continue\r\nContent-Length: " +
            std::to_string(kHugeBody) + "\r\n\r\n";
        socket.sendBytes(head.data(), static_cast<int>(head.size()));
        RawAnswer answer = readRawAnswer(socket);
        EXPECT_EQ(answer.status, 413) << answer.head;
        EXPECT_NE(json::parse(answer.body)["detail"].get<std::string>().find("http.max_body_bytes"),
                  std::string::npos);
    }
    {
        // An upload announced over http.max_upload_bytes: refused before it is sent.
        Poco::Net::StreamSocket socket = connectTo(host());
        std::string head =
            "POST /services/~tar HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            "multipart/form-data; boundary=x\r\nExpect: 100-continue\r\nContent-Length: "
            "1000000000\r\n\r\n";
        socket.sendBytes(head.data(), static_cast<int>(head.size()));
        RawAnswer answer = readRawAnswer(socket);
        EXPECT_EQ(answer.status, 413) << answer.head;
        EXPECT_NE(answer.body.find("http.max_upload_bytes"), std::string::npos) << answer.body;
    }
    {
        // Within the limit: 100 Continue, then the answer, on a connection that stays open.
        Poco::Net::StreamSocket socket = connectTo(host());
        std::string body = R"({"name": "Ann"})";
        std::string head =
            "POST /services/hello/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            "application/json\r\nExpect: 100-continue\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n";
        socket.sendBytes(head.data(), static_cast<int>(head.size()));
        RawAnswer interim = readRawAnswer(socket);
        EXPECT_EQ(interim.status, 100) << interim.head;
        socket.sendBytes(body.data(), static_cast<int>(body.size()));
        RawAnswer answer = readRawAnswer(socket);
        EXPECT_EQ(answer.status, 200) << answer.head;
        EXPECT_EQ(answer.body, "\"Hello Ann\"");
        std::string again = "GET /~health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        socket.sendBytes(again.data(), static_cast<int>(again.size()));
        EXPECT_EQ(readRawAnswer(socket).status, 200);
    }
}

}  // namespace
}  // namespace mvi::test
