#include "core/JsonInput.h"

#include <fmt/format.h>

#include <vector>

namespace mvi::host {
namespace {

using json = nlohmann::json;

/// The longest parser message passed on to a sender.
constexpr std::size_t kMessageLimit = 200;

/// One array or object being read: where in it the parser is.
struct Level {
    bool array = false;
    /// The key whose value is being read (objects).
    std::string key;
    /// Whether a key was read and its value is not finished yet (objects).
    bool inValue = false;
    /// The index of the element being read (arrays).
    std::size_t index = 0;
};

/// Builds the value with nlohmann's own DOM builder while keeping the path to the value being
/// read, and stops at the first array or object past the depth limit.
class BoundedBuilder {
  public:
    BoundedBuilder(json& result, std::size_t maxDepth) : dom_(result, false), maxDepth_(maxDepth) {}

    bool null() { return scalar(dom_.null()); }
    bool boolean(bool value) { return scalar(dom_.boolean(value)); }
    bool number_integer(json::number_integer_t value) { return scalar(dom_.number_integer(value)); }
    bool number_unsigned(json::number_unsigned_t value) {
        return scalar(dom_.number_unsigned(value));
    }
    bool number_float(json::number_float_t value, const json::string_t& text) {
        return scalar(dom_.number_float(value, text));
    }
    bool string(json::string_t& value) { return scalar(dom_.string(value)); }
    bool binary(json::binary_t& value) { return scalar(dom_.binary(value)); }

    bool start_object(std::size_t elements) { return open(false) && dom_.start_object(elements); }
    bool start_array(std::size_t elements) { return open(true) && dom_.start_array(elements); }
    bool key(json::string_t& key) {
        levels_.back().key = key;
        levels_.back().inValue = true;
        return dom_.key(key);
    }
    bool end_object() { return close() && dom_.end_object(); }
    bool end_array() { return close() && dom_.end_array(); }

    bool parse_error(std::size_t position, const std::string&, const json::exception& error) {
        byte_ = position;
        problem_ = classify(error);
        message_ = error.what();
        return false;
    }

    /// Throws the reason parsing stopped.
    [[noreturn]] void fail() const {
        if (tooDeep_) {
            throw JsonInput::Error(
                JsonInput::Problem::TooDeep,
                fmt::format("arrays and objects nested deeper than {} levels", maxDepth_), path(),
                0);
        }
        switch (problem_) {
            case JsonInput::Problem::NumberOverflow:
                throw JsonInput::Error(problem_, "number too large (beyond the range of a double)",
                                       path(), byte_);
            case JsonInput::Problem::InvalidUtf8:
                throw JsonInput::Error(problem_, "string is not valid UTF-8", path(), byte_);
            default:
                throw JsonInput::Error(JsonInput::Problem::Syntax, shortMessage(message_),
                                       json::array(), byte_);
        }
    }

  private:
    static JsonInput::Problem classify(const json::exception& error) {
        if (error.id == 406) {
            return JsonInput::Problem::NumberOverflow;
        }
        // The lexer reports bad UTF-8 inside a string as a syntax error with this text.
        if (std::string(error.what()).find("ill-formed UTF-8") != std::string::npos) {
            return JsonInput::Problem::InvalidUtf8;
        }
        return JsonInput::Problem::Syntax;
    }

    /// The parser's message without its `[json.exception...]` prefix, cut short and made valid
    /// UTF-8 (it quotes the last text read, which may be long or hold anything).
    static std::string shortMessage(const std::string& message) {
        std::string text = message;
        if (!text.empty() && text.front() == '[') {
            auto end = text.find("] ");
            if (end != std::string::npos) {
                text.erase(0, end + 2);
            }
        }
        if (text.size() > kMessageLimit) {
            text.resize(kMessageLimit);
            text += "...";
        }
        return JsonInput::withValidUtf8(text);
    }

    bool scalar(bool kept) {
        finishChild();
        return kept;
    }

    bool open(bool array) {
        if (levels_.size() >= maxDepth_) {
            tooDeep_ = true;
            return false;
        }
        levels_.push_back(Level{array, {}, false, 0});
        return true;
    }

    bool close() {
        levels_.pop_back();
        finishChild();
        return true;
    }

    /// A value inside the innermost array or object is complete.
    void finishChild() {
        if (levels_.empty()) {
            return;
        }
        Level& level = levels_.back();
        if (level.array) {
            ++level.index;
        } else {
            level.inValue = false;
        }
    }

    json path() const {
        json result = json::array();
        for (const Level& level : levels_) {
            if (level.array) {
                result.push_back(level.index);
            } else if (level.inValue) {
                result.push_back(JsonInput::withValidUtf8(level.key));
            } else {
                break;
            }
        }
        return result;
    }

    nlohmann::detail::json_sax_dom_parser<json> dom_;
    std::size_t maxDepth_;
    std::vector<Level> levels_;
    bool tooDeep_ = false;
    JsonInput::Problem problem_ = JsonInput::Problem::Syntax;
    std::string message_;
    std::size_t byte_ = 0;
};

}  // namespace

json JsonInput::parse(std::string_view text, std::size_t maxDepth) {
    json result;
    BoundedBuilder builder(result, maxDepth);
    if (!json::sax_parse(text.begin(), text.end(), &builder)) {
        builder.fail();
    }
    return result;
}

bool JsonInput::isValidUtf8(std::string_view text) {
    try {
        // Dumping a string checks every byte of it.
        static_cast<void>(json(std::string(text)).dump());
        return true;
    } catch (const json::type_error&) {
        return false;
    }
}

std::string JsonInput::withValidUtf8(std::string_view text) {
    if (isValidUtf8(text)) {
        return std::string(text);
    }
    std::string quoted =
        json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
    return json::parse(quoted).get<std::string>();
}

}  // namespace mvi::host
