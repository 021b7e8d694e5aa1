#include "core/ByteRange.h"

#include <Poco/String.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>
#include <vector>

namespace mvi::host {
namespace {

/// Trims the optional white space (spaces and tabs) around a list element.
std::string_view trimmed(std::string_view text) {
    auto start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        return {};
    }
    auto end = text.find_last_not_of(" \t");
    return text.substr(start, end - start + 1);
}

/// Reads a non-empty run of decimal digits; a value beyond 64 bits reads as the largest one
/// (it lies past the end of any file). False when `text` is empty or holds anything else.
bool readNumber(std::string_view text, std::uint64_t& value) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range) {
        value = std::numeric_limits<std::uint64_t>::max();
        return true;
    }
    return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

ByteRange ByteRange::parse(std::string_view header, std::uint64_t size) {
    ByteRange whole;
    auto equals = header.find('=');
    if (equals == std::string_view::npos ||
        Poco::icompare(std::string(trimmed(header.substr(0, equals))), "bytes") != 0) {
        return whole;
    }
    // A list may hold empty elements (RFC 9110, section 5.6.1); they do not count.
    std::vector<std::string_view> specs;
    std::string_view set = header.substr(equals + 1);
    while (true) {
        auto comma = set.find(',');
        std::string_view spec = trimmed(set.substr(0, comma));
        if (!spec.empty()) {
            specs.push_back(spec);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        set.remove_prefix(comma + 1);
    }
    if (specs.size() != 1) {
        return whole;
    }
    std::string_view spec = specs.front();
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) {
        return whole;
    }
    std::string_view firstText = spec.substr(0, dash);
    std::string_view lastText = spec.substr(dash + 1);
    ByteRange range;
    range.kind = Kind::Single;
    if (firstText.empty()) {
        // `-n`: the last n bytes.
        std::uint64_t suffix = 0;
        if (!readNumber(lastText, suffix)) {
            return whole;
        }
        if (suffix == 0 || size == 0) {
            range.kind = Kind::Unsatisfiable;
            return range;
        }
        range.first = size - std::min(suffix, size);
        range.last = size - 1;
        return range;
    }
    if (!readNumber(firstText, range.first)) {
        return whole;
    }
    range.last = std::numeric_limits<std::uint64_t>::max();
    if (!lastText.empty() && (!readNumber(lastText, range.last) || range.last < range.first)) {
        return whole;
    }
    if (range.first >= size) {
        range.kind = Kind::Unsatisfiable;
        return range;
    }
    range.last = std::min(range.last, size - 1);
    return range;
}

}  // namespace mvi::host
