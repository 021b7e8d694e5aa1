#include "MviRunner.h"

#include <Poco/Exception.h>
#include <Poco/PipeStream.h>
#include <Poco/StreamCopier.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "HostProcess.h"

namespace mvi::test {
namespace fs = std::filesystem;

MviBackground::MviBackground(const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& environment) {
    process_ = std::make_unique<Poco::ProcessHandle>(
        Poco::Process::launch(MVI_CLI_BINARY, args, nullptr, &out_, nullptr, environment));
    reader_ = std::thread([this] {
        Poco::PipeInputStream input(out_);
        char buffer[1024];
        while (true) {
            input.read(buffer, 1);
            if (input.gcount() == 0) {
                return;
            }
            std::streamsize more = input.readsome(buffer + 1, sizeof(buffer) - 1);
            std::lock_guard lock(mutex_);
            output_.append(buffer, static_cast<std::size_t>(1 + more));
        }
    });
}

MviBackground::~MviBackground() {
    try {
        Poco::Process::kill(*process_);
        process_->wait();
    } catch (const Poco::Exception&) {
        // It had ended and been reaped already.
    }
    reader_.join();
}

std::string MviBackground::output() const {
    std::lock_guard lock(mutex_);
    return output_;
}

MviRunner::MviRunner(std::string hostUrl)
    : hostUrl_(std::move(hostUrl)),
      scratch_(makeTemporaryDirectory()),
      configPath_((fs::path(scratch_) / "config" / "mvi.json").string()) {}

MviRunner::~MviRunner() {
    std::error_code ignored;
    if (std::getenv("MVI_TEST_KEEP") == nullptr) {
        fs::remove_all(scratch_, ignored);
    }
}

std::map<std::string, std::string> MviRunner::environment() const {
    std::map<std::string, std::string> environment = {{"MVI_CONFIG", configPath_}};
    // An empty MVI_HOST counts as unset.
    environment["MVI_HOST"] = hostUrl_;
    for (const auto& [name, value] : extraEnvironment_) {
        environment[name] = value;
    }
    return environment;
}

MviResult MviRunner::run(const std::vector<std::string>& args, const std::string& input,
                         const std::string& directory) const {
    Poco::Pipe in;
    Poco::Pipe out;
    Poco::Pipe err;
    Poco::ProcessHandle process =
        directory.empty()
            ? Poco::Process::launch(MVI_CLI_BINARY, args, &in, &out, &err, environment())
            : Poco::Process::launch(MVI_CLI_BINARY, args, directory, &in, &out, &err,
                                    environment());
    {
        Poco::PipeOutputStream stdinStream(in);
        stdinStream << input;
        stdinStream.close();
    }
    MviResult result;
    std::thread errorReader([&] {
        Poco::PipeInputStream errorStream(err);
        Poco::StreamCopier::copyToString(errorStream, result.err);
    });
    Poco::PipeInputStream outputStream(out);
    Poco::StreamCopier::copyToString(outputStream, result.out);
    errorReader.join();
    result.exitCode = process.wait();
    return result;
}

std::unique_ptr<MviBackground> MviRunner::start(const std::vector<std::string>& args) const {
    return std::make_unique<MviBackground>(args, environment());
}

std::string urlOf(const HostProcess& host) {
    return "http://127.0.0.1:" + std::to_string(host.port());
}

std::unique_ptr<HostProcess> startHostWith(
    const std::vector<std::pair<std::string, std::string>>& plugins,
    std::vector<std::string> arguments) {
    std::string work = makeTemporaryDirectory();
    std::string pluginsDir = (fs::path(work) / "plugins").string();
    fs::create_directories(pluginsDir);
    for (const auto& [target, file] : plugins) {
        installPlugin(builtPlugin(target), pluginsDir, file);
    }
    auto host = std::make_unique<HostProcess>(std::move(arguments), work);
    for (const auto& [target, file] : plugins) {
        std::string stem = file.substr(0, file.size() - 3);
        std::string name = stem.substr(0, stem.rfind('_'));
        std::string version = stem.substr(stem.rfind('_') + 1);
        waitFor([&] {
            nlohmann::json entry = serviceEntry(*host, name, version);
            return entry.is_object() && entry["status"] == "ready";
        });
    }
    return host;
}

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream input(text);
    for (std::string line; std::getline(input, line);) {
        lines.push_back(line);
    }
    return lines;
}

}  // namespace mvi::test
