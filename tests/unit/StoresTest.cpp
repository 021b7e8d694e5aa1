// The small thread-safe stores: parameters, logs, notifications.

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "logs/LogStore.h"
#include "notifications/NotificationStore.h"
#include "plugin/ParameterSet.h"

namespace mvi::host {
namespace {

using nlohmann::json;

TEST(ParameterSet, DeclareGetSetWithTypeChecks) {
    ParameterSet parameters;
    EXPECT_TRUE(parameters.declare("phrase", {"Hello", {{"type", "string"}}, true}));
    EXPECT_FALSE(parameters.declare("phrase", {"Again", {{"type", "string"}}, true}));
    EXPECT_EQ(*parameters.get("phrase"), "Hello");
    EXPECT_FALSE(parameters.get("missing"));

    std::vector<ValidationError> errors;
    EXPECT_EQ(parameters.set("phrase", 5, &errors), ParameterSet::SetResult::TypeMismatch);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].loc, json({"body", "value"}));
    EXPECT_EQ(*parameters.get("phrase"), "Hello");

    EXPECT_EQ(parameters.set("phrase", "Howdy"), ParameterSet::SetResult::Ok);
    EXPECT_EQ(parameters.values(), json({{"phrase", "Howdy"}}));
    EXPECT_EQ(parameters.set("missing", 1), ParameterSet::SetResult::NotFound);
}

TEST(ParameterSet, ConcurrentReadersAndWriters) {
    ParameterSet parameters;
    parameters.declare("n", {0, {{"type", "integer"}}, true});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&parameters, t] {
            for (int i = 0; i < 1000; ++i) {
                parameters.set("n", t * 1000 + i);
                EXPECT_TRUE(parameters.get("n")->is_number_integer());
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
}

TEST(LogStore, KeepsTheNewestLinesPerService) {
    LogStore logs(3, Poco::Logger::get("test"));
    ServiceId hello{"hello", "1.0.0"};
    ServiceId other{"hello", "2.0.0"};
    for (int i = 0; i < 5; ++i) {
        logs.append(hello, LogLevel::Info, "line " + std::to_string(i));
    }
    logs.append(other, LogLevel::Warning, "other");
    auto lines = logs.tail(hello, 10);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines.front().message, "line 2");
    EXPECT_EQ(lines.back().message, "line 4");
    ASSERT_EQ(logs.tail(hello, 1).size(), 1u);
    EXPECT_EQ(logs.tail(hello, 1)[0].message, "line 4");
    EXPECT_NE(logs.tail(other, 10)[0].format().find(" WARNING other"), std::string::npos);
    EXPECT_TRUE(logs.tail(ServiceId{"nobody", "1.0.0"}, 10).empty());
}

TEST(NotificationStore, StacksRepeatsWithACounter) {
    NotificationStore store;
    ServiceId hello{"hello", "1.0.0"};
    store.raise(hello, Severity::Warning, "greeting the World");
    Notification again = store.raise(hello, Severity::Warning, "greeting the World");
    store.raise(hello, Severity::Critical, "greeting the World");
    store.raise(ServiceId{"hello", "2.0.0"}, Severity::Warning, "greeting the World");
    EXPECT_EQ(again.counter, 2u);
    EXPECT_GE(again.lastTime, again.firstTime);
    EXPECT_EQ(store.list().size(), 3u);
    json all = store.toJson();
    ASSERT_TRUE(all.contains(again.id));
    EXPECT_EQ(all[again.id]["counter"], 2);
    EXPECT_EQ(all[again.id]["severity_name"], "WARNING");
    store.clear();
    EXPECT_TRUE(store.list().empty());
}

}  // namespace
}  // namespace mvi::host
