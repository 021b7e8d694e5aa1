#include "core/ServiceId.h"

#include <gtest/gtest.h>

namespace mvi::host {
namespace {

TEST(ServiceId, NamesFollowTheContract) {
    EXPECT_TRUE(isValidServiceName("hello"));
    EXPECT_TRUE(isValidServiceName("my_service2"));
    EXPECT_FALSE(isValidServiceName(""));
    EXPECT_FALSE(isValidServiceName("_hello"));
    EXPECT_FALSE(isValidServiceName("hello_"));
    EXPECT_FALSE(isValidServiceName("Hello"));
    EXPECT_FALSE(isValidServiceName("hel-lo"));
    EXPECT_FALSE(isValidServiceName("hel.lo"));
}

TEST(ServiceId, VersionsAreSemantic) {
    EXPECT_TRUE(isValidVersion("1.0.0"));
    EXPECT_TRUE(isValidVersion("10.20.30"));
    EXPECT_TRUE(isValidVersion("1.0.0-rc.1"));
    EXPECT_TRUE(isValidVersion("1.0.0-alpha+build.5"));
    EXPECT_FALSE(isValidVersion("1.0"));
    EXPECT_FALSE(isValidVersion("01.0.0"));
    EXPECT_FALSE(isValidVersion("1.0.0-"));
    EXPECT_FALSE(isValidVersion("1.0.0-01"));
    EXPECT_FALSE(isValidVersion("v1.0.0"));
    EXPECT_FALSE(isValidVersion("1.0.0_1"));
}

TEST(ServiceId, VersionsOrderByPrecedence) {
    EXPECT_LT(compareVersions("1.0.0", "2.0.0"), 0);
    EXPECT_LT(compareVersions("1.9.0", "1.10.0"), 0);
    EXPECT_GT(compareVersions("1.0.0", "1.0.0-rc.1"), 0);
    EXPECT_LT(compareVersions("1.0.0-alpha", "1.0.0-alpha.1"), 0);
    EXPECT_LT(compareVersions("1.0.0-alpha.2", "1.0.0-alpha.10"), 0);
    EXPECT_LT(compareVersions("1.0.0-2", "1.0.0-alpha"), 0);
    EXPECT_EQ(compareVersions("1.0.0+a", "1.0.0+b"), 0);
}

TEST(ServiceId, SplitsAtTheLastUnderscore) {
    auto id = parseServiceId("my_service_1.2.3");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->name, "my_service");
    EXPECT_EQ(id->version, "1.2.3");
    EXPECT_EQ(id->str(), "my_service_1.2.3");
    EXPECT_FALSE(parseServiceId("my_service"));
    EXPECT_FALSE(parseServiceId("_1.0.0"));
}

TEST(ServiceId, PluginFileNames) {
    auto id = parsePluginFileName("hello_2.0.0.so");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->name, "hello");
    EXPECT_EQ(id->version, "2.0.0");
    EXPECT_FALSE(parsePluginFileName("hello.so"));
    EXPECT_FALSE(parsePluginFileName("hello_2.0.0.so.swp"));
    EXPECT_FALSE(parsePluginFileName("hello_2.0.0"));
    EXPECT_FALSE(parsePluginFileName(".so"));
}

}  // namespace
}  // namespace mvi::host
