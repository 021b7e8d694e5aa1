// mvi/convert.hpp -- strict conversion between JSON values and the SDK's supported C++ types.
//
// Supported types: std::string, every integer type, float/double, bool, std::vector<T>,
// std::array<T, N>, std::set<T> / std::unordered_set<T>, std::optional<T>, std::map /
// std::unordered_map with std::string keys, nlohmann::json (any value), structs declared with
// MVI_STRUCT (mvi/schema.hpp), and a type of your own that has its own to_json/from_json beside
// it (found by argument-dependent lookup, as nlohmann finds them). Any other type is refused when
// the service is compiled, by one static_assert: a struct is told to be declared with
// MVI_STRUCT(Type, fields...); for another type the compiler's note names it, e.g.
// "'mvi::supported_type<std::list<int> >::value' evaluates to false".
//
// Conversion is strict, unlike nlohmann's own get<T>(): no boolean is read as a number, no
// fraction is silently truncated to an integer, no integer silently wraps around. A failure
// throws mvi::ConversionError whose path() locates the offending element.
#ifndef MVI_CONVERT_HPP
#define MVI_CONVERT_HPP

#include <mvi/error.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mvi {

/// An empty value standing for the type T; used to look up customisation hooks by
/// argument-dependent lookup (see MVI_STRUCT and mvi::schema_of).
template <class T>
struct type_tag {
    /// The type this tag stands for.
    using type = T;
};

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

template <class T>
struct is_string_map : std::false_type {};
template <class T, class C, class A>
struct is_string_map<std::map<std::string, T, C, A>> : std::true_type {};
template <class T, class H, class E, class A>
struct is_string_map<std::unordered_map<std::string, T, H, E, A>> : std::true_type {};

template <class T>
struct is_set : std::false_type {};
template <class T, class C, class A>
struct is_set<std::set<T, C, A>> : std::true_type {};
template <class T, class H, class E, class A>
struct is_set<std::unordered_set<T, H, E, A>> : std::true_type {};

template <class T>
inline constexpr bool is_integer_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// Detects a schema hook `mvi_schema(mvi::type_tag<T>)` reachable by argument-dependent lookup:
// MVI_STRUCT defines one, and a user may define one beside any other type.
template <class T, class = void>
struct has_schema_hook : std::false_type {};
template <class T>
struct has_schema_hook<T, std::void_t<decltype(mvi_schema(std::declval<type_tag<T>>()))>>
    : std::true_type {};

// Detects a to_json or from_json of the user's beside T, found by argument-dependent lookup
// only (nlohmann's own conversions of standard types do not count: the SDK knows no schema for
// them).
template <class T, class = void>
struct has_own_from_json : std::false_type {};
template <class T>
struct has_own_from_json<
    T, std::void_t<decltype(from_json(std::declval<const nlohmann::json&>(), std::declval<T&>()))>>
    : std::true_type {};
template <class T, class = void>
struct has_own_to_json : std::false_type {};
template <class T>
struct has_own_to_json<
    T, std::void_t<decltype(to_json(std::declval<nlohmann::json&>(), std::declval<const T&>()))>>
    : std::true_type {};
template <class T>
inline constexpr bool has_own_conversion_v =
    has_schema_hook<T>::value || has_own_from_json<T>::value || has_own_to_json<T>::value;

// The first type inside T (T itself, an element, an optional's or a map's value) that the SDK
// cannot convert; type_tag<void> when there is none.
template <class T>
constexpr auto find_unsupported() {
    using U = std::remove_cv_t<T>;
    if constexpr (std::is_same_v<U, nlohmann::json> || std::is_same_v<U, bool> || is_integer_v<U> ||
                  std::is_floating_point_v<U> || std::is_same_v<U, std::string> ||
                  has_own_conversion_v<U>) {
        return type_tag<void>{};
    } else if constexpr (is_optional<U>::value || is_vector<U>::value || is_std_array<U>::value ||
                         is_set<U>::value) {
        return find_unsupported<typename U::value_type>();
    } else if constexpr (is_string_map<U>::value) {
        return find_unsupported<typename U::mapped_type>();
    } else {
        return type_tag<U>{};
    }
}

/// The first type inside T that the SDK cannot convert, or void.
template <class T>
using unsupported_t = typename decltype(find_unsupported<T>())::type;

}  // namespace detail

/// True for a type the SDK converts and describes with a schema (see the top of this header).
/// A static_assert on it names an unsupported type in the compiler's note.
template <class T>
struct supported_type {
    /// Whether T is supported.
    static constexpr bool value = std::is_void_v<detail::unsupported_t<T>>;
};

/// True for a type declared with MVI_STRUCT (or given a schema hook of its own).
template <class T>
struct declared_with_MVI_STRUCT {
    /// Whether T is declared with MVI_STRUCT.
    static constexpr bool value = detail::has_schema_hook<T>::value;
};

