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

TEST(HostConfig, InputLimitsHaveGenerousDefaultsAndBounds) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    HostConfig defaults = HostConfig::from(*config);
    EXPECT_EQ(defaults.httpMaxJsonDepth, 256u);
    EXPECT_EQ(defaults.httpLingerSeconds, 5);
    for (const char* bad : {"0", "4097", "deep"}) {
        config->setString("http.max_json_depth", bad);
        EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException) << bad;
    }
    config->setString("http.max_json_depth", "4096");
    config->setString("http.linger_seconds", "301");
    EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException);
    config->setString("http.linger_seconds", "0");
    HostConfig result = HostConfig::from(*config);
    EXPECT_EQ(result.httpMaxJsonDepth, 4096u);
    EXPECT_EQ(result.httpLingerSeconds, 0);
}

TEST(HostConfig, AuthKeysAreCheckedAtStart) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    HostConfig defaults = HostConfig::from(*config);
    EXPECT_EQ(defaults.authEnabled, "auto");
    EXPECT_EQ(defaults.authAdminUser, "admin");
    EXPECT_EQ(defaults.authAdminPassword, "");
    EXPECT_EQ(defaults.authTokenDays, 30);

    for (const char* bad : {"yes", "on", "1", ""}) {
        config->setString("auth.enabled", bad);
        EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException) << bad;
    }
    config->setString("auth.enabled", "true");
    for (const char* bad : {"-1", "36501", "ten"}) {
        config->setString("auth.token_days", bad);
        EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException) << bad;
    }
    config->setString("auth.token_days", "0");
    config->setString("auth.admin_user", "");
    EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException);
    config->setString("auth.admin_user", "root");
    HostConfig result = HostConfig::from(*config);
    EXPECT_EQ(result.authEnabled, "true");
    EXPECT_EQ(result.authTokenDays, 0);
    EXPECT_EQ(result.authAdminUser, "root");
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
