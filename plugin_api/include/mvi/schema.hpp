// mvi/schema.hpp -- JSON schemas derived from C++ types, and MVI_STRUCT for user structs.
//
// The schemas use only the subset of JSON Schema that mvi-host validates with:
//   {}                                  any value
//   "type"                              string, integer, number, boolean, null, array, object
//   "items", "minItems", "maxItems"     arrays (std::vector, std::array)
//   "uniqueItems"                       sets (std::set, std::unordered_set) as arrays
//   "properties", "required",
//   "additionalProperties"              objects (structs, string-keyed maps)
//   "anyOf"                             std::optional<T>: anyOf [T, {"type": "null"}]
//   "minimum", "maximum"                integer types narrower than 64 bits, and unsigned types,
//                                       so a value that passes validation never overflows
//   "title", "description"              annotations only
#ifndef MVI_SCHEMA_HPP
#define MVI_SCHEMA_HPP

#include <mvi/convert.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace mvi {

/// The JSON schema of values of type T (see the top of this header for the subset used).
/// nlohmann::json, and a type with its own to_json/from_json but no MVI_STRUCT and no
/// `mvi_schema(mvi::type_tag<T>)` hook, get `{}`: any value. A type the SDK cannot convert
/// (mvi/convert.hpp) is refused by a static_assert.
template <class T>
nlohmann::json schema_of() {
    using U = std::remove_cv_t<std::remove_reference_t<T>>;
    if constexpr (std::is_same_v<U, nlohmann::json>) {
        return nlohmann::json::object();
    } else if constexpr (std::is_void_v<U> || std::is_same_v<U, std::nullptr_t>) {
        return {{"type", "null"}};
    } else if constexpr (std::is_same_v<U, bool>) {
        return {{"type", "boolean"}};
    } else if constexpr (detail::is_integer_v<U>) {
        nlohmann::json schema = {{"type", "integer"}};
        if constexpr (std::is_unsigned_v<U>) {
            schema["minimum"] = 0;
            if constexpr (sizeof(U) < sizeof(std::uint64_t)) {
                schema["maximum"] = static_cast<std::uint64_t>(std::numeric_limits<U>::max());
            }
        } else if constexpr (sizeof(U) < sizeof(std::int64_t)) {
            schema["minimum"] = static_cast<std::int64_t>(std::numeric_limits<U>::min());
            schema["maximum"] = static_cast<std::int64_t>(std::numeric_limits<U>::max());
        }
        return schema;
    } else if constexpr (std::is_floating_point_v<U>) {
        return {{"type", "number"}};
    } else if constexpr (std::is_same_v<U, std::string> || std::is_same_v<U, std::string_view> ||
                         std::is_same_v<U, const char*> || std::is_same_v<U, char*>) {
        return {{"type", "string"}};
    } else if constexpr (detail::is_optional<U>::value) {
        return {{"anyOf", {schema_of<typename U::value_type>(), {{"type", "null"}}}}};
    } else if constexpr (detail::is_vector<U>::value) {
        return {{"type", "array"}, {"items", schema_of<typename U::value_type>()}};
    } else if constexpr (detail::is_set<U>::value) {
        return {{"type", "array"},
                {"items", schema_of<typename U::value_type>()},
                {"uniqueItems", true}};
    } else if constexpr (detail::is_std_array<U>::value) {
        constexpr std::size_t size = std::tuple_size<U>::value;
        return {{"type", "array"},
                {"items", schema_of<typename U::value_type>()},
                {"minItems", size},
                {"maxItems", size}};
    } else if constexpr (detail::is_string_map<U>::value) {
        return {{"type", "object"}, {"additionalProperties", schema_of<typename U::mapped_type>()}};
    } else if constexpr (detail::has_schema_hook<U>::value) {
        return mvi_schema(type_tag<U>{});
    } else if constexpr (detail::has_own_conversion_v<U>) {
        return nlohmann::json::object();
    } else {
        detail::require_supported<detail::unsupported_t<U>>();
        return nlohmann::json::object();
    }
}

