#include "config/HostConfig.h"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Path.h>
#include <Poco/Timespan.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "HostProcess.h"
#include "TestPaths.h"

namespace mvi::host {
namespace {

TEST(HostConfig, DefaultsComeFromTheKeyTable) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    HostConfig result = HostConfig::from(*config);
    EXPECT_EQ(result.http.host, "127.0.0.1");
    EXPECT_EQ(result.http.port, 8080u);
    EXPECT_EQ(result.plugins.dir, "var/plugins");
    EXPECT_EQ(result.http.maxBodyBytes, 10u * 1024 * 1024);
    for (const auto& key : HostConfig::defaults()) {
        EXPECT_FALSE(key.description.empty()) << key.name;
    }
}

TEST(HostConfig, ReadsValuesAndRefusesBadOnes) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    config->setString("http.port", "9090");
    config->setString("plugins.dir", "/srv/plugins");
    HostConfig result = HostConfig::from(*config);
    EXPECT_EQ(result.http.port, 9090u);
    EXPECT_EQ(result.plugins.dir, "/srv/plugins");

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
    EXPECT_EQ(defaults.http.maxJsonDepth, 256u);
    EXPECT_EQ(defaults.http.linger, std::chrono::seconds(5));
    for (const char* bad : {"0", "4097", "deep"}) {
        config->setString("http.max_json_depth", bad);
        EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException) << bad;
    }
    config->setString("http.max_json_depth", "4096");
    config->setString("http.linger_seconds", "301");
    EXPECT_THROW(HostConfig::from(*config), Poco::SyntaxException);
    config->setString("http.linger_seconds", "0");
    HostConfig result = HostConfig::from(*config);
    EXPECT_EQ(result.http.maxJsonDepth, 4096u);
    EXPECT_EQ(result.http.linger, std::chrono::seconds(0));
}

