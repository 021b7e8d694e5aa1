// First of two translation units that include every SDK header; linking them into one
// executable fails if a header defines a function or variable that is not inline.
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

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "inline_shared.hpp"

nlohmann::json schemas_from_first_unit() {
    return {mvi::schema_of<inline_test::Record>(), mvi::schema_of<std::vector<std::int16_t>>(),
            mvi::schema_of<std::optional<std::string>>(),
            mvi::schema_of<std::map<std::string, bool>>()};
}

MVI_SERVICE(service) {
    service.add_parameter("level", 3);
    service.entrypoint("describe", {"record"}, [&service](const inline_test::Record& record) {
        mvi::log::info("describing {}", record.name);
        return record.name + "@" + std::to_string(service.get_parameter<int>("level"));
    });
}