namespace detail {

/// Builds the object schema of a struct, for MVI_STRUCT's schema hook.
class StructSchema {
  public:
    explicit StructSchema(const char* title)
        : schema_{{"type", "object"},
                  {"title", title},
                  {"properties", nlohmann::json::object()},
                  {"required", nlohmann::json::array()},
                  {"additionalProperties", false}} {}

    /// Adds field `name` of type T; it is required unless T is a std::optional.
    template <class T>
    void add(const char* name) {
        schema_["properties"][name] = schema_of<T>();
        if (!is_optional<T>::value) {
            schema_["required"].push_back(name);
        }
    }

    /// The finished schema.
    nlohmann::json finish() { return std::move(schema_); }

  private:
    nlohmann::json schema_;
};

}  // namespace detail
}  // namespace mvi

// Applies a macro to each of up to 32 arguments.
#define MVI_DETAIL_EXPAND(x) x
#define MVI_DETAIL_COUNT(...)                                                                    \
    MVI_DETAIL_EXPAND(MVI_DETAIL_COUNT_(__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, \
                                        21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, \
                                        6, 5, 4, 3, 2, 1, 0))
#define MVI_DETAIL_COUNT_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, \
                          _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30,  \
                          _31, _32, n, ...)                                                      \
    n
#define MVI_DETAIL_CAT(a, b) MVI_DETAIL_CAT_(a, b)
#define MVI_DETAIL_CAT_(a, b) a##b
#define MVI_DETAIL_FOR_EACH(m, ...) \
    MVI_DETAIL_EXPAND(MVI_DETAIL_CAT(MVI_DETAIL_FE_, MVI_DETAIL_COUNT(__VA_ARGS__))(m, __VA_ARGS__))
#define MVI_DETAIL_FE_1(m, a) m(a)
#define MVI_DETAIL_FE_2(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_1(m, __VA_ARGS__))
#define MVI_DETAIL_FE_3(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_2(m, __VA_ARGS__))
#define MVI_DETAIL_FE_4(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_3(m, __VA_ARGS__))
#define MVI_DETAIL_FE_5(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_4(m, __VA_ARGS__))
#define MVI_DETAIL_FE_6(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_5(m, __VA_ARGS__))
#define MVI_DETAIL_FE_7(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_6(m, __VA_ARGS__))
#define MVI_DETAIL_FE_8(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_7(m, __VA_ARGS__))
#define MVI_DETAIL_FE_9(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_8(m, __VA_ARGS__))
#define MVI_DETAIL_FE_10(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_9(m, __VA_ARGS__))
#define MVI_DETAIL_FE_11(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_10(m, __VA_ARGS__))
#define MVI_DETAIL_FE_12(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_11(m, __VA_ARGS__))
#define MVI_DETAIL_FE_13(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_12(m, __VA_ARGS__))
#define MVI_DETAIL_FE_14(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_13(m, __VA_ARGS__))
#define MVI_DETAIL_FE_15(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_14(m, __VA_ARGS__))
#define MVI_DETAIL_FE_16(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_15(m, __VA_ARGS__))
#define MVI_DETAIL_FE_17(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_16(m, __VA_ARGS__))
#define MVI_DETAIL_FE_18(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_17(m, __VA_ARGS__))
#define MVI_DETAIL_FE_19(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_18(m, __VA_ARGS__))
#define MVI_DETAIL_FE_20(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_19(m, __VA_ARGS__))
#define MVI_DETAIL_FE_21(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_20(m, __VA_ARGS__))
#define MVI_DETAIL_FE_22(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_21(m, __VA_ARGS__))
#define MVI_DETAIL_FE_23(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_22(m, __VA_ARGS__))
#define MVI_DETAIL_FE_24(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_23(m, __VA_ARGS__))
#define MVI_DETAIL_FE_25(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_24(m, __VA_ARGS__))
#define MVI_DETAIL_FE_26(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_25(m, __VA_ARGS__))
#define MVI_DETAIL_FE_27(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_26(m, __VA_ARGS__))
#define MVI_DETAIL_FE_28(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_27(m, __VA_ARGS__))
#define MVI_DETAIL_FE_29(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_28(m, __VA_ARGS__))
#define MVI_DETAIL_FE_30(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_29(m, __VA_ARGS__))
#define MVI_DETAIL_FE_31(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_30(m, __VA_ARGS__))
#define MVI_DETAIL_FE_32(m, a, ...) m(a) MVI_DETAIL_EXPAND(MVI_DETAIL_FE_31(m, __VA_ARGS__))