TEST(HostConfig, AuthKeysAreCheckedAtStart) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    HostConfig defaults = HostConfig::from(*config);
    // auth.enabled = auto, off on the default loopback address.
    EXPECT_FALSE(defaults.auth.authenticator.enabled);
    EXPECT_EQ(defaults.auth.authenticator.adminUser, "admin");
    EXPECT_EQ(defaults.auth.authenticator.adminPassword, "");
    EXPECT_EQ(defaults.auth.authenticator.defaultValidity, Poco::Timespan(30, 0, 0, 0, 0));

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
    EXPECT_TRUE(result.auth.authenticator.enabled);
    EXPECT_FALSE(result.auth.authenticator.defaultValidity);
    EXPECT_EQ(result.auth.authenticator.adminUser, "root");
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
    EXPECT_EQ(HostConfig::from(*config).auth.authenticator.adminPassword, "s3cret phrase");

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
    EXPECT_TRUE(defaults.http.allowedHosts.empty());
    const LoginThrottle::Settings& throttle = defaults.auth.authenticator.throttle;
    EXPECT_EQ(throttle.freeFailures, 5);
    EXPECT_EQ(throttle.backoff, Poco::Timespan(1, 0));
    EXPECT_EQ(throttle.maxBackoff, Poco::Timespan(300, 0));
    EXPECT_EQ(throttle.concurrentChecks, 2);

    config->setString("http.allowed_hosts", " mvi.example.com, ,10.0.0.5:8080 ");
    EXPECT_EQ(HostConfig::from(*config).http.allowedHosts,
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

/// The message of the error `HostConfig::from` throws for `config`; empty when it throws none.
std::string errorOf(const Poco::Util::AbstractConfiguration& config) {
    try {
        HostConfig::from(config);
    } catch (const Poco::Exception& error) {
        return error.message();
    }
    return "";
}

TEST(HostConfig, EverySectionTakesItsDefaults) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    HostConfig result = HostConfig::from(*config);
    EXPECT_EQ(result.http.maxThreads, 256);
    EXPECT_EQ(result.http.maxQueued, 1024);
    EXPECT_EQ(result.http.maxUploadBytes, 268435456u);
    EXPECT_EQ(result.http.keepAlive, std::chrono::seconds(60));

    EXPECT_EQ(result.plugins.stopTimeout, std::chrono::seconds(5));
    EXPECT_FALSE(result.plugins.allowUniqueSymbols);
    EXPECT_EQ(result.plugins.probeExecutable, "");
    EXPECT_EQ(result.plugins.registrationTimeout, std::chrono::seconds(10));

    EXPECT_EQ(result.data.dir, "var/data");

    EXPECT_EQ(result.logs.store.followLines, 10000u);
    EXPECT_EQ(result.logs.store.maxFileBytes, 10485760u);
    EXPECT_EQ(result.logs.store.maxFiles, 5u);
    EXPECT_EQ(result.logs.store.flush, LogStore::kDefaultFlush);
    EXPECT_EQ(result.logs.store.flushInterval, std::chrono::milliseconds(5));
    EXPECT_EQ(result.logs.level, "information");

    EXPECT_TRUE(result.reload.watch);
    EXPECT_EQ(result.reload.promote, "first");
    EXPECT_EQ(result.reload.watcher.closeQuiet, std::chrono::milliseconds(25));
    EXPECT_EQ(result.reload.watcher.openWriteQuiet, std::chrono::milliseconds(2000));
    EXPECT_EQ(result.reload.watcher.mode, PluginWatcher::Mode::Auto);
    EXPECT_EQ(result.reload.watcher.pollInterval, std::chrono::milliseconds(1000));

    EXPECT_EQ(result.mirror.queueCapacity, 1024u);
    EXPECT_EQ(result.mirror.threads, 2u);
    EXPECT_EQ(result.scheduler.threads, 4u);

    EXPECT_EQ(result.services.callDepth, 8u);
    EXPECT_EQ(result.services.callTimeout, std::chrono::seconds(60));
    EXPECT_EQ(result.services.stuckCallsLimit, 16u);

    EXPECT_EQ(result.auth.authenticator.generatedPasswordFile,
              Poco::Path("var/data/admin_password").absolute().toString());
    EXPECT_FALSE(result.auth.requireTls);

    EXPECT_FALSE(result.tls.enabled());
    EXPECT_EQ(result.tls.certificateFile, "");
    EXPECT_EQ(result.tls.keyFile, "");

    EXPECT_EQ(result.smtp.host, "");
    EXPECT_EQ(result.smtp.port, 25u);
    EXPECT_EQ(result.smtp.sender, "mvi@localhost");
    EXPECT_EQ(result.smtp.username, "");
    EXPECT_EQ(result.smtp.password, "");
    EXPECT_EQ(result.smtp.timeout, std::chrono::seconds(10));
    EXPECT_EQ(result.smtp.tls, "auto");
    EXPECT_EQ(result.smtp.caFile, "");

    EXPECT_EQ(result.monitor.durability, MonitorStore::Durability::Durable);
    EXPECT_EQ(result.monitor.queueCapacity, 1024u);
    EXPECT_EQ(result.monitor.retentionSeconds, 0);
    EXPECT_EQ(result.monitor.retentionRows, 0u);
    EXPECT_EQ(result.monitor.cleanupInterval, std::chrono::seconds(60));

    EXPECT_EQ(result.docs.assetsDir, "");
}

