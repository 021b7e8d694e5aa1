#include "InitCommand.h"

#include <Poco/String.h>
#include <Poco/TemporaryFile.h>
#include <mvi/limits.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/ServiceId.h"

namespace mvi::cli {

namespace {

namespace fs = std::filesystem;

/// The name proposed when asking for one.
constexpr std::string_view kDefaultProjectName = "my_project";

/// One file of a new project: its path inside the project and its text.
struct ProjectFile {
    std::string path;     ///< Relative path, `/`-separated (`tests/test_service.cpp`).
    std::string content;  ///< The text with the project's name filled in.
};

// The templates, compiled in: each file holds one raw string literal whose text starts with a
// newline, and "{{project_name}}" stands for the project's name.
constexpr std::string_view kServiceTemplate =
#include "templates/service.cpp.inc"
    ;
constexpr std::string_view kCMakeListsTemplate =
#include "templates/CMakeLists.txt.inc"
    ;
constexpr std::string_view kReadmeTemplate =
#include "templates/README.md.inc"
    ;
constexpr std::string_view kTestTemplate =
#include "templates/test_service.cpp.inc"
    ;
constexpr std::string_view kGitignoreTemplate =
#include "templates/gitignore.inc"
    ;

/// A template's text for the project `name`.
std::string render(std::string_view text, const std::string& name) {
    if (!text.empty() && text.front() == '\n') {
        text.remove_prefix(1);
    }
    std::string result(text);
    Poco::replaceInPlace(result, std::string("{{project_name}}"), name);
    return result;
}

/// The command line of `mvi init`.
struct InitArguments {
    std::string path;                        ///< PATH (empty: the current folder).
    std::string name;                        ///< NAME, when given.
    const CLI::Option* nameGiven = nullptr;  ///< `--name`, to tell whether it was given.
};

/// Asks for the project's name; an empty answer (or none) takes the default.
std::string promptForName(std::istream& in, std::ostream& out) {
    out << "project_name [" << kDefaultProjectName << "]: " << std::flush;
    std::string answer;
    std::getline(in, answer);
    Poco::trimInPlace(answer);
    return answer.empty() ? std::string(kDefaultProjectName) : answer;
}

/// True when `path` is an existing folder with nothing in it.
bool isEmptyFolder(const fs::path& path) {
    return fs::is_directory(path) && fs::directory_iterator(path) == fs::directory_iterator();
}

/// The files of the project `name`.
std::vector<ProjectFile> projectFiles(const std::string& name) {
    return {
        {"service.cpp", render(kServiceTemplate, name)},
        {"CMakeLists.txt", render(kCMakeListsTemplate, name)},
        {"README.md", render(kReadmeTemplate, name)},
        {"tests/test_service.cpp", render(kTestTemplate, name)},
        {".gitignore", render(kGitignoreTemplate, name)},
    };
}

/// Writes every file of the project `name` into the existing folder `folder`.
void writeProject(const fs::path& folder, const std::string& name) {
    for (const auto& file : projectFiles(name)) {
        const fs::path target = folder / fs::path(file.path);
        fs::create_directories(target.parent_path());
        std::ofstream stream(target, std::ios::binary);
        stream << file.content;
        stream.close();
        if (!stream) {
            throw std::runtime_error("cannot write " + target.string());
        }
    }
}

/// Creates the project `name` at `projectDir` through a temporary folder in `parent`, renamed
/// into place once complete. Throws std::runtime_error or fs::filesystem_error.
void createProject(const fs::path& parent, const fs::path& projectDir, const std::string& name) {
    fs::create_directories(parent);
    const fs::path staging = Poco::TemporaryFile::tempName(parent.string());
    if (!fs::create_directory(staging)) {
        throw std::runtime_error("temporary folder " + staging.string() + " already exists");
    }
    try {
        writeProject(staging, name);
        // rename(2) replaces an empty folder and refuses a non-empty one.
        fs::rename(staging, projectDir);
    } catch (...) {
        std::error_code ignored;
        fs::remove_all(staging, ignored);
        throw;
    }
}

int init(CommandContext& context, const InitArguments& arguments) {
    std::ostream& out = context.out;
    std::ostream& err = context.err;
    const std::string folderGiven = arguments.path.empty() ? "." : arguments.path;
    const std::string name =
        arguments.nameGiven->count() > 0 ? arguments.name : promptForName(context.in, out);
    if (!mvi::host::isValidServiceName(name)) {
        err << "Error: \"" << mvi::limits::shorten(name)
            << "\" is not a valid service name: use lowercase letters, digits and underscores, "
               "not starting or ending with _, at most "
            << mvi::limits::kMaxNameBytes << " bytes\n";
        return 2;
    }

    // As the user named it, for the messages; the absolute form for the work.
    const fs::path shown =
        arguments.path.empty() ? fs::path(name) : fs::path(arguments.path) / name;
    const fs::path parent = fs::absolute(fs::path(folderGiven));
    const fs::path projectDir = parent / name;
    try {
        if (fs::exists(parent) && !fs::is_directory(parent)) {
            err << "Error: " << folderGiven << " is not a folder\n";
            return 1;
        }
        if (fs::exists(projectDir) && !isEmptyFolder(projectDir)) {
            err << "Error: " << shown.string()
                << " already exists and is not an empty folder; nothing was written. Choose "
                   "another name or PATH.\n";
            return 1;
        }
        createProject(parent, projectDir, name);
    } catch (const std::exception& error) {
        err << "Error: cannot create " << shown.string() << ": " << error.what() << "\n";
        return 1;
    }

    const std::string folder = shown.string();
    out << "Created the service project " << name << " in " << folder << "\n"
        << "Build it and run its tests (with MVI installed where CMake finds it):\n"
        << "    cmake -S " << folder << " -B " << folder << "/build\n"
        << "    cmake --build " << folder << "/build\n"
        << "    ctest --test-dir " << folder << "/build\n"
        << "Deploy it to the active host:\n"
        << "    mvi deploy " << name << " 1.0.0 " << folder << "\n";
    return 0;
}

}  // namespace

void addInitCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<InitArguments>();
    CLI::App* command = mvi.add_subcommand("init", "Create a new service project");
    command->add_option("PATH", arguments->path,
                        "the folder to create the project in (default: the current folder)");
    arguments->nameGiven =
        command
            ->add_option("-n,--name", arguments->name,
                         "the project's name, also its service's (asked for when left out)")
            ->type_name("NAME");
    command->footer(
        "Creates the service project NAME in PATH/NAME: service.cpp, CMakeLists.txt, "
        "README.md and tests/.\nNAME: lowercase letters, digits and underscores, not "
        "starting or ending with _, at most " +
        std::to_string(mvi::limits::kMaxNameBytes) + " bytes.");
    context.onRun(*command, [&context, arguments] { return init(context, *arguments); });
}

}  // namespace mvi::cli