namespace detail {

/// Refuses, with one static_assert, a type the SDK cannot convert (`Unsupported`, from
/// unsupported_t); does nothing for void. Instantiated once per type, so one mistake gives one
/// error however many places use the type.
template <class Unsupported>
constexpr bool require_supported() {
    if constexpr (std::is_void_v<Unsupported>) {
        return true;
    } else if constexpr (std::is_class_v<Unsupported> && std::is_aggregate_v<Unsupported>) {
        static_assert(declared_with_MVI_STRUCT<Unsupported>::value,
                      "mvi: declare this struct with MVI_STRUCT(Type, fields...) to use it as an "
                      "argument, result or parameter (the note below names it)");
        return false;
    } else {
        static_assert(supported_type<Unsupported>::value,
                      "mvi: unsupported type for an argument, result or parameter (the note below "
                      "names it); use std::string, a number, bool, std::vector, std::array, "
                      "std::set, std::optional, std::map with std::string keys, nlohmann::json or "
                      "a struct declared with MVI_STRUCT(Type, fields...)");
        return false;
    }
}

/// The message of a nlohmann exception without its "[json.exception...] " prefix.
inline std::string readable(const nlohmann::json::exception& error) {
    std::string text = error.what();
    if (!text.empty() && text.front() == '[') {
        const auto end = text.find("] ");
        if (end != std::string::npos) {
            text.erase(0, end + 2);
        }
    }
    return text;
}

/// The JSON type name of a value, as used in messages and JSON schemas.
inline const char* json_kind(const nlohmann::json& value) noexcept {
    switch (value.type()) {
        case nlohmann::json::value_t::null:
            return "null";
        case nlohmann::json::value_t::boolean:
            return "boolean";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
            return "integer";
        case nlohmann::json::value_t::number_float:
            return "number";
        case nlohmann::json::value_t::string:
            return "string";
        case nlohmann::json::value_t::array:
            return "array";
        case nlohmann::json::value_t::object:
            return "object";
        default:
            return "binary";
    }
}

[[noreturn]] inline void conversion_failed(const char* expected, const nlohmann::json& value) {
    throw ConversionError(std::string("expected ") + expected + ", got " + json_kind(value));
}

/// Runs `convert`, the conversion of the item or member `key`, and places any failure at `key`.
template <class Key, class Convert>
auto converted_at(const Key& key, Convert&& convert) -> decltype(convert()) {
    try {
        return convert();
    } catch (ConversionError& error) {
        error.prepend(key);
        throw;
    } catch (const nlohmann::json::exception& error) {
        throw ConversionError(readable(error)).prepend(key);
    }
}

template <class T>
[[noreturn]] void integer_out_of_range(const std::string& got) {
    throw ConversionError("expected an integer between " +
                          std::to_string(std::numeric_limits<T>::min()) + " and " +
                          std::to_string(std::numeric_limits<T>::max()) + ", got " + got);
}

template <class T>
T integer_from_json(const nlohmann::json& value) {
    using limits = std::numeric_limits<T>;
    if (value.is_number_unsigned()) {
        const auto v = value.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(limits::max())) {
            integer_out_of_range<T>(std::to_string(v));
        }
        return static_cast<T>(v);
    }
    if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        if constexpr (std::is_signed_v<T>) {
            if (v < static_cast<std::int64_t>(limits::min()) ||
                v > static_cast<std::int64_t>(limits::max())) {
                integer_out_of_range<T>(std::to_string(v));
            }
        } else {
            if (v < 0 ||
                static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(limits::max())) {
                integer_out_of_range<T>(std::to_string(v));
            }
        }
        return static_cast<T>(v);
    }
    if (value.is_number_float()) {
        // JSON does not distinguish 3 from 3.0; accept a float only when it is a whole number
        // that fits, compared against exact powers of two so no bound is rounded.
        const double v = value.get<double>();
        if (!std::isfinite(v) || std::trunc(v) != v) {
            throw ConversionError("expected an integer, got " + value.dump());
        }
        const double upper = std::ldexp(1.0, limits::digits);  // max() + 1, exactly
        const double lower = std::is_signed_v<T> ? -upper : 0.0;
        if (v < lower || v >= upper) {
            integer_out_of_range<T>(value.dump());
        }
        return static_cast<T>(v);
    }
    conversion_failed("an integer", value);
}

}  // namespace detail

