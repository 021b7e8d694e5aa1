#ifndef MVI_HOST_SCHEMA_VALIDATIONERROR_H
#define MVI_HOST_SCHEMA_VALIDATIONERROR_H

#include <string>

#include <nlohmann/json.hpp>

namespace mvi::host {

/// One problem found while validating a value against a schema, in the shape of one element of
/// the `detail` list of a 422 answer.
struct ValidationError {
    /// Where the problem is: a JSON array of keys and indexes, e.g. ["body", "point", "x"] or
    /// ["body", "values", 2].
    nlohmann::json loc = nlohmann::json::array();

    /// Human-readable description, e.g. "value is not a valid integer".
    std::string msg;

    /// Machine-readable kind, e.g. "type_error.integer" or "value_error.missing".
    std::string type;
};

}  // namespace mvi::host

#endif  // MVI_HOST_SCHEMA_VALIDATIONERROR_H
