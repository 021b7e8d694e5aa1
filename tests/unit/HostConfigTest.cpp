#include "config/HostConfig.h"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "TestPaths.h"

namespace mvi::host {
namespace {

TEST(HostConfig, DefaultsComeFromTheKeyTable) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    HostConfig result = HostConfig::from(*config);
    EXPECT_EQ(result.httpHost, "127.0.0.1");
    EXPECT_EQ(result.httpPort, 8080u);
    EXPECT_EQ(result.pluginsDir, "var/plugins");
    EXPECT_EQ(result.httpMaxBodyBytes, 10u * 1024 * 1024);
    for (const auto& key : HostConfig::defaults()) {
        EXPECT_FALSE(key.description.empty()) << key.name;
    }
}

TEST(HostConfig, ReadsValuesAndRefusesBadOnes) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    config->setString("http.port", "9090");
    config->setString("plugins.dir", "/srv/plugins");
    HostConfig result = HostConfig::from(*config);
    EXPECT_EQ(result.httpPort, 9090u);
    EXPECT_EQ(result.pluginsDir, "/srv/plugins");

    config->setString("http.port", "70000");
    EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException);
    config->setString("http.port", "eighty");
    EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException);
    config->setString("http.port", "80");
    config->setString("http.max_threads", "0");
    EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException);
}

TEST(HostConfig, EnvironmentOverridesUseMviPrefix) {
    setenv("MVI_HTTP_PORT", "7777", 1);
    setenv("MVI_DATA_DIR", "/tmp/mvi-data", 1);
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    HostConfig::applyEnvironment(*config);
    unsetenv("MVI_HTTP_PORT");
    unsetenv("MVI_DATA_DIR");
    HostConfig result = HostConfig::from(*config);
    EXPECT_EQ(result.httpPort, 7777u);
    EXPECT_EQ(result.dataDir, "/tmp/mvi-data");
}

TEST(HostConfig, TheShippedFileListsEveryKeyWithItsDefault) {
    Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file(
        new Poco::Util::PropertyFileConfiguration(std::string(MVI_SOURCE_DIR) +
                                                  "/config/mvi-host.properties"));
    for (const auto& key : HostConfig::defaults()) {
        ASSERT_TRUE(file->hasProperty(key.name)) << key.name;
        EXPECT_EQ(file->getString(key.name), key.defaultValue) << key.name;
    }
    EXPECT_NO_THROW(HostConfig::from(*file));
}

}  // namespace
}  // namespace mvi::host
