// The small thread-safe stores: parameters.

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

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

TEST(ParameterSet, CheckAnswersLikeSetAndStoresNothing) {
    ParameterSet parameters;
    parameters.declare("phrase", {"Hello", {{"type", "string"}}, true});
    std::vector<ValidationError> errors;
    EXPECT_EQ(parameters.check("phrase", 5, &errors), ParameterSet::SetResult::TypeMismatch);
    EXPECT_EQ(errors.size(), 1u);
    EXPECT_EQ(parameters.check("missing", 1), ParameterSet::SetResult::NotFound);
    EXPECT_EQ(parameters.check("phrase", "Howdy"), ParameterSet::SetResult::Ok);
    EXPECT_EQ(*parameters.get("phrase"), "Hello");
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

}  // namespace
}  // namespace mvi::host
