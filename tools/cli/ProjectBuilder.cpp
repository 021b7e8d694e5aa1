#include "ProjectBuilder.h"

#include <Poco/Environment.h>
#include <Poco/Path.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>

#include <algorithm>
#include <filesystem>

#include "CliError.h"

namespace mvi::cli {
namespace fs = std::filesystem;
namespace {

// `folder` as an absolute normal path without a trailing slash.
std::string absoluteFolder(const std::string& folder) {
    std::string path = fs::absolute(folder).lexically_normal().string();
    while (path.size() > 1 && path.back() == '/') {
        path.pop_back();
    }
    return path;
}

// The environment CMake runs in: when this mvi is an installed one (its prefix holds the MVI
// CMake package), `mvi_ROOT` points find_package(mvi) at that prefix, unless already set.
Poco::Process::Env cmakeEnvironment() {
    Poco::Process::Env environment;
    if (Poco::Environment::has("mvi_ROOT")) {
        return environment;
    }
    std::error_code error;
    fs::path program = fs::read_symlink("/proc/self/exe", error);
    if (error) {
        return environment;
    }
    fs::path prefix = program.parent_path().parent_path();
    if (fs::exists(prefix / "share" / "mvi" / "cmake" / "mviConfig.cmake", error)) {
        environment["mvi_ROOT"] = prefix.string();
    }
    return environment;
}

}  // namespace

ProjectBuilder::ProjectBuilder(std::string projectDir, std::ostream& out)
    : projectDir_(absoluteFolder(projectDir)),
      buildDir_((fs::path(projectDir_) / "build").string()),
      out_(out) {}

std::string ProjectBuilder::build() const {
    Poco::Path cmake;
    if (!Poco::Path::find(Poco::Environment::get("PATH", ""), "cmake", cmake)) {
        throw CliError("Cannot build " + projectDir_ + ": cmake was not found on PATH");
    }
    out_ << "Building " << projectDir_ << "..." << std::endl;
    runCmake(cmake.toString(), {"-S", projectDir_, "-B", buildDir_, "-DCMAKE_BUILD_TYPE=Release"},
             "configure");
    runCmake(cmake.toString(), {"--build", buildDir_, "-j2"}, "build");
    std::string plugin = findPlugin();
    out_ << "Built " << plugin << std::endl;
    return plugin;
}

void ProjectBuilder::runCmake(const std::string& cmake, const std::vector<std::string>& arguments,
                              const std::string& step) const {
    Poco::Pipe output;
    Poco::ProcessHandle process = Poco::Process::launch(cmake, arguments, projectDir_, nullptr,
                                                        &output, &output, cmakeEnvironment());
    Poco::PipeInputStream lines(output);
    for (std::string line; std::getline(lines, line);) {
        out_ << "  " << line << '\n' << std::flush;
    }
    int status = process.wait();
    if (status != 0) {
        throw CliError("Build failed: the CMake " + step + " step of " + projectDir_ +
                       " exited with status " + std::to_string(status) + " (its output is above)");
    }
}

std::string ProjectBuilder::findPlugin() const {
    std::vector<std::string> found;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(buildDir_, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
        if (it->is_directory() && it->path().filename() == "CMakeFiles") {
            it.disable_recursion_pending();
            continue;
        }
        if (it->path().extension() == ".so" && !it->is_symlink() && it->is_regular_file()) {
            found.push_back(it->path().string());
        }
    }
    std::sort(found.begin(), found.end());
    if (found.empty()) {
        throw CliError("The build of " + projectDir_ + " produced no .so file under " + buildDir_ +
                       ": build the service as a MODULE library (mvi_add_plugin)");
    }
    if (found.size() > 1) {
        std::string list;
        for (const std::string& path : found) {
            list += (list.empty() ? "" : ", ") + path;
        }
        throw CliError("The build of " + projectDir_ + " produced " + std::to_string(found.size()) +
                       " .so files (" + list +
                       "); expected exactly one: deploy the one you mean by its path");
    }
    return found.front();
}

}  // namespace mvi::cli
