// `mvi deploy` against a real mvi-host: a built plugin, a CMake project folder built on the spot,
// and every way a deployment can fail (bad name or version, a version already there, a host out
// of reach, a build that fails, a file that is not a plugin).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "HostProcess.h"
#include "MviRunner.h"
#include "TestPaths.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void writeFile(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
}

std::string readFile(const fs::path& path) {
    std::ifstream input(path);
    return {std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
}

// A service project in `folder`: the tutorial's hello service, built with this source tree's
// SDK headers and plugin helper.
void writeHelloProject(const fs::path& folder) {
    const std::string source = MVI_SOURCE_DIR;
    writeFile(folder / "service.cpp", readFile(fs::path(source) / "plugins/hello/hello.cpp"));
    writeFile(folder / "CMakeLists.txt",
              "cmake_minimum_required(VERSION 3.22)\n"
              "project(greeter CXX)\n"
              "find_package(fmt REQUIRED)\n"
              "find_package(nlohmann_json 3.10 REQUIRED)\n"
              "add_library(mvi_plugin_api INTERFACE)\n"
              "target_include_directories(mvi_plugin_api INTERFACE " +
                  source +
                  "/plugin_api/include)\n"
                  "add_library(mvi::plugin_api ALIAS mvi_plugin_api)\n"
                  "add_library(mvi_sdk INTERFACE)\n"
                  "target_link_libraries(mvi_sdk INTERFACE mvi_plugin_api "
                  "nlohmann_json::nlohmann_json fmt::fmt)\n"
                  "target_compile_features(mvi_sdk INTERFACE cxx_std_17)\n"
                  "add_library(mvi::sdk ALIAS mvi_sdk)\n"
                  "include(" +
                  source +
                  "/plugin_api/cmake/MviPlugin.cmake)\n"
                  "mvi_add_plugin(greeter SOURCES service.cpp)\n");
}

TEST(CliDeploy, DeploysABuiltPlugin) {
    auto host = startHostWith({});
    MviRunner mvi(urlOf(*host));
    MviResult result = mvi.run({"deploy", "counter", "1.0.0", builtPlugin("fixture_counter_v1")});
    ASSERT_EQ(result.exitCode, 0) << result.out << result.err;
    auto lines = linesOf(result.out);
    ASSERT_EQ(lines.size(), 5u) << result.out;
    EXPECT_EQ(lines[0], "Deploying service...");
    EXPECT_EQ(lines[1], "Service deployed successfully");
    EXPECT_TRUE(
        std::regex_match(lines[2], std::regex(R"(MAIN\s+NAME\s+VERSION\s+STATUS\s+RUNNING)")));
    EXPECT_TRUE(std::regex_match(lines[4],
                                 std::regex(R"(\*\s+counter\s+1\.0\.0\s+running\s+Running \(since )"
                                            R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\))")))
        << lines[4];
    Response call = host->post("/services/counter/version", json::object());
    ASSERT_EQ(call.status, 200) << call.body;
    EXPECT_EQ(call.json(), "v1");

    // A second version is a shadow; the table shows both.
    MviResult second = mvi.run({"deploy", "counter", "2.0.0", builtPlugin("fixture_counter_v2")});
    ASSERT_EQ(second.exitCode, 0) << second.out << second.err;
    EXPECT_TRUE(std::regex_search(second.out, std::regex(R"(\n\*\s+counter\s+1\.0\.0\s+running)")))
        << second.out;
    EXPECT_TRUE(std::regex_search(second.out, std::regex(R"(\n\s+counter\s+2\.0\.0\s+running)")))
        << second.out;
}

TEST(CliDeploy, BuildsAndDeploysAProjectFolder) {
    auto host = startHostWith({});
    MviRunner mvi(urlOf(*host));
    fs::path project = fs::path(mvi.scratch()) / "my_first_mvi_project";
    writeHelloProject(project);
    MviResult result =
        mvi.run({"deploy", "hello", "1.0.0", "./my_first_mvi_project/"}, "", mvi.scratch());
    ASSERT_EQ(result.exitCode, 0) << result.out << result.err;
    EXPECT_TRUE(contains(result.out, "Building " + project.string() + "...")) << result.out;
    EXPECT_TRUE(contains(result.out, "Built " + (project / "build" / "greeter.so").string()))
        << result.out;
    EXPECT_TRUE(contains(result.out, "Deploying service...\nService deployed successfully\n"))
        << result.out;
    EXPECT_TRUE(std::regex_search(
        result.out, std::regex(R"(\n\*       hello   1\.0\.0      running   Running)")))
        << result.out;
    Response call = host->post("/services/hello/hello", {{"name", "Bob"}});
    ASSERT_EQ(call.status, 200) << call.body;
    EXPECT_EQ(call.json(), "Hello Bob");
}

TEST(CliDeploy, RefusesAnInvalidNameOrVersion) {
    auto host = startHostWith({});
    MviRunner mvi(urlOf(*host));
    std::string plugin = builtPlugin("fixture_counter_v1");
    MviResult name = mvi.run({"deploy", "Counter-1", "1.0.0", plugin});
    EXPECT_EQ(name.exitCode, 1);
    EXPECT_TRUE(
        std::regex_match(name.err, std::regex("Error: Invalid service name 'Counter-1'[^\n]*\n")))
        << name.err;
    MviResult version = mvi.run({"deploy", "counter", "1.0", plugin});
    EXPECT_EQ(version.exitCode, 1);
    EXPECT_TRUE(std::regex_match(version.err, std::regex("Error: Invalid version '1\\.0'[^\n]*\n")))
        << version.err;
    MviResult missing = mvi.run({"deploy", "counter", "1.0.0", "/nonexistent/x.so"});
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_TRUE(contains(missing.err, "No such file or folder: /nonexistent/x.so")) << missing.err;
    EXPECT_TRUE(host->get("/services/").json().empty());
}

TEST(CliDeploy, RefusesAVersionAlreadyDeployed) {
    auto host = startHostWith({{"fixture_counter_v1", "counter_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult result = mvi.run({"deploy", "counter", "1.0.0", builtPlugin("fixture_counter_v2")});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_TRUE(contains(result.err, "Service counter 1.0.0 is already deployed")) << result.err;
    EXPECT_EQ(host->post("/services/counter/version", json::object()).json(), "v1");
}

TEST(CliDeploy, ReportsAnUnreachableHost) {
    MviRunner mvi("http://127.0.0.1:1");
    MviResult result = mvi.run({"deploy", "counter", "1.0.0", builtPlugin("fixture_counter_v1")});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_EQ(result.err,
              "Error: Cannot reach mvi-host at http://127.0.0.1:1: Connection refused\n");
}

TEST(CliDeploy, ReportsAFailedBuild) {
    auto host = startHostWith({});
    MviRunner mvi(urlOf(*host));
    fs::path project = fs::path(mvi.scratch()) / "broken";
    writeFile(project / "CMakeLists.txt",
              "cmake_minimum_required(VERSION 3.22)\nproject(broken C)\n"
              "add_library(broken MODULE broken.c)\n");
    writeFile(project / "broken.c", "#error this service is broken on purpose\n");
    MviResult result = mvi.run({"deploy", "broken", "1.0.0", project.string()});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_TRUE(contains(result.out, "this service is broken on purpose")) << result.out;
    EXPECT_TRUE(std::regex_match(result.err, std::regex("Error: Build failed: [^\n]*\n")))
        << result.err;
    EXPECT_FALSE(contains(result.out, "Deploying service..."));
    EXPECT_TRUE(host->get("/services/").json().empty());
}

TEST(CliDeploy, NeedsExactlyOnePluginFromABuild) {
    auto host = startHostWith({});
    MviRunner mvi(urlOf(*host));
    fs::path project = fs::path(mvi.scratch()) / "two";
    writeFile(project / "CMakeLists.txt",
              "cmake_minimum_required(VERSION 3.22)\nproject(two C)\n"
              "add_library(first MODULE first.c)\nadd_library(second MODULE second.c)\n");
    writeFile(project / "first.c", "int first(void) { return 1; }\n");
    writeFile(project / "second.c", "int second(void) { return 2; }\n");
    MviResult result = mvi.run({"deploy", "two", "1.0.0", project.string()});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_TRUE(contains(result.err, "produced 2 .so files")) << result.err;

    fs::path notAProject = fs::path(mvi.scratch()) / "empty";
    fs::create_directories(notAProject);
    MviResult empty = mvi.run({"deploy", "two", "1.0.0", notAProject.string()});
    EXPECT_EQ(empty.exitCode, 1);
    EXPECT_TRUE(contains(empty.err, "has no CMakeLists.txt")) << empty.err;
}

TEST(CliDeploy, ReportsAFileTheHostCannotLoad) {
    auto host = startHostWith({});
    MviRunner mvi(urlOf(*host));
    fs::path fake = fs::path(mvi.scratch()) / "fake.so";
    writeFile(fake, "this is not a shared library\n");
    MviResult result = mvi.run({"deploy", "fake", "1.0.0", fake.string()});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_TRUE(std::regex_match(result.err, std::regex("Error: Deploy failed: [^\n]+\n")))
        << result.err;
    EXPECT_TRUE(contains(result.out, "Deploying service...")) << result.out;
    EXPECT_FALSE(contains(result.out, "Service deployed successfully")) << result.out;
}

TEST(CliDeploy, GivesTheVersionTheEnvironmentOfItsEOptions) {
    auto host = startHostWith({});
    MviRunner mvi(urlOf(*host));
    mvi.setEnvironment("MVI_TEST_TOKEN", "from the shell");
    MviResult result = mvi.run({"deploy", "configured", "1.0.0", builtPlugin("fixture_environment"),
                                "-e", "GREETING=Hej", "--env", "QUERY=a=b&c", "-e",
                                "MVI_TEST_TOKEN", "-e", "MVI_TEST_UNSET_VARIABLE", "-e", "EMPTY="});
    ASSERT_EQ(result.exitCode, 0) << result.out << result.err;
    EXPECT_TRUE(contains(result.out, "Service deployed successfully")) << result.out;
    const json expected = {{"GREETING", "Hej"},
                           {"QUERY", "a=b&c"},
                           {"MVI_TEST_TOKEN", "from the shell"},
                           {"MVI_TEST_UNSET_VARIABLE", ""},
                           {"EMPTY", ""}};
    EXPECT_EQ(serviceEntry(*host, "configured", "1.0.0")["environment"], expected);
    Response greeting = host->post("/services/configured/at_registration", json::object());
    ASSERT_EQ(greeting.status, 200) << greeting.body;
    EXPECT_EQ(greeting.json(), "Hej");
    Response query = host->post("/services/configured/env", {{"name", "QUERY"}});
    EXPECT_EQ(query.json(), "a=b&c");

    // Without -e the version has none, whatever the first one has.
    MviResult plain =
        mvi.run({"deploy", "configured", "2.0.0", builtPlugin("fixture_environment")});
    ASSERT_EQ(plain.exitCode, 0) << plain.out << plain.err;
    EXPECT_EQ(serviceEntry(*host, "configured", "2.0.0")["environment"], json::object());

    // A name the host would refuse is refused before anything is uploaded.
    MviResult bad = mvi.run(
        {"deploy", "configured", "3.0.0", builtPlugin("fixture_environment"), "-e", "=oops"});
    EXPECT_EQ(bad.exitCode, 1);
    EXPECT_TRUE(contains(bad.err, "Invalid -e =oops")) << bad.err;
    EXPECT_TRUE(serviceEntry(*host, "configured", "3.0.0").is_null());

    MviResult help = mvi.run({"deploy", "--help"});
    EXPECT_TRUE(contains(help.out, "-e,--env NAME=VALUE")) << help.out;
    EXPECT_TRUE(contains(help.out, "mvi::env(\"NAME\")")) << help.out;
}

}  // namespace
}  // namespace mvi::test
