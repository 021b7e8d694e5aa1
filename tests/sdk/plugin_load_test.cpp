// Loads each built example plugin the way mvi-host does (dlopen with RTLD_NOW | RTLD_LOCAL),
// checks its ABI version, registers it with the fake host, calls an entrypoint, then closes it
// and checks that it was really unmapped (an STB_GNU_UNIQUE symbol or a thread_local with a
// destructor would keep it loaded).
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <string>

namespace {

using mvi::testing::FakeHost;
using nlohmann::json;

/// One dlopen'ed library, closed when it goes out of scope.
class Library {
  public:
    explicit Library(const char* path) : handle_(dlopen(path, RTLD_NOW | RTLD_LOCAL)) {}
    ~Library() { close(); }
    Library(const Library&) = delete;
    Library& operator=(const Library&) = delete;

    void* handle() const { return handle_; }

    template <class T>
    T symbol(const char* name) const {
        return reinterpret_cast<T>(dlsym(handle_, name));
    }

    void close() {
        if (handle_ != nullptr) {
            dlclose(handle_);
            handle_ = nullptr;
        }
    }

  private:
    void* handle_;
};

bool still_loaded(const char* path) {
    void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (handle != nullptr) {
        dlclose(handle);
        return true;
    }
    return false;
}

// Loads `path`, registers it, runs `check` against the host, closes it and checks the unload.
template <class Check>
void load_and_check(const char* path, Check check) {
    {
        Library library(path);
        ASSERT_NE(library.handle(), nullptr) << dlerror();
        const auto abi_version =
            library.symbol<mvi_plugin_abi_version_fn>(MVI_PLUGIN_ABI_VERSION_SYMBOL);
        const auto register_plugin =
            library.symbol<mvi_plugin_register_fn>(MVI_PLUGIN_REGISTER_SYMBOL);
        ASSERT_NE(abi_version, nullptr);
        ASSERT_NE(register_plugin, nullptr);
        EXPECT_EQ(abi_version(),
                  MVI_ABI_VERSION_PACK(MVI_ABI_VERSION_MAJOR, MVI_ABI_VERSION_MINOR));
        {
            FakeHost host(register_plugin);
            ASSERT_TRUE(host.registered()) << host.registration_error();
            check(host);
        }
    }
    EXPECT_FALSE(still_loaded(path)) << path << " stayed in memory after dlclose";
}

TEST(ExamplePlugins, HelloLoadsAnswersAndUnloads) {
    load_and_check(MVI_HELLO_PLUGIN, [](FakeHost& host) {
        EXPECT_EQ(host.call("hello", {{"name", "Bob"}}).body, "Hello Bob");
        EXPECT_EQ(host.set_parameter("greeting_phrase", "Howdy"), MVI_OK);
        EXPECT_EQ(host.call("hello", {{"name", "Bob"}}).body, "Howdy Bob");
        EXPECT_EQ(host.call("hello", {{"name", "World"}}).body, "Greeting failed");
        EXPECT_EQ(host.notifications().size(), 1u);
    });
}

TEST(ExamplePlugins, CalculatorLoadsAnswersAndUnloads) {
    load_and_check(MVI_CALCULATOR_PLUGIN, [](FakeHost& host) {
        EXPECT_EQ(host.call("add", {{"a", 1}, {"b", 2}}).body, 3);
        const auto answer = host.call("divide", {{"dividend", 1}, {"divisor", 0}});
        EXPECT_EQ(answer.status, 400);
        EXPECT_EQ(answer.body, "Division by zero");
        EXPECT_EQ(host.call("fail_on_purpose").status, 404);
    });
}

TEST(ExamplePlugins, CEchoLoadsAnswersAndUnloads) {
    load_and_check(MVI_C_ECHO_PLUGIN, [](FakeHost& host) {
        EXPECT_EQ(host.call("echo", {{"text", "ping"}}).body, "ping");
        EXPECT_EQ(host.call("length", {{"text", "ping"}}).body, 4);
    });
}

TEST(ExamplePlugins, StartFromScratchOnEveryLoad) {
    // Two registrations in a row on fresh loads: nothing survives from the previous load.
    for (int round = 0; round < 2; ++round) {
        load_and_check(MVI_HELLO_PLUGIN, [](FakeHost& host) {
            EXPECT_EQ(host.parameter("greeting_phrase"), "Hello");
            EXPECT_EQ(host.set_parameter("greeting_phrase", "Hi"), MVI_OK);
        });
    }
}

}  // namespace
