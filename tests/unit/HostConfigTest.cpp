#include "config/HostConfig.h"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "HostProcess.h"
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

TEST(HostConfig, TheAdminPasswordCanComeFromAFile) {
    std::string dir = mvi::test::makeTemporaryDirectory();
    std::string path = dir + "/password";
    {
        std::ofstream file(path);
        file << "s3cret phrase\r\nsecond line ignored\n";
    }
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    config->setString("auth.admin_password_file", path);
    EXPECT_EQ(HostConfig::from(*config).authAdminPassword, "s3cret phrase");

    config->setString("auth.admin_password", "other");
    EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException);
    config->setString("auth.admin_password", "");
    config->setString("auth.admin_password_file", dir + "/missing");
    try {
        HostConfig::from(*config);
        ADD_FAILURE() << "a missing password file was accepted";
    } catch (const Poco::FileException& error) {
        EXPECT_NE(error.displayText().find("auth.admin_password_file"), std::string::npos)
            << error.displayText();
        EXPECT_NE(error.displayText().find(dir + "/missing"), std::string::npos);
    }
    { std::ofstream empty(dir + "/empty"); }
    config->setString("auth.admin_password_file", dir + "/empty");
    EXPECT_THROW(HostConfig::from(*config), Poco::FileException);
    std::filesystem::remove_all(dir);
}

TEST(HostConfig, LoginLimitsAndAllowedHosts) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    HostConfig defaults = HostConfig::from(*config);
    EXPECT_TRUE(defaults.httpAllowedHosts.empty());
    EXPECT_EQ(defaults.authLoginFreeFailures, 5);
    EXPECT_EQ(defaults.authLoginBackoffSeconds, 1);
    EXPECT_EQ(defaults.authLoginBackoffMaxSeconds, 300);
    EXPECT_EQ(defaults.authLoginConcurrency, 2);

    config->setString("http.allowed_hosts", " mvi.example.com, ,10.0.0.5:8080 ");
    EXPECT_EQ(HostConfig::from(*config).httpAllowedHosts,
              (std::vector<std::string>{"mvi.example.com", "10.0.0.5:8080"}));
    for (const auto& [key, bad] : std::vector<std::pair<std::string, std::string>>{
             {"auth.login_free_failures", "0"},
             {"auth.login_backoff_seconds", "0"},
             {"auth.login_backoff_max_seconds", "3601"},
             {"auth.login_concurrency", "0"}}) {
        Poco::AutoPtr<Poco::Util::MapConfiguration> one(new Poco::Util::MapConfiguration);
        one->setString(key, bad);
        EXPECT_THROW(HostConfig::from(*one), Poco::SyntaxException) << key << "=" << bad;
    }
    config->setString("auth.login_backoff_seconds", "10");
    config->setString("auth.login_backoff_max_seconds", "5");
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
