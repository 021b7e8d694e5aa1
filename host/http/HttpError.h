#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace mvi::host {

/// Thrown by request handlers to answer an HTTP error; the handler base turns it into
/// `{"detail": ...}` with that status. A detail may quote what a client sent, valid UTF-8 or not:
/// nothing here or in sending it throws for that.
class HttpError : public std::runtime_error {
  public:
    HttpError(int status, nlohmann::json detail)
        : std::runtime_error(
              detail.is_string()
                  ? detail.get<std::string>()
                  : detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)),
          status_(status),
          detail_(std::move(detail)) {}

    int status() const { return status_; }
    const nlohmann::json& detail() const { return detail_; }

  private:
    int status_;
    nlohmann::json detail_;
};

}  // namespace mvi::host