TEST(HostConfig, EachKeyLandsInItsSection) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    config->setString("http.host", "0.0.0.0");
    config->setString("http.keep_alive_seconds", "5");
    config->setString("plugins.stop_timeout_seconds", "7");
    config->setString("plugins.allow_unique_symbols", "true");
    config->setString("plugins.probe_executable", "/opt/probe");
    config->setString("data.dir", "/srv/data");
    config->setString("logs.memory_lines", "20");
    config->setString("logs.max_file_bytes", "2048");
    config->setString("logs.max_files", "3");
    config->setString("logs.flush", "interval");
    config->setString("logs.flush_interval_ms", "20");
    config->setString("logs.level", "debug");
    config->setString("reload.watch", "false");
    config->setString("reload.promote", "newest");
    config->setString("reload.close_quiet_ms", "0");
    config->setString("reload.open_write_quiet_ms", "500");
    config->setString("reload.watcher", "poll");
    config->setString("reload.poll_interval_ms", "250");
    config->setString("mirror.queue_capacity", "9");
    config->setString("mirror.threads", "3");
    config->setString("scheduler.threads", "6");
    config->setString("services.call_depth", "2");
    config->setString("services.call_timeout_seconds", "90");
    config->setString("services.stuck_calls_limit", "4");
    config->setString("auth.login_backoff_seconds", "2");
    config->setString("auth.login_backoff_max_seconds", "20");
    config->setString("auth.require_tls", "true");
    config->setString("tls.certificate_file", "/etc/mvi/cert.pem");
    config->setString("tls.key_file", "/etc/mvi/key.pem");
    config->setString("smtp.host", "mail.example.com");
    config->setString("smtp.port", "587");
    config->setString("smtp.timeout_seconds", "30");
    config->setString("smtp.tls", "required");
    config->setString("smtp.ca_file", "/etc/mvi/ca.pem");
    config->setString("monitor.durability", "queued");
    config->setString("monitor.retention_seconds", "3600");
    config->setString("monitor.retention_rows", "100");
    config->setString("monitor.cleanup_seconds", "5");
    config->setString("docs.assets_dir", "/srv/docs");
    HostConfig result = HostConfig::from(*config);

    EXPECT_EQ(result.http.host, "0.0.0.0");
    EXPECT_EQ(result.http.keepAlive, std::chrono::seconds(5));
    EXPECT_EQ(result.plugins.stopTimeout, std::chrono::seconds(7));
    EXPECT_TRUE(result.plugins.allowUniqueSymbols);
    EXPECT_EQ(result.plugins.probeExecutable, "/opt/probe");
    EXPECT_EQ(result.data.dir, "/srv/data");
    EXPECT_EQ(result.logs.store.followLines, 20u);
    EXPECT_EQ(result.logs.store.maxFileBytes, 2048u);
    EXPECT_EQ(result.logs.store.maxFiles, 3u);
    EXPECT_EQ(result.logs.store.flush, LogStore::Flush::Interval);
    EXPECT_EQ(result.logs.store.flushInterval, std::chrono::milliseconds(20));
    EXPECT_EQ(result.logs.level, "debug");
    EXPECT_FALSE(result.reload.watch);
    EXPECT_EQ(result.reload.promote, "newest");
    EXPECT_EQ(result.reload.watcher.closeQuiet, std::chrono::milliseconds(0));
    EXPECT_EQ(result.reload.watcher.openWriteQuiet, std::chrono::milliseconds(500));
    EXPECT_EQ(result.reload.watcher.mode, PluginWatcher::Mode::Poll);
    EXPECT_EQ(result.reload.watcher.pollInterval, std::chrono::milliseconds(250));
    EXPECT_EQ(result.mirror.queueCapacity, 9u);
    EXPECT_EQ(result.mirror.threads, 3u);
    EXPECT_EQ(result.scheduler.threads, 6u);
    EXPECT_EQ(result.services.callDepth, 2u);
    EXPECT_EQ(result.services.callTimeout, std::chrono::seconds(90));
    EXPECT_EQ(result.services.stuckCallsLimit, 4u);
    // auth.enabled = auto is on for an address that is not loopback.
    EXPECT_TRUE(result.auth.authenticator.enabled);
    EXPECT_EQ(result.auth.authenticator.generatedPasswordFile, "/srv/data/admin_password");
    EXPECT_EQ(result.auth.authenticator.throttle.backoff, Poco::Timespan(2, 0));
    EXPECT_EQ(result.auth.authenticator.throttle.maxBackoff, Poco::Timespan(20, 0));
    EXPECT_TRUE(result.auth.requireTls);
    EXPECT_TRUE(result.tls.enabled());
    EXPECT_EQ(result.tls.certificateFile, "/etc/mvi/cert.pem");
    EXPECT_EQ(result.tls.keyFile, "/etc/mvi/key.pem");
    EXPECT_EQ(result.smtp.host, "mail.example.com");
    EXPECT_EQ(result.smtp.port, 587u);
    EXPECT_EQ(result.smtp.timeout, std::chrono::seconds(30));
    EXPECT_EQ(result.smtp.tls, "required");
    EXPECT_EQ(result.smtp.caFile, "/etc/mvi/ca.pem");
    EXPECT_EQ(result.monitor.durability, MonitorStore::Durability::Queued);
    EXPECT_EQ(result.monitor.retentionSeconds, 3600);
    EXPECT_EQ(result.monitor.retentionRows, 100u);
    EXPECT_EQ(result.monitor.cleanupInterval, std::chrono::seconds(5));
    EXPECT_EQ(result.docs.assetsDir, "/srv/docs");

    config->setString("auth.enabled", "false");
    EXPECT_FALSE(HostConfig::from(*config).auth.authenticator.enabled);
}

