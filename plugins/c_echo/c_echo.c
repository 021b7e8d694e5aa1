/*
 * The "c_echo" example service: a plugin in plain C11, with no SDK, only <mvi/plugin.h>.
 *
 *   echo(text: string) -> string     the text, preceded by the "prefix" parameter
 *   length(text: string) -> integer  the number of Unicode code points in the text
 *   parameter prefix: string = ""
 *
 * The host validates arguments against the declared schemas before a handler runs, so the
 * handlers only need to find the "text" member in the arguments object. Its value is a JSON
 * string token, which can be answered back as it is: no decoding, no allocation for echo
 * without a prefix.
 */
#include <mvi/plugin.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The host table and handle, kept from registration until the library is closed. */
static const mvi_host_api* g_api = NULL;
static mvi_host* g_host = NULL;

/* Storage for data the host hands back (a parameter value). */
struct mvi_plugin_buffer {
    char* data;
    size_t size;
};

static mvi_str str_of(const char* text) {
    mvi_str result;
    result.data = text;
    result.size = strlen(text);
    return result;
}

static void receive_into_buffer(mvi_plugin_buffer* buffer, mvi_str value) {
    buffer->data = (char*)malloc(value.size + 1);
    if (buffer->data == NULL) {
        buffer->size = 0;
        return;
    }
    if (value.size > 0) {
        memcpy(buffer->data, value.data, value.size);
    }
    buffer->data[value.size] = '\0';
    buffer->size = value.size;
}

/* ---- a minimal JSON scanner: enough to find one member of an object ---- */

static size_t skip_space(const char* s, size_t n, size_t i) {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
        ++i;
    }
    return i;
}

/* `i` is at an opening quote; returns the index just past the closing quote, or n on error. */
static size_t skip_string(const char* s, size_t n, size_t i) {
    for (++i; i < n; ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return n;
}

/* `i` is at the first character of a value; returns the index just past it. */
static size_t skip_value(const char* s, size_t n, size_t i) {
    int depth = 0;
    while (i < n) {
        const char c = s[i];
        if (c == '"') {
            i = skip_string(s, n, i);
            if (depth == 0) {
                return i;
            }
            continue;
        }
        if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                return i;
            }
            if (--depth == 0) {
                return i + 1;
            }
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            return i;
        }
        ++i;
    }
    return i;
}

/* Finds member `key` (written without escapes) of the JSON object `object`. Returns 1 and sets
 * `value` to the member's raw JSON text when found, 0 otherwise. */
static int find_member(mvi_str object, const char* key, mvi_str* value) {
    const char* s = object.data;
    const size_t n = object.size;
    const size_t key_size = strlen(key);
    size_t i = skip_space(s, n, 0);
    if (s == NULL || i >= n || s[i] != '{') {
        return 0;
    }
    i = skip_space(s, n, i + 1);
    while (i < n && s[i] == '"') {
        const size_t key_start = i + 1;
        const size_t key_end = skip_string(s, n, i);
        size_t value_start;
        size_t value_end;
        if (key_end >= n) {
            return 0;
        }
        i = skip_space(s, n, key_end);
        if (i >= n || s[i] != ':') {
            return 0;
        }
        value_start = skip_space(s, n, i + 1);
        value_end = skip_value(s, n, value_start);
        if (key_end - 1 - key_start == key_size && memcmp(s + key_start, key, key_size) == 0) {
            value->data = s + value_start;
            value->size = value_end - value_start;
            return 1;
        }
        i = skip_space(s, n, value_end);
        if (i < n && s[i] == ',') {
            i = skip_space(s, n, i + 1);
        }
    }
    return 0;
}

static int is_high_surrogate(const char* hex) {
    return (hex[0] == 'd' || hex[0] == 'D') && (hex[1] == '8' || hex[1] == '9' || hex[1] == 'a' ||
                                                hex[1] == 'A' || hex[1] == 'b' || hex[1] == 'B');
}

/* Counts the code points of a JSON string token (quotes included in `token`). */
static size_t count_code_points(mvi_str token) {
    const char* s = token.data;
    const size_t end = token.size - 1; /* the closing quote */
    size_t count = 0;
    size_t i = 1;
    while (i < end) {
        const unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            if (i + 1 < end && s[i + 1] == 'u') {
                /* \uXXXX, and a surrogate pair \uD8xx\uDCxx counts as one code point */
                if (i + 11 < end && is_high_surrogate(s + i + 2) && s[i + 6] == '\\' &&
                    s[i + 7] == 'u') {
                    i += 12;
                } else {
                    i += 6;
                }
            } else {
                i += 2;
            }
            ++count;
        } else {
            if ((c & 0xC0) != 0x80) { /* not a UTF-8 continuation byte */
                ++count;
            }
            ++i;
        }
    }
    return count;
}

