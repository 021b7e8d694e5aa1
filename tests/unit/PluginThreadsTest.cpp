// The registry of threads plugins start: attribution by return address (mapped libraries, and
// libraries still being opened through the dynamic loader) and the count unloading waits on.
// (pthread_create itself is the executable's; the integration tests run it for real.)

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include "plugin/PluginThreads.h"

namespace mvi::host {
namespace {

void* at(std::uintptr_t address) {
    return reinterpret_cast<void*>(address);
}

TEST(PluginThreadsRegistry, TheFirstFrameInsideAMappedLibraryNamesIt) {
    auto& registry = PluginThreads::instance();
    auto first = registry.track("/cache/first.so", 1);
    auto second = registry.track("/cache/second.so", 2);
    registry.setMapping(first, 0x10000, 0x20000);
    registry.setMapping(second, 0x30000, 0x40000);

    void* outside[] = {at(0x1000), at(0x25000)};
    EXPECT_EQ(registry.owner(outside, 2), nullptr);
    // A return address is one past its call: one just past the end still belongs to it.
    void* std_thread[] = {at(0x5000), at(0x30001), at(0x10001)};
    EXPECT_EQ(registry.owner(std_thread, 3), second) << "innermost first";
    void* boundary[] = {at(0x20000)};
    EXPECT_EQ(registry.owner(boundary, 1), first);
    void* begin[] = {at(0x10000)};
    EXPECT_EQ(registry.owner(begin, 1), nullptr) << "its call would be before the library";

    registry.untrack(first);
    registry.untrack(second);
    EXPECT_EQ(registry.owner(std_thread, 3), nullptr);
}

TEST(PluginThreadsRegistry, ALibraryBeingOpenedIsFoundThroughTheDynamicLoader) {
    // This test's own executable stands for a library whose mapping is not known yet.
    Dl_info self{};
    ASSERT_NE(dladdr(reinterpret_cast<void*>(&at), &self), 0);
    auto& registry = PluginThreads::instance();
    auto opening = registry.track(self.dli_fname, 3);
    void* frames[] = {reinterpret_cast<char*>(&at) + 1};
    EXPECT_EQ(registry.owner(frames, 1), opening);
    registry.untrack(opening);
    EXPECT_EQ(registry.owner(frames, 1), nullptr);
}

TEST(PluginThreadsRegistry, WaitingEndsWhenTheLastThreadEndsOrAtTheDeadline) {
    PluginThreads::Library library("/cache/worker.so", 4);
    library.threadStarting();
    library.threadStarting();
    EXPECT_EQ(library.running(), 2u);
    EXPECT_EQ(library.started(), 2u);
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(library.waitUntilNone(std::chrono::milliseconds(50)), 2u);
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(50));

    library.threadEnded();
    std::thread last([&library] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        library.threadEnded();
    });
    EXPECT_EQ(library.waitUntilNone(std::chrono::seconds(10)), 0u);
    last.join();
    EXPECT_EQ(library.running(), 0u);
    EXPECT_EQ(library.started(), 2u);
}

}  // namespace
}  // namespace mvi::host