TEST(HostConfig, ABadValueNamesItsKey) {
    const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
        {"http.port", "eighty", "configuration key http.port must be an integer, not 'eighty'"},
        {"http.linger_seconds", "301",
         "configuration key http.linger_seconds must be within 0..300"},
        {"plugins.allow_unique_symbols", "yes",
         "configuration key plugins.allow_unique_symbols must be true or false"},
        {"plugins.registration_timeout_seconds", "0",
         "configuration key plugins.registration_timeout_seconds must be within 1..3600"},
        {"logs.max_file_bytes", "1023",
         "configuration key logs.max_file_bytes must be within 1024..9223372036854775807"},
        {"logs.level", "verbose",
         "configuration key logs.level must be one of trace, debug, information, notice, "
         "warning, error, critical, fatal"},
        {"logs.flush", "sometimes", "configuration key logs.flush must be line or interval"},
        {"logs.flush", "Line", "configuration key logs.flush must be line or interval"},
        {"logs.flush_interval_ms", "0",
         "configuration key logs.flush_interval_ms must be within 1..1000"},
        {"logs.flush_interval_ms", "1001",
         "configuration key logs.flush_interval_ms must be within 1..1000"},
        {"logs.flush_interval_ms", "5ms",
         "configuration key logs.flush_interval_ms must be an integer, not '5ms'"},
        {"reload.watch", "1", "configuration key reload.watch must be true or false"},
        {"reload.promote", "last", "configuration key reload.promote must be first or newest"},
        {"reload.watcher", "polling",
         "configuration key reload.watcher must be auto, inotify or poll"},
        {"reload.watcher", "Poll",
         "configuration key reload.watcher must be auto, inotify or poll"},
        {"reload.poll_interval_ms", "9",
         "configuration key reload.poll_interval_ms must be within 10..3600000"},
        {"reload.poll_interval_ms", "3600001",
         "configuration key reload.poll_interval_ms must be within 10..3600000"},
        {"mirror.threads", "65", "configuration key mirror.threads must be within 1..64"},
        {"scheduler.threads", "0", "configuration key scheduler.threads must be within 1..64"},
        {"services.call_depth", "65", "configuration key services.call_depth must be within 1..64"},
        {"auth.enabled", "yes", "configuration key auth.enabled must be auto, true or false"},
        {"auth.admin_user", "", "configuration key auth.admin_user must not be empty"},
        {"auth.login_backoff_max_seconds", "0",
         "configuration key auth.login_backoff_max_seconds must be within 1..3600"},
        {"auth.require_tls", "no", "configuration key auth.require_tls must be true or false"},
        {"tls.key_file", "/etc/mvi/key.pem",
         "configuration keys tls.certificate_file and tls.key_file go together: set both "
         "(HTTPS) or neither (plain HTTP)"},
        {"smtp.port", "0", "configuration key smtp.port must be within 1..65535"},
        {"smtp.tls", "on", "configuration key smtp.tls must be auto, required or off"},
        {"monitor.durability", "fast",
         "configuration key monitor.durability must be durable or queued"},
        {"monitor.cleanup_seconds", "0",
         "configuration key monitor.cleanup_seconds must be within 1..86400"},
    };
    for (const auto& [key, bad, message] : cases) {
        Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
        config->setString(key, bad);
        EXPECT_EQ(errorOf(*config), message) << key << "=" << bad;
    }
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    config->setString("auth.login_backoff_seconds", "10");
    config->setString("auth.login_backoff_max_seconds", "5");
    EXPECT_EQ(errorOf(*config),
              "configuration key auth.login_backoff_max_seconds must not be below "
              "auth.login_backoff_seconds");
    config->setString("auth.login_backoff_max_seconds", "10");
    config->setString("auth.admin_password", "one");
    config->setString("auth.admin_password_file", "/etc/mvi/password");
    EXPECT_EQ(errorOf(*config),
              "configuration keys auth.admin_password and auth.admin_password_file are both "
              "set: keep one");
}

TEST(HostConfig, EnvironmentOverridesUseMviPrefix) {
    setenv("MVI_HTTP_PORT", "7777", 1);
    setenv("MVI_DATA_DIR", "/tmp/mvi-data", 1);
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    HostConfig::applyEnvironment(*config);
    unsetenv("MVI_HTTP_PORT");
    unsetenv("MVI_DATA_DIR");
    HostConfig result = HostConfig::from(*config);
    EXPECT_EQ(result.http.port, 7777u);
    EXPECT_EQ(result.data.dir, "/tmp/mvi-data");
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
