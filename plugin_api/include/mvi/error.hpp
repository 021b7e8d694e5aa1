// mvi/error.hpp -- the exceptions of the MVI C++ SDK and names for mvi_status codes.
//
// Part of the header-only service SDK (see mvi/service.hpp). No exception ever crosses the C ABI:
// the SDK turns these into status codes and HTTP answers at every boundary.
#ifndef MVI_ERROR_HPP
#define MVI_ERROR_HPP

#include <mvi/plugin.h>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mvi {

/// The symbolic name of a status code, e.g. "MVI_NOT_FOUND"; "MVI_STATUS_<n>" for an unknown one.
inline std::string status_name(mvi_status status) {
    switch (status) {
        case MVI_OK:
            return "MVI_OK";
        case MVI_ERROR:
            return "MVI_ERROR";
        case MVI_INVALID_ARGUMENT:
            return "MVI_INVALID_ARGUMENT";
        case MVI_NOT_FOUND:
            return "MVI_NOT_FOUND";
        case MVI_TYPE_MISMATCH:
            return "MVI_TYPE_MISMATCH";
        case MVI_ALREADY_EXISTS:
            return "MVI_ALREADY_EXISTS";
        case MVI_BAD_STATE:
            return "MVI_BAD_STATE";
        case MVI_BUSY:
            return "MVI_BUSY";
        default:
            return "MVI_STATUS_" + std::to_string(status);
    }
}

/// A short human-readable meaning of a status code, for error messages.
inline const char* status_meaning(mvi_status status) noexcept {
    switch (status) {
        case MVI_OK:
            return "success";
        case MVI_ERROR:
            return "the operation failed";
        case MVI_INVALID_ARGUMENT:
            return "malformed name, JSON or value";
        case MVI_NOT_FOUND:
            return "no such name";
        case MVI_TYPE_MISMATCH:
            return "the value does not match the declared type";
        case MVI_ALREADY_EXISTS:
            return "the name is already taken";
        case MVI_BAD_STATE:
            return "not allowed at this point of the service's life";
        case MVI_BUSY:
            return "the host cannot take the work now; nothing was done";
        default:
            return "unknown status";
    }
}

/// Base of the SDK's own exceptions: a message plus the mvi_status that best describes it.
/// Thrown by Service::get_parameter / set_parameter and by invalid declarations during setup.
class Error : public std::runtime_error {
  public:
    /// Creates an error with `message` and the status `status` (MVI_ERROR by default).
    explicit Error(const std::string& message, mvi_status status = MVI_ERROR)
        : std::runtime_error(message), status_(status) {}

    /// The status code that describes this error.
    mvi_status status() const noexcept { return status_; }

  private:
    mvi_status status_;
};

/// A JSON value could not be converted to the requested C++ type. `path()` locates the offending
/// element inside the value (object keys as strings, array indexes as numbers), `reason()` says
/// what was wrong and `what()` combines both.
class ConversionError : public Error {
  public:
    /// Creates a conversion error at the root of the value.
    explicit ConversionError(std::string reason)
        : Error(reason, MVI_TYPE_MISMATCH), reason_(std::move(reason)) {
        rebuild();
    }

    /// Records that the error happened inside `key` (an object key or an array index) of the
    /// enclosing value; called while the exception travels outwards. Returns *this.
    ConversionError& prepend(nlohmann::json key) {
        path_.insert(path_.begin(), std::move(key));
        rebuild();
        return *this;
    }

    /// Where in the value the error is: keys and indexes from the outermost inwards.
    const std::vector<nlohmann::json>& path() const noexcept { return path_; }

    /// What was wrong, without the location.
    const std::string& reason() const noexcept { return reason_; }

    /// "<path>: <reason>", or just the reason at the root.
    const char* what() const noexcept override { return message_.c_str(); }

  private:
    void rebuild() {
        std::string location;
        for (const auto& key : path_) {
            if (key.is_string()) {
                if (!location.empty()) {
                    location += '.';
                }
                location += key.get<std::string>();
            } else {
                location += '[' + key.dump() + ']';
            }
        }
        message_ = location.empty() ? reason_ : location + ": " + reason_;
    }

    std::string reason_;
    std::vector<nlohmann::json> path_;
    std::string message_;
};

/// Thrown by an entrypoint to answer with an HTTP error instead of a result, like raising an
/// HTTPException in the original Python SDK. `status` must be in 400..599 (anything else is
/// answered as 500); `detail` becomes the `detail` of the error body and may be a plain string or
/// any JSON value:
///
///     throw mvi::HttpError(400, "Division by zero");
///     throw mvi::HttpError(409, {{"reason", "busy"}, {"retry_after", 5}});
class HttpError : public std::runtime_error {
  public:
    /// Creates an HTTP error answer with `status` and `detail`.
    HttpError(int status, nlohmann::json detail)
        : std::runtime_error(detail.is_string() ? detail.get<std::string>() : detail.dump()),
          status_(status),
          detail_(std::move(detail)) {}

    /// The HTTP status to answer with.
    int status() const noexcept { return status_; }

    /// The JSON `detail` of the error body.
    const nlohmann::json& detail() const noexcept { return detail_; }

  private:
    int status_;
    nlohmann::json detail_;
};

}  // namespace mvi

#endif  // MVI_ERROR_HPP
