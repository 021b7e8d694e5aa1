#include "notifications/EmailAddress.h"

#include <cctype>

namespace mvi::host {
namespace {

/// Splits `text` at each `.` and checks every part with `validPart`.
template <typename Check>
bool everyDotPart(std::string_view text, Check validPart) {
    std::size_t start = 0;
    while (true) {
        std::size_t dot = text.find('.', start);
        std::string_view part = text.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (part.empty() || !validPart(part)) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        start = dot + 1;
    }
}

bool validLocalCharacter(char c) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
        return false;
    }
    for (char forbidden : std::string_view("<>()[]\\,;:\"@")) {
        if (c == forbidden) {
            return false;
        }
    }
    return true;
}

bool validLabel(std::string_view label) {
    if (label.size() > 63 || label.front() == '-' || label.back() == '-') {
        return false;
    }
    for (char c : label) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
            return false;
        }
    }
    return true;
}

}  // namespace

bool isEmailAddress(std::string_view address) {
    if (address.size() > 254) {
        return false;
    }
    std::size_t at = address.find('@');
    if (at == std::string_view::npos || at == 0 || at > 64) {
        return false;
    }
    std::string_view local = address.substr(0, at);
    std::string_view domain = address.substr(at + 1);
    if (domain.empty() || domain.find('@') != std::string_view::npos) {
        return false;
    }
    return everyDotPart(local,
                        [](std::string_view part) {
                            for (char c : part) {
                                if (!validLocalCharacter(c)) {
                                    return false;
                                }
                            }
                            return true;
                        }) &&
           everyDotPart(domain, validLabel);
}

}  // namespace mvi::host