#define MVI_DETAIL_STRUCT_TO(field) mvi_json[#field] = ::mvi::to_json_value(mvi_value.field);
#define MVI_DETAIL_STRUCT_FROM(field) mvi_reader.read(#field, mvi_value.field);
#define MVI_DETAIL_STRUCT_VISIT(field) mvi_visit(#field, mvi_value.field);
#define MVI_DETAIL_STRUCT_SCHEMA(field) \
    mvi_schema_builder.add<decltype(mvi_struct_type::field)>(#field);

/// Makes the struct `Type` usable as an entrypoint argument, result or parameter: defines JSON
/// conversion (to_json/from_json, found by nlohmann::json and the SDK) and a schema hook giving
/// an object schema with one property per listed field, every field that is not a std::optional
/// required, and additionalProperties false. Use it once, at namespace scope, in the namespace
/// that declares `Type` (so argument-dependent lookup finds it), listing 1 to 32 public data
/// members. `Type` must be default-constructible. Do not combine it with nlohmann's
/// NLOHMANN_DEFINE_TYPE_* macros for the same type.
///
///     namespace shop {
///     struct Item { std::string name; double price; std::optional<std::string> note; };
///     MVI_STRUCT(Item, name, price, note);
///     }
///
/// Reading is strict: a missing required field, a field of the wrong type and an unknown field
/// are all errors (HTTP 422 for an entrypoint argument). An entrypoint may also take its
/// arguments as one such struct: `service.entrypoint("add", [](const AddArgs& args) {...})`
/// declares one argument per field (see Service::entrypoint).
#define MVI_STRUCT(Type, ...)                                                 \
    inline void to_json(nlohmann::json& mvi_json, const Type& mvi_value) {    \
        mvi_json = nlohmann::json::object();                                  \
        MVI_DETAIL_FOR_EACH(MVI_DETAIL_STRUCT_TO, __VA_ARGS__)                \
    }                                                                         \
    inline void from_json(const nlohmann::json& mvi_json, Type& mvi_value) {  \
        ::mvi::detail::StructReader mvi_reader(mvi_json);                     \
        MVI_DETAIL_FOR_EACH(MVI_DETAIL_STRUCT_FROM, __VA_ARGS__)              \
        mvi_reader.finish();                                                  \
    }                                                                         \
    inline nlohmann::json mvi_schema(::mvi::type_tag<Type>) {                 \
        using mvi_struct_type = Type;                                         \
        ::mvi::detail::StructSchema mvi_schema_builder(#Type);                \
        MVI_DETAIL_FOR_EACH(MVI_DETAIL_STRUCT_SCHEMA, __VA_ARGS__)            \
        return mvi_schema_builder.finish();                                   \
    }                                                                         \
    template <class MviVisitor>                                               \
    inline void mvi_for_each_field(Type& mvi_value, MviVisitor&& mvi_visit) { \
        MVI_DETAIL_FOR_EACH(MVI_DETAIL_STRUCT_VISIT, __VA_ARGS__)             \
    }                                                                         \
    static_assert(std::is_default_constructible_v<Type>,                      \
                  "MVI_STRUCT(" #Type "): the struct must be default-constructible")

#endif  // MVI_SCHEMA_HPP
