#include "HostProcess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <thread>

#include "TestPaths.h"

namespace mvi::test {
namespace fs = std::filesystem;

std::string makeTemporaryDirectory() {
    std::string pattern = (fs::temp_directory_path() / "mvi-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp failed: ") + std::strerror(errno));
    }
    return pattern;
}

void installPlugin(const std::string& builtPath, const std::string& pluginsDir,
                   const std::string& fileName) {
    fs::path temporary = fs::path(pluginsDir) / ("." + fileName + ".tmp");
    fs::copy_file(builtPath, temporary, fs::copy_options::overwrite_existing);
    fs::rename(temporary, fs::path(pluginsDir) / fileName);
}

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

std::string makeCertificate(const std::string& directory, const std::string& name,
                            const std::string& altNames) {
    std::string certificate = (fs::path(directory) / (name + ".pem")).string();
    std::string key = (fs::path(directory) / (name + ".key")).string();
    Poco::Pipe out;
    Poco::ProcessHandle handle = Poco::Process::launch(
        "openssl",
        {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" + name,
         "-addext", "subjectAltName=" + altNames, "-keyout", key, "-out", certificate},
        nullptr, &out, &out);
    Poco::PipeInputStream stream(out);
    std::string output;
    Poco::StreamCopier::copyToString(stream, output);
    if (handle.wait() != 0) {
        throw std::runtime_error("openssl could not make a certificate: " + output);
    }
    return certificate;
}

HostProcess::HostProcess(std::vector<std::string> extraArguments, std::string workDirectory)
    : workDirectory_(workDirectory.empty() ? makeTemporaryDirectory() : std::move(workDirectory)),
      pluginsDir_((fs::path(workDirectory_) / "plugins").string()),
      dataDir_((fs::path(workDirectory_) / "data").string()) {
    fs::create_directories(pluginsDir_);
    std::vector<std::string> arguments = {MVI_HOST_BINARY, "--port",     "0",     "--plugins-dir",
                                          pluginsDir_,     "--data-dir", dataDir_};
    arguments.insert(arguments.end(), extraArguments.begin(), extraArguments.end());

    int output[2];
    if (pipe(output) != 0) {
        throw std::runtime_error("pipe failed");
    }
    pid_ = fork();
    if (pid_ < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
        dup2(output[1], STDOUT_FILENO);
        close(output[0]);
        close(output[1]);
        if (chdir(workDirectory_.c_str()) != 0) {
            _exit(126);
        }
        std::vector<char*> argv;
        for (auto& argument : arguments) {
            argv.push_back(argument.data());
        }
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(output[1]);
    // The host prints "mvi-host listening on http://ADDRESS:PORT" once it serves.
    std::string line;
    char c = 0;
    while (read(output[0], &c, 1) == 1) {
        if (c == '\n') {
            if (line.rfind("mvi-host listening on", 0) == 0) {
                break;
            }
            line.clear();
        } else {
            line += c;
        }
    }
    close(output[0]);
    auto colon = line.rfind(':');
    if (line.rfind("mvi-host listening on", 0) != 0 || colon == std::string::npos) {
        stop(true);
        throw std::runtime_error("mvi-host did not start (output: '" + line + "')");
    }
    port_ = static_cast<unsigned>(std::stoul(line.substr(colon + 1)));
}

HostProcess::~HostProcess() {
    stop();
    std::error_code ignored;
    if (!keepWorkDirectory_ && std::getenv("MVI_TEST_KEEP") == nullptr) {
        fs::remove_all(workDirectory_, ignored);
    }
}

pid_t HostProcess::servingPid() const {
    if (pid_ <= 0) {
        return -1;
    }
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) {
            continue;
        }
        // A process may end while it is read: plain reads, which report that as an error
        // instead of throwing as a stream buffer does.
        std::string text;
        if (std::FILE* stat = std::fopen((entry.path() / "stat").c_str(), "r")) {
            char buffer[512];
            std::size_t length = std::fread(buffer, 1, sizeof buffer, stat);
            std::fclose(stat);
            text.assign(buffer, length);
        }
        // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
        auto close = text.rfind(')');
        if (close == std::string::npos) {
            continue;
        }
        char state = 0;
        int parent = 0;
        if (std::sscanf(text.c_str() + close + 1, " %c %d", &state, &parent) == 2 &&
            parent == pid_ && state != 'Z') {
            return static_cast<pid_t>(std::stoi(name));
        }
    }
    return -1;
}

