// The registration functions of the host's table (plugin/HostApi.cpp) called as a plugin calls
// them, on a real ServiceVersion: which ABI minor's fields are read, and the declaration limits
// of mvi/limits.hpp with the reasons they give.

#include <Poco/Logger.h>
#include <gtest/gtest.h>
#include <mvi/limits.hpp>

#include <cstdlib>
#include <memory>
#include <string>

#include "HostProcess.h"
#include "plugin/HostApi.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {
namespace {

using nlohmann::json;

mvi_str str(const std::string& text) {
    return mvi_str{text.data(), text.size()};
}

/// Answers nothing; declarations here are never called.
mvi_status noHandler(mvi_plugin_userdata*, mvi_call*, mvi_str) {
    return MVI_OK;
}

class HostApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        version_ = std::make_shared<ServiceVersion>(ServiceId{"declared", "1.0.0"}, Artifact{},
                                                    HostServices{logs_, notifications_});
        registrar_.version = version_.get();
        registrar_.abiMinor = MVI_ABI_VERSION_MINOR;
    }

    /// Declares entrypoint `name` with the given texts; returns the host's status.
    mvi_status addEntrypoint(const std::string& name, const std::string& arguments = "[]",
                             const std::string& resultSchema = "{}",
                             const std::string& description = "", bool strict = false) {
        mvi_entrypoint_decl decl{};
        decl.size = sizeof decl;
        decl.name = str(name);
        decl.method = MVI_METHOD_POST;
        decl.arguments = str(arguments);
        decl.result_schema = str(resultSchema);
        decl.description = str(description);
        decl.handler = noHandler;
        decl.strict_arguments = strict;
        return hostApi().add_entrypoint(&registrar_, &decl);
    }

    /// Declares parameter `name`; returns the host's status.
    mvi_status addParameter(const std::string& name, const std::string& value = "1",
                            const std::string& schema = "{}") {
        mvi_parameter_decl decl{};
        decl.size = sizeof decl;
        decl.name = str(name);
        decl.initial_value = str(value);
        decl.schema = str(schema);
        decl.exposed = true;
        return hostApi().add_parameter(&registrar_, &decl);
    }

    /// The only problem the host recorded (fails the test when there is not exactly one).
    std::string problem() const {
        EXPECT_EQ(registrar_.problems.size(), 1u);
        return registrar_.problems.empty() ? "" : registrar_.problems.front();
    }

    LogStore logs_{mvi::test::makeTemporaryDirectory(), LogStore::Settings{},
                   Poco::Logger::get("test")};
    NotificationStore notifications_;
    std::shared_ptr<ServiceVersion> version_;
    mvi_registrar registrar_;
};

TEST_F(HostApiTest, StrictArgumentsAreReadFromAbi13On) {
    ASSERT_EQ(addEntrypoint("strict", "[]", "{}", "", true), MVI_OK);
    ASSERT_EQ(addEntrypoint("lenient", "[]", "{}", "", false), MVI_OK);
    EXPECT_TRUE(version_->entrypoint("strict")->strictArguments);
    EXPECT_FALSE(version_->entrypoint("lenient")->strictArguments);

    // A plugin that reports 1.2 cannot have set the field: it is not read.
    registrar_.abiMinor = 2;
    ASSERT_EQ(addEntrypoint("old", "[]", "{}", "", true), MVI_OK);
    EXPECT_FALSE(version_->entrypoint("old")->strictArguments);
    EXPECT_TRUE(registrar_.problems.empty());
}

TEST_F(HostApiTest, ALenientEntrypointHandsOnlyDeclaredArgumentsToItsHandler) {
    static std::string received;
    auto echo = [](mvi_plugin_userdata*, mvi_call* call, mvi_str arguments) {
        received.assign(arguments.data, arguments.size);
        return hostApi().call_result(call, arguments);
    };
    const std::string name = "echo";
    const std::string arguments = R"([{"name":"name","schema":{"type":"string"}}])";
    mvi_entrypoint_decl decl{};
    decl.size = sizeof decl;
    decl.name = str(name);
    decl.arguments = str(arguments);
    decl.handler = echo;
    ASSERT_EQ(hostApi().add_entrypoint(&registrar_, &decl), MVI_OK);
    json sent = {{"name", "Bob"}, {"extra", {1, 2}}};
    CallResult result = version_->call(*version_->entrypoint("echo"), sent);
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(json::parse(received), json({{"name", "Bob"}}));
    EXPECT_EQ(sent, json({{"name", "Bob"}, {"extra", {1, 2}}})) << "the caller's object is kept";
}

TEST_F(HostApiTest, AnEntrypointNameIsAtMost128Bytes) {
    EXPECT_EQ(addEntrypoint(std::string(mvi::limits::kMaxNameBytes, 'a')), MVI_OK);
    EXPECT_EQ(addEntrypoint(std::string(1024 * 1024, 'b')), MVI_INVALID_ARGUMENT);
    std::string reason = problem();
    EXPECT_NE(reason.find("is 1048576 bytes long, more than the 128 allowed"), std::string::npos)
        << reason.substr(0, 500);
    EXPECT_LT(reason.size(), 500u);
    EXPECT_NE(reason.find("bbb\xE2\x80\xA6'"), std::string::npos) << reason;
}

TEST_F(HostApiTest, AServiceDeclaresAtMost1024Entrypoints) {
    for (std::size_t i = 0; i < mvi::limits::kMaxEntrypoints; ++i) {
        ASSERT_EQ(addEntrypoint("e" + std::to_string(i)), MVI_OK) << i;
    }
    EXPECT_EQ(addEntrypoint("one_more"), MVI_INVALID_ARGUMENT);
    EXPECT_EQ(problem(), "entrypoint 'one_more': a service declares at most 1024 entrypoints");
    EXPECT_EQ(version_->entrypoints().size(), mvi::limits::kMaxEntrypoints);
}

