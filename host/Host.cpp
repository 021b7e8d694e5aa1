#include "Host.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Path.h>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "http/RequestHandlerFactory.h"

namespace mvi::host {
namespace {

std::string prepareDirectory(const std::string& path) {
    Poco::File(path).createDirectories();
    return path;
}

}  // namespace

Host::Host(HostConfig config, Poco::Logger& logger)
    : config_(std::move(config)),
      logger_(logger),
      logs_(config_.logsMemoryLines, Poco::Logger::get("service")),
      loader_(Poco::Path(prepareDirectory(config_.dataDir), "cache").toString(),
              HostServices{logs_, notifications_}, logger_),
      context_{config_, registry_, logs_, notifications_},
      threads_("http", 2, config_.httpMaxThreads) {
    prepareDirectory(config_.pluginsDir);
}

Host::~Host() { stop(); }

void Host::loadPluginsFolder() {
    std::vector<std::pair<ServiceId, std::string>> found;
    for (Poco::DirectoryIterator it(config_.pluginsDir), end; it != end; ++it) {
        const std::string& fileName = it.name();
        if (fileName.empty() || fileName.front() == '.' || !it->isFile()) {
            continue;
        }
        auto id = parsePluginFileName(fileName);
        if (!id) {
            logger_.warning(fmt::format("ignoring {}: plugin files are named "
                                        "<name>_<version>.so (e.g. hello_1.0.0.so)",
                                        it->path()));
            continue;
        }
        found.emplace_back(*id, it->path());
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return a.first.name != b.first.name
                   ? a.first.name < b.first.name
                   : compareVersions(a.first.version, b.first.version) < 0;
    });
    for (const auto& [id, path] : found) {
        deploy(id, path);
    }
}

std::shared_ptr<ServiceVersion> Host::deploy(const ServiceId& id, const std::string& path) {
    auto version = loader_.load(id, path);
    registry_.publish(version);
    return version;
}

void Host::start() {
    if (server_) {
        return;
    }
    Poco::Net::ServerSocket socket(
        Poco::Net::SocketAddress(config_.httpHost, static_cast<Poco::UInt16>(config_.httpPort)),
        config_.httpMaxQueued);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(config_.httpMaxThreads);
    params->setMaxQueued(config_.httpMaxQueued);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);
    params->setKeepAliveTimeout(Poco::Timespan(config_.httpKeepAliveSeconds, 0));
    params->setServerName("mvi-host");
    server_ = std::make_unique<Poco::Net::HTTPServer>(new RequestHandlerFactory(context_),
                                                      threads_, socket, params);
    server_->start();
    logger_.information(fmt::format("serving on http://{}:{}", config_.httpHost, port()));
}

void Host::stop() {
    if (server_) {
        server_->stopAll(true);
        server_.reset();
    }
}

unsigned Host::port() const { return server_ ? server_->port() : 0; }

}  // namespace mvi::host