int HostProcess::stop(bool kill) {
    return stopWith(kill ? SIGKILL : SIGTERM);
}

int HostProcess::stopWith(int signal, std::chrono::milliseconds deadline) {
    if (pid_ <= 0) {
        return 0;
    }
    ::kill(pid_, signal);
    int status = 0;
    timedOut_ = false;
    auto end = std::chrono::steady_clock::now() + deadline;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > end) {
            timedOut_ = true;
            ::kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    return status;
}

}  // namespace mvi::test

namespace mvi::test {

std::unique_ptr<HostProcess> startHost(
    const std::vector<std::pair<std::string, std::string>>& plugins,
    std::vector<std::string> arguments) {
    std::string work = makeTemporaryDirectory();
    fs::create_directories(fs::path(work) / "plugins");
    for (const auto& [target, file] : plugins) {
        installPlugin(builtPlugin(target), (fs::path(work) / "plugins").string(), file);
    }
    return std::make_unique<HostProcess>(std::move(arguments), work);
}

std::string builtPlugin(const std::string& target) {
    for (const char* directory : {MVI_PLUGINS_BUILD_DIR, MVI_FIXTURES_BUILD_DIR}) {
        fs::path candidate = fs::path(directory) / (target + ".so");
        if (fs::exists(candidate)) {
            return candidate.string();
        }
    }
    throw std::runtime_error("plugin " + target + " was not built");
}

}  // namespace mvi::test

namespace mvi::test {

nlohmann::json serviceEntry(const HostProcess& host, const std::string& name,
                            const std::string& version) {
    Response response = host.get("/services/");
    if (response.status != 200) {
        return nullptr;
    }
    for (const auto& entry : response.json()) {
        if (entry["name"] == name && entry["version"] == version && entry["status"] != "draining") {
            return entry;
        }
    }
    return nullptr;
}

bool hasNotification(const HostProcess& host, const std::string& service,
                     const std::string& severity, const std::string& text) {
    nlohmann::json all = host.get("/notifications/").json();
    for (const auto& [id, stack] : all.items()) {
        if (stack["service_name"] == service && stack["severity_name"] == severity &&
            stack["msg"].get<std::string>().find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> mappedFilesUnder(pid_t pid, const std::string& directory) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::set<std::string> files;
    std::string prefix = fs::weakly_canonical(directory).string();
    for (std::string line; std::getline(maps, line);) {
        auto slash = line.find('/');
        if (slash == std::string::npos) {
            continue;
        }
        std::string path = line.substr(slash);
        const std::string deleted = " (deleted)";
        if (path.size() > deleted.size() &&
            path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0) {
            path.resize(path.size() - deleted.size());
        }
        if (path.rfind(prefix, 0) == 0) {
            files.insert(path);
        }
    }
    return {files.begin(), files.end()};
}

void slowCopy(const std::string& source, const std::string& destination,
              std::chrono::milliseconds pause) {
    std::ifstream input(source, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(input)), std::istreambuf_iterator<char>());
    std::ofstream output(destination, std::ios::binary | std::ios::trunc);
    const std::size_t chunks = 4;
    std::size_t chunk = content.size() / chunks + 1;
    for (std::size_t offset = 0; offset < content.size(); offset += chunk) {
        output.write(content.data() + offset,
                     static_cast<std::streamsize>(std::min(chunk, content.size() - offset)));
        output.flush();
        std::this_thread::sleep_for(pause);
    }
}

}  // namespace mvi::test