/* Finds the "text" argument; answers 422 and returns 0 when it is missing or not a string. */
static int text_argument(mvi_call* call, mvi_str arguments, mvi_str* text) {
    static const char detail[] =
        "[{\"loc\":[\"body\",\"text\"],\"msg\":\"expected a string\",\"type\":\"type_error\"}]";
    if (find_member(arguments, "text", text) && text->size >= 2 && text->data[0] == '"' &&
        text->data[text->size - 1] == '"') {
        return 1;
    }
    g_api->call_error(call, 422, str_of(detail));
    return 0;
}

/* ---- entrypoints ---- */

static mvi_status echo(mvi_plugin_userdata* userdata, mvi_call* call, mvi_str arguments) {
    mvi_str text;
    mvi_plugin_buffer prefix = {NULL, 0};
    mvi_status status;
    char* answer;
    (void)userdata;
    if (!text_argument(call, arguments, &text)) {
        return MVI_OK;
    }
    status = g_api->get_parameter(g_host, str_of("prefix"), receive_into_buffer, &prefix);
    if (status != MVI_OK || prefix.data == NULL || prefix.size < 2) {
        free(prefix.data);
        g_api->call_error(call, 500, str_of("\"the prefix parameter could not be read\""));
        return MVI_OK;
    }
    g_api->log(g_host, MVI_LOG_DEBUG, str_of("echo called"));
    /* Both are JSON string tokens: drop the prefix's closing quote and the text's opening one. */
    answer = (char*)malloc(prefix.size + text.size);
    if (answer == NULL) {
        free(prefix.data);
        g_api->call_error(call, 500, str_of("\"out of memory\""));
        return MVI_OK;
    }
    memcpy(answer, prefix.data, prefix.size - 1);
    memcpy(answer + prefix.size - 1, text.data + 1, text.size - 1);
    {
        mvi_str result;
        result.data = answer;
        result.size = prefix.size + text.size - 2;
        g_api->call_result(call, result);
    }
    free(answer);
    free(prefix.data);
    return MVI_OK;
}

static mvi_status length(mvi_plugin_userdata* userdata, mvi_call* call, mvi_str arguments) {
    mvi_str text;
    char number[32];
    (void)userdata;
    if (!text_argument(call, arguments, &text)) {
        return MVI_OK;
    }
    snprintf(number, sizeof number, "%zu", count_code_points(text));
    g_api->call_result(call, str_of(number));
    return MVI_OK;
}

/* ---- the two exported symbols ---- */

MVI_PLUGIN_EXPORT uint32_t mvi_plugin_abi_version(void) {
    return MVI_ABI_VERSION_PACK(MVI_ABI_VERSION_MAJOR, MVI_ABI_VERSION_MINOR);
}

static mvi_status declare_entrypoint(mvi_registrar* registrar, const char* name,
                                     const char* result_schema, const char* description,
                                     mvi_plugin_entrypoint_fn handler) {
    mvi_entrypoint_decl decl;
    mvi_status status;
    memset(&decl, 0, sizeof decl);
    decl.size = sizeof decl;
    decl.name = str_of(name);
    decl.method = MVI_METHOD_POST;
    decl.arguments =
        str_of("[{\"name\":\"text\",\"schema\":{\"type\":\"string\"},\"required\":true}]");
    decl.result_schema = str_of(result_schema);
    decl.description = str_of(description);
    decl.handler = handler;
    decl.userdata = NULL;
    status = g_api->add_entrypoint(registrar, &decl);
    if (status != MVI_OK) {
        char message[128];
        snprintf(message, sizeof message, "entrypoint '%s' was refused by the host (status %d)",
                 name, (int)status);
        g_api->registration_error(registrar, str_of(message));
    }
    return status;
}

MVI_PLUGIN_EXPORT mvi_status mvi_plugin_register(const mvi_host_api* api, mvi_host* host,
                                                 mvi_registrar* registrar) {
    mvi_parameter_decl parameter;
    mvi_status status;
    /* This plugin needs every function up to set_parameter (ABI 1.0). */
    if (api == NULL || !MVI_HOST_API_HAS(api, set_parameter)) {
        return MVI_INVALID_ARGUMENT;
    }
    g_api = api;
    g_host = host;

    memset(&parameter, 0, sizeof parameter);
    parameter.size = sizeof parameter;
    parameter.name = str_of("prefix");
    parameter.initial_value = str_of("\"\"");
    parameter.schema = str_of("{\"type\":\"string\"}");
    parameter.exposed = true;
    status = api->add_parameter(registrar, &parameter);
    if (status != MVI_OK) {
        api->registration_error(registrar, str_of("parameter 'prefix' was refused by the host"));
        return status;
    }
    status = declare_entrypoint(registrar, "echo", "{\"type\":\"string\"}",
                                "Answers the text, preceded by the prefix parameter.", echo);
    if (status != MVI_OK) {
        return status;
    }
    return declare_entrypoint(registrar, "length", "{\"type\":\"integer\",\"minimum\":0}",
                              "Counts the Unicode code points of the text.", length);
}
