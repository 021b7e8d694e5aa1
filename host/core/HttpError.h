#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/ValidationError.h"

namespace mvi::host {

/// An error with the HTTP status and the `detail` to answer it with. Thrown by request handlers
/// and by what they call (the dispatcher, lookups); the HTTP layer turns it into
/// `{"detail": ...}` with that status. A detail may quote what a client sent, valid UTF-8 or
/// not: nothing here or in sending it throws for that.
class HttpError : public std::runtime_error {
  public:
    HttpError(int status, nlohmann::json detail)
        : std::runtime_error(
              detail.is_string()
                  ? detail.get<std::string>()
                  : detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)),
          status_(status),
          detail_(std::move(detail)) {}

    /// 422 whose detail lists `problems` (`[{"loc", "msg", "type"}, ...]`).
    static HttpError invalid(const std::vector<ValidationError>& problems) {
        return HttpError(422, mvi::validation::to_detail(problems));
    }

    /// 405 for `method` where only `allowed` (comma-separated, the `Allow` header) is served.
    static HttpError methodNotAllowed(const std::string& method, const std::string& allowed) {
        return HttpError(405, "method " + method + " not allowed here; use " + allowed);
    }

    int status() const { return status_; }
    const nlohmann::json& detail() const { return detail_; }

  private:
    int status_;
    nlohmann::json detail_;
};

/// A problem with the request's body: `loc` is `["body"]`, or `["body", field]` when `field` is
/// not empty.
inline ValidationError bodyProblem(const std::string& field, std::string msg, std::string type) {
    nlohmann::json loc = nlohmann::json::array({"body"});
    if (!field.empty()) {
        loc.push_back(field);
    }
    return {std::move(loc), std::move(msg), std::move(type)};
}

/// A problem with the request's query: `loc` is `["query"]`, or `["query", field]` when `field`
/// is not empty.
inline ValidationError queryProblem(const std::string& field, std::string msg, std::string type) {
    nlohmann::json loc = nlohmann::json::array({"query"});
    if (!field.empty()) {
        loc.push_back(field);
    }
    return {std::move(loc), std::move(msg), std::move(type)};
}

}  // namespace mvi::host