TEST_F(HostApiTest, DescriptionsAndSchemasAreBounded) {
    EXPECT_EQ(
        addEntrypoint("longest", "[]", "{}", std::string(mvi::limits::kMaxDescriptionBytes, 'd')),
        MVI_OK);
    EXPECT_EQ(addEntrypoint("described", "[]", "{}",
                            std::string(mvi::limits::kMaxDescriptionBytes + 1, 'd')),
              MVI_INVALID_ARGUMENT);
    EXPECT_EQ(problem(),
              "entrypoint 'described': description: 16385 bytes, more than the 16384 "
              "allowed");

    registrar_.problems.clear();
    std::string padded =
        R"({"description":")" + std::string(mvi::limits::kMaxSchemaBytes, ' ') + R"("})";
    EXPECT_EQ(addEntrypoint("result", "[]", padded), MVI_INVALID_ARGUMENT);
    EXPECT_EQ(problem(), "entrypoint 'result': result schema: " + std::to_string(padded.size()) +
                             " bytes, more than the 262144 allowed");

    registrar_.problems.clear();
    std::string deep = R"([{"name":"x","schema":)";
    for (int i = 0; i < 70; ++i) {
        deep += R"({"items":)";
    }
    deep += "{}" + std::string(70, '}') + "}]";
    EXPECT_EQ(addEntrypoint("deep", deep), MVI_INVALID_ARGUMENT);
    EXPECT_EQ(problem(),
              "entrypoint 'deep': arguments: nested 73 levels deep, more than the 64 "
              "allowed");
}

TEST_F(HostApiTest, ParametersAreBounded) {
    EXPECT_EQ(addParameter(std::string(200, 'p')), MVI_INVALID_ARGUMENT);
    EXPECT_NE(problem().find("parameter name 'ppp"), std::string::npos) << problem();

    registrar_.problems.clear();
    std::string big = "\"" + std::string(mvi::limits::kMaxInitialValueBytes, 'v') + "\"";
    EXPECT_EQ(addParameter("big", big), MVI_INVALID_ARGUMENT);
    EXPECT_EQ(problem(),
              "parameter 'big': initial value: 1048578 bytes, more than the 1048576 "
              "allowed");

    registrar_.problems.clear();
    for (std::size_t i = 0; i < mvi::limits::kMaxParameters; ++i) {
        ASSERT_EQ(addParameter("p" + std::to_string(i)), MVI_OK) << i;
    }
    EXPECT_EQ(addParameter("one_more"), MVI_INVALID_ARGUMENT);
    EXPECT_EQ(problem(), "parameter 'one_more': a service declares at most 1024 parameters");
}

TEST_F(HostApiTest, RefusalsAndThePluginsMessageAreKeptBounded) {
    for (int i = 0; i < 100; ++i) {
        addEntrypoint("Bad" + std::to_string(i));
    }
    EXPECT_EQ(registrar_.problems.size(), 16u) << "the reason shows the first ones only";
    std::string message(1024 * 1024, 'm');
    hostApi().registration_error(&registrar_, str(message));
    EXPECT_EQ(registrar_.pluginError.size(), mvi::limits::kMaxReasonBytes);
}

/// Copies a value the host hands back into the std::string `buffer` points to.
void receiveString(mvi_plugin_buffer* buffer, mvi_str value) {
    reinterpret_cast<std::string*>(buffer)->assign(value.data, value.size);
}

TEST(HostApiEnvironment, GetEnvAnswersTheVersionsOwnVariablesOnly) {
    LogStore logs{mvi::test::makeTemporaryDirectory(), LogStore::Settings{},
                  Poco::Logger::get("test")};
    NotificationStore notifications;
    ServiceVersion version(ServiceId{"configured", "1.0.0"}, Artifact{},
                           HostServices{logs, notifications},
                           Environment{{"GREETING", "Hej"}, {"EMPTY", ""}});
    ServiceVersion other(ServiceId{"configured", "2.0.0"}, Artifact{},
                         HostServices{logs, notifications});
    const mvi_host_api& api = hostApi();
    ASSERT_TRUE(MVI_HOST_API_HAS(&api, get_env));

    std::string value = "untouched";
    auto buffer = reinterpret_cast<mvi_plugin_buffer*>(&value);
    EXPECT_EQ(api.get_env(version.handle(), str("GREETING"), receiveString, buffer), MVI_OK);
    EXPECT_EQ(value, "Hej");
    EXPECT_EQ(api.get_env(version.handle(), str("EMPTY"), receiveString, buffer), MVI_OK);
    EXPECT_EQ(value, "");
    value = "untouched";
    EXPECT_EQ(api.get_env(version.handle(), str("greeting"), receiveString, buffer), MVI_NOT_FOUND);
    EXPECT_EQ(api.get_env(other.handle(), str("GREETING"), receiveString, buffer), MVI_NOT_FOUND);
    EXPECT_EQ(value, "untouched");
    EXPECT_EQ(api.get_env(version.handle(), str("GREETING"), nullptr, buffer),
              MVI_INVALID_ARGUMENT);
    EXPECT_EQ(api.get_env(nullptr, str("GREETING"), receiveString, buffer), MVI_INVALID_ARGUMENT);
    // Nothing reaches the host process's own environment.
    EXPECT_EQ(std::getenv("GREETING"), nullptr);
}

}  // namespace
}  // namespace mvi::host
