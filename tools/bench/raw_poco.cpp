// mvi-bench-raw-poco: the ceiling of the host's own stack for the benchmark. A bare Poco
// HTTPServer, configured like mvi-host, whose one handler reads the JSON body, takes its "name"
// and answers the JSON string "Hello <name>" (what the hello service answers), with no routing,
// registry, plugin or log in between.
//
//   mvi-bench-raw-poco [--host ADDRESS] [--port PORT] [--threads N] [--queued N]
//
// Prints "raw-poco listening on http://ADDRESS:PORT" once it accepts connections and serves
// until SIGTERM or SIGINT.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

/// Answers POST bodies {"name": "..."} with "Hello <name>"; anything else gets a JSON error.
class HelloHandler : public Poco::Net::HTTPRequestHandler {
  public:
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        std::string body;
        char block[16384];
        std::istream& stream = request.stream();
        while (stream) {
            stream.read(block, sizeof block);
            if (stream.gcount() <= 0) {
                break;
            }
            body.append(block, static_cast<std::size_t>(stream.gcount()));
        }
        nlohmann::json answer;
        auto status = Poco::Net::HTTPResponse::HTTP_OK;
        nlohmann::json arguments = nlohmann::json::parse(body, nullptr, false);
        if (request.getMethod() != Poco::Net::HTTPRequest::HTTP_POST) {
            status = Poco::Net::HTTPResponse::HTTP_METHOD_NOT_ALLOWED;
            answer = {{"detail", "method not allowed"}};
        } else if (!arguments.is_object() || !arguments.contains("name") ||
                   !arguments["name"].is_string()) {
            status = Poco::Net::HTTPResponse::HTTP_UNPROCESSABLE_ENTITY;
            answer = {{"detail", "the body must be a JSON object with a string \"name\""}};
        } else {
            answer = "Hello " + arguments["name"].get<std::string>();
        }
        std::string text = answer.dump();
        response.setStatusAndReason(status);
        response.setContentType("application/json");
        response.setContentLength(static_cast<std::streamsize>(text.size()));
        response.sendBuffer(text.data(), text.size());
    }
};

/// Hands every request to a HelloHandler.
class HelloHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new HelloHandler;
    }
};

int usage(const std::string& problem) {
    std::cerr << "mvi-bench-raw-poco: " << problem
              << "\nusage: mvi-bench-raw-poco [--host ADDRESS] [--port PORT] [--threads N] "
                 "[--queued N]\n";
    return 64;
}

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    int port = 0;
    int threads = 256;
    int queued = 1024;
    for (int i = 1; i < argc; ++i) {
        std::string option = argv[i];
        if (i + 1 >= argc) {
            return usage("missing value after " + option);
        }
        std::string value = argv[++i];
        if (option == "--host") {
            host = value;
        } else if (option == "--port") {
            port = std::atoi(value.c_str());
        } else if (option == "--threads") {
            threads = std::atoi(value.c_str());
        } else if (option == "--queued") {
            queued = std::atoi(value.c_str());
        } else {
            return usage("unknown option " + option);
        }
    }
    if (port < 0 || port > 65535 || threads < 1 || queued < 1) {
        return usage("--port must be 0-65535, --threads and --queued at least 1");
    }

    // Every thread started from here on inherits the blocked signals; main waits for them.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    try {
        Poco::Net::ServerSocket socket(
            Poco::Net::SocketAddress(host, static_cast<Poco::UInt16>(port)), queued);
        // The same server settings as mvi-host (Host::start).
        auto* params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(threads);
        params->setMaxQueued(queued);
        params->setKeepAlive(true);
        params->setMaxKeepAliveRequests(0);
        params->setKeepAliveTimeout(Poco::Timespan(60, 0));
        params->setServerName("mvi-bench-raw-poco");
        Poco::ThreadPool pool(2, threads);
        Poco::Net::HTTPServer server(new HelloHandlerFactory, pool, socket, params);
        server.start();
        std::cout << "raw-poco listening on http://" << host << ":" << server.port() << std::endl;
        int signal = 0;
        sigwait(&stopSignals, &signal);
        server.stopAll(true);
        pool.joinAll();
    } catch (const Poco::Exception& error) {
        std::cerr << "mvi-bench-raw-poco: " << error.displayText() << "\n";
        return 70;
    }
    return 0;
}
