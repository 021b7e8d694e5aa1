// `mvi init` (tools/cli/InitCommand), run through the CLI in-process: arguments, names, the
// prompt and refusing to overwrite, on real folders. Building and testing a generated project is
// check_install.sh's part.
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "Cli.h"

namespace {

namespace fs = std::filesystem;

/// What one `mvi init` run printed and returned.
struct InitRun {
    int status;
    std::string out;
    std::string err;
};

/// Runs `mvi init args...` with `input` on its standard input (not a terminal).
InitRun init(const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> line{"init"};
    line.insert(line.end(), args.begin(), args.end());
    std::istringstream in(input);
    std::ostringstream out;
    std::ostringstream err;
    const int status = mvi::cli::runMvi(line, in, out, err, false);
    return {status, out.str(), err.str()};
}

std::string readFile(const fs::path& path) {
    std::ifstream stream(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

/// The files of a project folder, relative and sorted.
std::vector<std::string> listFiles(const fs::path& folder) {
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
        if (entry.is_regular_file()) {
            files.push_back(fs::relative(entry.path(), folder).string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

/// Each test works in a fresh folder, removed with everything in it afterwards.
class InitCommand : public ::testing::Test {
  protected:
    void SetUp() override {
        temp_.createDirectories();
        root_ = temp_.path();
    }

    Poco::TemporaryFile temp_;
    fs::path root_;
};

TEST_F(InitCommand, CreatesTheProjectNamedByTheOption) {
    const auto run = init({(root_ / "work").string(), "--name", "my_first_mvi_project"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.err, "");
    const fs::path project = root_ / "work" / "my_first_mvi_project";
    EXPECT_EQ(listFiles(project),
              (std::vector<std::string>{".gitignore", "CMakeLists.txt", "README.md", "service.cpp",
                                        "tests/test_service.cpp"}));
    EXPECT_NE(
        run.out.find("Created the service project my_first_mvi_project in " + project.string()),
        std::string::npos)
        << run.out;

    const std::string cmake = readFile(project / "CMakeLists.txt");
    EXPECT_NE(cmake.find("project(my_first_mvi_project CXX)"), std::string::npos) << cmake;
    EXPECT_NE(cmake.find("find_package(mvi REQUIRED)"), std::string::npos);
    EXPECT_NE(cmake.find("mvi_add_plugin(my_first_mvi_project SOURCES service.cpp)"),
              std::string::npos);
    EXPECT_EQ(cmake.find("{{"), std::string::npos) << "a placeholder was left: " << cmake;
    EXPECT_EQ(cmake.front(), '#') << "the template's leading newline was kept";

    const std::string service = readFile(project / "service.cpp");
    EXPECT_EQ(service.rfind("// The my_first_mvi_project service:", 0), 0u) << service;
    EXPECT_NE(service.find("MVI_SERVICE(service)"), std::string::npos);
    EXPECT_LT(std::count(service.begin(), service.end(), '\n'), 30);
    EXPECT_NE(readFile(project / "README.md").find("# MVI service: my_first_mvi_project"),
              std::string::npos);
}

TEST_F(InitCommand, AcceptsTheShortAndTheAttachedFormOfTheName) {
    EXPECT_EQ(init({root_.string(), "-n", "short_form"}).status, 0);
    EXPECT_EQ(init({"--name=attached_form", root_.string()}).status, 0);
    EXPECT_TRUE(fs::is_regular_file(root_ / "short_form" / "service.cpp"));
    EXPECT_TRUE(fs::is_regular_file(root_ / "attached_form" / "service.cpp"));
}

TEST_F(InitCommand, AsksForTheNameWhenNoneIsGiven) {
    const auto run = init({root_.string()}, "  typed_name \n");
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.out.rfind("project_name [my_project]: ", 0), 0u) << run.out;
    EXPECT_TRUE(fs::is_regular_file(root_ / "typed_name" / "tests" / "test_service.cpp"));
}

TEST_F(InitCommand, AnEmptyAnswerOrNoneTakesTheDefaultName) {
    ASSERT_EQ(init({(root_ / "a").string()}, "\n").status, 0);
    EXPECT_TRUE(fs::is_regular_file(root_ / "a" / "my_project" / "CMakeLists.txt"));
    ASSERT_EQ(init({(root_ / "b").string()}, "").status, 0);
    EXPECT_TRUE(fs::is_regular_file(root_ / "b" / "my_project" / "CMakeLists.txt"));
}

TEST_F(InitCommand, RefusesInvalidNamesAndWritesNothing) {
    for (const std::string name :
         {"", "My_Project", "my-project", "_private", "trailing_", "with space", "../escape"}) {
        const auto run = init({root_.string(), "--name", name});
        EXPECT_EQ(run.status, 2) << name;
        EXPECT_NE(run.err.find("is not a valid service name"), std::string::npos) << run.err;
    }
    const auto prompted = init({root_.string()}, "Bad Name\n");
    EXPECT_EQ(prompted.status, 2);
    EXPECT_NE(prompted.err.find("\"Bad Name\" is not a valid service name"), std::string::npos)
        << prompted.err;
    EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(InitCommand, AcceptsNamesWithDigitsAndInnerUnderscores) {
    EXPECT_EQ(init({root_.string(), "--name", "2nd_model_v3"}).status, 0);
    EXPECT_TRUE(fs::is_regular_file(root_ / "2nd_model_v3" / "service.cpp"));
}

TEST_F(InitCommand, RefusesAFolderThatIsNotEmptyAndLeavesItAlone) {
    const fs::path project = root_ / "taken";
    fs::create_directories(project);
    std::ofstream(project / "service.cpp") << "my own work";

    const auto run = init({root_.string(), "--name", "taken"});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("already exists and is not an empty folder"), std::string::npos)
        << run.err;
    EXPECT_EQ(listFiles(project), std::vector<std::string>{"service.cpp"});
    EXPECT_EQ(readFile(project / "service.cpp"), "my own work");
    EXPECT_EQ(std::distance(fs::directory_iterator(root_), fs::directory_iterator()), 1)
        << "a temporary folder was left behind";
}

TEST_F(InitCommand, RefusesAFileWhereTheProjectWouldGo) {
    std::ofstream(root_ / "plain_file") << "x";
    EXPECT_EQ(init({root_.string(), "--name", "plain_file"}).status, 1);
    EXPECT_EQ(readFile(root_ / "plain_file"), "x");

    const auto underFile = init({(root_ / "plain_file").string(), "--name", "proj"});
    EXPECT_EQ(underFile.status, 1);
    EXPECT_NE(underFile.err.find("is not a folder"), std::string::npos) << underFile.err;
}

TEST_F(InitCommand, FillsAnEmptyFolder) {
    fs::create_directories(root_ / "ready");
    ASSERT_EQ(init({root_.string(), "--name", "ready"}).status, 0);
    EXPECT_TRUE(fs::is_regular_file(root_ / "ready" / "service.cpp"));
}

TEST_F(InitCommand, RefusesUnknownOptionsAndExtraArguments) {
    const auto unknown = init({"--force", "--name", "x"});
    EXPECT_EQ(unknown.status, 2);
    EXPECT_NE(unknown.err.find("unknown option --force"), std::string::npos) << unknown.err;
    EXPECT_NE(unknown.err.find("usage: mvi init"), std::string::npos);

    const auto extra = init({root_.string(), root_.string(), "--name", "x"});
    EXPECT_EQ(extra.status, 2);
    EXPECT_NE(extra.err.find("unexpected argument"), std::string::npos) << extra.err;

    const auto missing = init({"--name"});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("--name needs a value"), std::string::npos) << missing.err;
    EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(InitCommand, PrintsItsUsage) {
    const auto run = init({"--help"});
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.out.rfind("usage: mvi init [PATH] [--name NAME]", 0), 0u) << run.out;
}

}  // namespace
