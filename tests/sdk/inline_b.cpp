// Second of two translation units that include every SDK header (see inline_a.cpp); it also
// drives the service defined in the first unit.
#include <mvi/convert.hpp>
#include <mvi/env.hpp>
#include <mvi/error.hpp>
#include <mvi/limits.hpp>
#include <mvi/log.hpp>
#include <mvi/schema.hpp>
#include <mvi/service.hpp>
#include <mvi/store.hpp>
#include <mvi/testing.hpp>
#include <mvi/validation.hpp>

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "inline_shared.hpp"

nlohmann::json schemas_from_first_unit();

namespace {

TEST(SdkHeaders, LinkFromTwoTranslationUnits) {
    const nlohmann::json here = {mvi::schema_of<inline_test::Record>(),
                                 mvi::schema_of<std::vector<std::int16_t>>(),
                                 mvi::schema_of<std::optional<std::string>>(),
                                 mvi::schema_of<std::map<std::string, bool>>()};
    EXPECT_EQ(schemas_from_first_unit(), here);
}

TEST(SdkHeaders, ServeAServiceDefinedInAnotherTranslationUnit) {
    mvi::testing::FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    const auto answer = host.call("describe", {{"record", {{"name", "r"}, {"tags", {"t"}}}}});
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, "r@3");
    ASSERT_EQ(host.logs().size(), 1u);
    EXPECT_EQ(host.logs()[0].message, "describing r");
}

}  // namespace
