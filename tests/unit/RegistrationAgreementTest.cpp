// The host and the SDK's fake host (mvi/testing.hpp) run the same registration checks
// (mvi/registration.hpp): each fixture plugin is registered by both, the real loader on one side
// and FakeHost on the other, and both must accept the same declarations and refuse the same ones
// with the same status and the same reason.

#include <mvi/testing.hpp>

#include <Poco/Logger.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "HostProcess.h"
#include "plugin/PluginLoader.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// A fixture plugin opened a second time, straight from the build, for FakeHost.
class OpenedFixture {
  public:
    explicit OpenedFixture(const std::string& target)
        : handle_(dlopen(mvi::test::builtPlugin(target).c_str(), RTLD_NOW | RTLD_LOCAL)) {}
    ~OpenedFixture() {
        if (handle_ != nullptr) {
            dlclose(handle_);
        }
    }
    OpenedFixture(const OpenedFixture&) = delete;
    OpenedFixture& operator=(const OpenedFixture&) = delete;

    bool opened() const { return handle_ != nullptr; }

    mvi_plugin_register_fn registerFn() const {
        return reinterpret_cast<mvi_plugin_register_fn>(dlsym(handle_, MVI_PLUGIN_REGISTER_SYMBOL));
    }

    std::uint32_t abiVersion() const {
        return reinterpret_cast<mvi_plugin_abi_version_fn>(
            dlsym(handle_, MVI_PLUGIN_ABI_VERSION_SYMBOL))();
    }

  private:
    void* handle_;
};

class RegistrationAgreementTest : public ::testing::Test {
  protected:
    std::shared_ptr<ServiceVersion> load(const std::string& target, const ServiceId& id) {
        return loader_.load(id, mvi::test::builtPlugin(target));
    }

    /// Registers `target` with the host and with FakeHost and checks that both agree on
    /// whether it is accepted, on the reason when it is not and on what it declared when it is.
    /// Returns the reason (empty for an accepted plugin).
    std::string expectAgreement(const std::string& target, const std::string& name) {
        auto version = load(target, {name, "1.0.0"});
        OpenedFixture fixture(target);
        EXPECT_TRUE(fixture.opened()) << dlerror();
        if (!fixture.opened()) {
            return {};
        }
        mvi::testing::FakeHost fake(fixture.registerFn(), fixture.abiVersion());
        const bool ready = version->state() == VersionState::Ready;
        EXPECT_EQ(fake.registered(), ready) << target << ": " << version->error();
        const std::string reason = ready ? std::string() : version->error();
        EXPECT_EQ(fake.failure_reason(), reason) << target;
        if (ready) {
            EXPECT_EQ(fake.entrypoints().size(), version->entrypoints().size()) << target;
            for (const auto& record : fake.entrypoints()) {
                const Entrypoint* entrypoint = version->entrypoint(record.name);
                EXPECT_NE(entrypoint, nullptr) << target << ": " << record.name;
                if (entrypoint == nullptr) {
                    continue;
                }
                EXPECT_EQ(record.arguments, entrypoint->arguments) << record.name;
                EXPECT_EQ(record.result_schema, entrypoint->resultSchema) << record.name;
                EXPECT_EQ(static_cast<int>(record.method), entrypoint->method) << record.name;
                EXPECT_EQ(record.monitor, entrypoint->monitor) << record.name;
                EXPECT_EQ(record.timeout_seconds, entrypoint->timeoutSeconds) << record.name;
                EXPECT_EQ(record.strict_arguments, entrypoint->strictArguments) << record.name;
            }
            for (const auto& [parameterName, record] : fake.parameters()) {
                auto value = version->parameters().get(parameterName);
                EXPECT_EQ(value, std::optional<json>(record.value)) << parameterName;
            }
        }
        return reason;
    }