/// Converts `value` to T strictly (see the top of this header). Throws mvi::ConversionError, or
/// the exception of a user type's own from_json, when `value` does not fit T.
template <class T>
T from_json_value(const nlohmann::json& value) {
    static_assert(!std::is_reference_v<T> && !std::is_const_v<T>,
                  "mvi::from_json_value needs a plain value type");
    if constexpr (std::is_same_v<T, nlohmann::json>) {
        return value;
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!value.is_boolean()) {
            detail::conversion_failed("a boolean", value);
        }
        return value.get<bool>();
    } else if constexpr (detail::is_integer_v<T>) {
        return detail::integer_from_json<T>(value);
    } else if constexpr (std::is_floating_point_v<T>) {
        if (!value.is_number()) {
            detail::conversion_failed("a number", value);
        }
        const double v = value.get<double>();
        if (std::isfinite(v) && std::fabs(v) > static_cast<double>(std::numeric_limits<T>::max())) {
            throw ConversionError("number " + value.dump() + " is out of range");
        }
        return static_cast<T>(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!value.is_string()) {
            detail::conversion_failed("a string", value);
        }
        return value.get<std::string>();
    } else if constexpr (detail::is_optional<T>::value) {
        if (value.is_null()) {
            return std::nullopt;
        }
        return T(from_json_value<typename T::value_type>(value));
    } else if constexpr (detail::is_vector<T>::value) {
        if (!value.is_array()) {
            detail::conversion_failed("an array", value);
        }
        T result;
        result.reserve(value.size());
        std::size_t index = 0;
        for (const auto& element : value) {
            result.push_back(detail::converted_at(
                index, [&] { return from_json_value<typename T::value_type>(element); }));
            ++index;
        }
        return result;
    } else if constexpr (detail::is_std_array<T>::value) {
        constexpr std::size_t size = std::tuple_size<T>::value;
        if (!value.is_array()) {
            detail::conversion_failed("an array", value);
        }
        if (value.size() != size) {
            throw ConversionError("expected an array of exactly " + std::to_string(size) +
                                  " items, got " + std::to_string(value.size()));
        }
        T result{};
        for (std::size_t index = 0; index < size; ++index) {
            result[index] = detail::converted_at(
                index, [&] { return from_json_value<typename T::value_type>(value[index]); });
        }
        return result;
    } else if constexpr (detail::is_string_map<T>::value) {
        if (!value.is_object()) {
            detail::conversion_failed("an object", value);
        }
        T result;
        for (const auto& item : value.items()) {
            result.emplace(item.key(), detail::converted_at(item.key(), [&] {
                               return from_json_value<typename T::mapped_type>(item.value());
                           }));
        }
        return result;
    } else if constexpr (detail::is_set<T>::value) {
        if (!value.is_array()) {
            detail::conversion_failed("an array", value);
        }
        T result;
        std::size_t index = 0;
        for (const auto& element : value) {
            detail::converted_at(index, [&] {
                if (!result.insert(from_json_value<typename T::value_type>(element)).second) {
                    throw ConversionError("duplicate item: the items must be unique");
                }
            });
            ++index;
        }
        return result;
    } else if constexpr (detail::has_own_conversion_v<T>) {
        // MVI_STRUCT types and types with their own to_json/from_json.
        try {
            return value.get<T>();
        } catch (const nlohmann::json::exception& error) {
            throw ConversionError(detail::readable(error));
        }
    } else {
        detail::require_supported<detail::unsupported_t<T>>();
        throw ConversionError("unsupported type");
    }
}

/// Converts a C++ value of a supported type to JSON. std::optional without a value becomes null.
template <class T>
nlohmann::json to_json_value(const T& value) {
    if constexpr (std::is_same_v<T, nlohmann::json>) {
        return value;
    } else if constexpr (detail::is_optional<T>::value) {
        return value ? to_json_value(*value) : nlohmann::json(nullptr);
    } else if constexpr (detail::is_vector<T>::value || detail::is_std_array<T>::value ||
                         detail::is_set<T>::value) {
        nlohmann::json result = nlohmann::json::array();
        for (const typename T::value_type& element : value) {
            result.push_back(to_json_value(element));
        }
        return result;
    } else if constexpr (detail::is_string_map<T>::value) {
        nlohmann::json result = nlohmann::json::object();
        for (const auto& item : value) {
            result[item.first] = to_json_value(item.second);
        }
        return result;
    } else if constexpr (std::is_void_v<detail::unsupported_t<T>> ||
                         std::is_same_v<T, std::string_view> || std::is_same_v<T, const char*> ||
                         std::is_same_v<T, char*> || std::is_same_v<T, std::nullptr_t>) {
        return nlohmann::json(value);
    } else {
        detail::require_supported<detail::unsupported_t<T>>();
        return nlohmann::json();
    }
}

namespace detail {

/// Reads the members of a JSON object into a struct's fields, for MVI_STRUCT's from_json.
class StructReader {
  public:
    explicit StructReader(const nlohmann::json& object) : object_(object) {
        if (!object_.is_object()) {
            conversion_failed("an object", object_);
        }
    }

    /// Reads member `name` into `field`: a missing member is an error unless the field is a
    /// std::optional (then it is reset).
    template <class T>
    void read(const char* name, T& field) {
        names_.push_back(name);
        const auto it = object_.find(name);
        if (it == object_.end()) {
            if constexpr (is_optional<T>::value) {
                field.reset();
                return;
            } else {
                throw ConversionError("field required").prepend(name);
            }
        }
        field = converted_at(name, [&] { return from_json_value<T>(*it); });
    }

    /// Fails on a member that is not one of the fields read (additionalProperties is false).
    void finish() const {
        for (const auto& item : object_.items()) {
            bool known = false;
            for (const char* name : names_) {
                known = known || item.key() == name;
            }
            if (!known) {
                throw ConversionError("unknown field").prepend(item.key());
            }
        }
    }

  private:
    const nlohmann::json& object_;
    std::vector<const char*> names_;
};

}  // namespace detail
}  // namespace mvi

#endif  // MVI_CONVERT_HPP
