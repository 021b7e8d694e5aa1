// HttpError and the problems of a 422 answer: the shapes every route answers with.

#include "core/HttpError.h"

#include <gtest/gtest.h>

namespace mvi::host {
namespace {

using nlohmann::json;

TEST(HttpError, ProblemsLocateTheFieldInBodyOrQuery) {
    ValidationError body = bodyProblem("name", "field required", "value_error.missing");
    EXPECT_EQ(body.loc, json::array({"body", "name"}));
    EXPECT_EQ(body.msg, "field required");
    EXPECT_EQ(body.type, "value_error.missing");
    EXPECT_EQ(bodyProblem("", "m", "t").loc, json::array({"body"}));
    EXPECT_EQ(queryProblem("tail", "m", "t").loc, json::array({"query", "tail"}));
    EXPECT_EQ(queryProblem("", "m", "t").loc, json::array({"query"}));
}

TEST(HttpError, InvalidIs422ListingEveryProblem) {
    HttpError error =
        HttpError::invalid({queryProblem("name", "field required", "value_error.missing"),
                            bodyProblem("x", "bad", "type_error.integer")});
    EXPECT_EQ(error.status(), 422);
    EXPECT_EQ(error.detail(), json::parse(R"([{"loc": ["query", "name"], "msg": "field required",
                               "type": "value_error.missing"},
                              {"loc": ["body", "x"], "msg": "bad", "type": "type_error.integer"}])"));
}

TEST(HttpError, MethodNotAllowedNamesTheMethodAndTheAllowedOnes) {
    HttpError error = HttpError::methodNotAllowed("PUT", "GET,POST");
    EXPECT_EQ(error.status(), 405);
    EXPECT_EQ(error.detail(), "method PUT not allowed here; use GET,POST");
}

TEST(HttpError, DetailNeedNotBeValidUtf8) {
    HttpError error(404, "service '\xff' not found");
    EXPECT_EQ(error.status(), 404);
    EXPECT_NE(std::string(error.what()).find("not found"), std::string::npos);
}

}  // namespace
}  // namespace mvi::host