    LogStore logs_{mvi::test::makeTemporaryDirectory(), LogStore::Settings{},
                   Poco::Logger::get("test")};
    NotificationStore notifications_;
    Unloader unloader_{Poco::Logger::get("test")};
    PluginLoader loader_{(fs::path(mvi::test::makeTemporaryDirectory()) / "cache").string(),
                         HostServices{logs_, notifications_},
                         {},
                         unloader_,
                         Poco::Logger::get("test")};
};

TEST_F(RegistrationAgreementTest, BothAcceptDeclarationsOfTheAbi10Size) {
    EXPECT_EQ(expectAgreement("fixture_abi10_garbage", "legacy"), "");
    // Nothing past the 1.0 size is read: the garbage there does not turn monitoring on.
    auto version = load("fixture_abi10_garbage", {"legacy", "2.0.0"});
    ASSERT_EQ(version->state(), VersionState::Ready) << version->error();
    EXPECT_FALSE(version->entrypoint("ping")->monitor);
    EXPECT_EQ(expectAgreement("fixture_abi11_garbage", "legacy11"), "");
}

TEST_F(RegistrationAgreementTest, BothAcceptTheSameValidPlugins) {
    for (const char* target : {"fixture_counter_v1", "fixture_arguments_strict",
                               "fixture_arguments_lenient", "fixture_docs_get"}) {
        EXPECT_EQ(expectAgreement(target, "valid"), "") << target;
    }
}

TEST_F(RegistrationAgreementTest, BothRefuseEachBadDeclarationForTheSameReason) {
    const std::string reason = expectAgreement("fixture_bad_declarations", "bad");
    // One reason per refused declaration, in order.
    for (const char* part :
         {"invalid declaration: entrypoint declaration is NULL or smaller than the ABI's",
          "; entrypoint name 'Capital' is invalid", "; entrypoint 'no_handler' has no handler",
          "; entrypoint 'bad_method' has unknown method 7",
          "; entrypoint 'bad_timeout': timeout_seconds must be",
          "; entrypoint 'bad_argument': argument 0: invalid name \"Big\"",
          "; entrypoint 'bad_result': result schema: #/type: unknown type \"strnig\"",
          "; entrypoint 'deep': arguments: nested 65 levels deep, more than the 64 allowed",
          "; entrypoint 'ping' is declared twice",
          "; parameter declaration is NULL or smaller than the ABI's",
          "; parameter 'mismatch': initial value does not match its schema",
          "; parameter 'not_json': initial value: not valid JSON",
          "; parameter 'level' is declared twice"}) {
        EXPECT_NE(reason.find(part), std::string::npos) << part << "\nin: " << reason;
    }

    // The statuses the plugin got, as it logged them.
    const std::string expected = "statuses: 0 0 2 2 2 2 2 2 2 2 5 2 4 2 5";
    bool found = false;
    for (const std::string& line : logs_.tail(ServiceId{"bad", "1.0.0"}, 10)) {
        found = found || line.find(expected) != std::string::npos;
    }
    EXPECT_TRUE(found) << "the host's statuses differ from " << expected;
    OpenedFixture fixture("fixture_bad_declarations");
    ASSERT_TRUE(fixture.opened()) << dlerror();
    mvi::testing::FakeHost fake(fixture.registerFn(), fixture.abiVersion());
    ASSERT_EQ(fake.logs().size(), 1u);
    EXPECT_EQ(fake.logs().front().message, expected);
}

TEST_F(RegistrationAgreementTest, BothRefuseTheFailureFixturesForTheSameReason) {
    EXPECT_NE(expectAgreement("fixture_bad_schema", "bad_schema").find("strnig"),
              std::string::npos);
    EXPECT_NE(expectAgreement("fixture_duplicate_entrypoint", "duplicate").find("declared twice"),
              std::string::npos);
    EXPECT_NE(expectAgreement("fixture_oversized_name", "oversized").find("more than the 128"),
              std::string::npos);
    EXPECT_NE(expectAgreement("fixture_oversized_count", "oversized").find("at most 1024"),
              std::string::npos);
    EXPECT_NE(expectAgreement("fixture_register_fails", "fails").find("registration failed"),
              std::string::npos);
}

}  // namespace
}  // namespace mvi::host
