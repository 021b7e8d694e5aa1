/*
 * Compiles mvi/plugin.h as strict C11 (-std=c11 -Wall -Wextra -Wpedantic -Werror) and checks
 * the layout facts the ABI promises: every struct that crosses starts with its size, strings are
 * a pointer then a byte count, fields (and the host table's functions) keep their declaration
 * order, and the version macros round-trip. Prints "ok" and exits 0 when all hold.
 */
#include <mvi/plugin.h>

#include <stdio.h>

/* Every struct that crosses starts with its size. */
_Static_assert(offsetof(mvi_entrypoint_decl, size) == 0, "mvi_entrypoint_decl.size first");
_Static_assert(offsetof(mvi_parameter_decl, size) == 0, "mvi_parameter_decl.size first");
_Static_assert(offsetof(mvi_notification, size) == 0, "mvi_notification.size first");
_Static_assert(offsetof(mvi_host_api, size) == 0, "mvi_host_api.size first");

/* mvi_str is {data, size}, nothing else. */
_Static_assert(offsetof(mvi_str, data) == 0, "mvi_str.data first");
_Static_assert(offsetof(mvi_str, size) == sizeof(const char*), "mvi_str.size second");
_Static_assert(sizeof(mvi_str) == sizeof(const char*) + sizeof(size_t), "mvi_str has no more");

/* Fixed-width scalar types. */
_Static_assert(sizeof(mvi_status) == 4, "mvi_status is 32 bits");
_Static_assert(sizeof(mvi_log_level) == 4, "mvi_log_level is 32 bits");
_Static_assert(sizeof(mvi_severity) == 4, "mvi_severity is 32 bits");
_Static_assert(sizeof(mvi_http_method) == 4, "mvi_http_method is 32 bits");

/* Declaration order of mvi_entrypoint_decl. */
_Static_assert(offsetof(mvi_entrypoint_decl, size) < offsetof(mvi_entrypoint_decl, name), "");
_Static_assert(offsetof(mvi_entrypoint_decl, name) < offsetof(mvi_entrypoint_decl, method), "");
_Static_assert(offsetof(mvi_entrypoint_decl, method) < offsetof(mvi_entrypoint_decl, arguments),
               "");
_Static_assert(offsetof(mvi_entrypoint_decl, arguments) <
                   offsetof(mvi_entrypoint_decl, result_schema),
               "");
_Static_assert(offsetof(mvi_entrypoint_decl, result_schema) <
                   offsetof(mvi_entrypoint_decl, description),
               "");
_Static_assert(offsetof(mvi_entrypoint_decl, description) < offsetof(mvi_entrypoint_decl, handler),
               "");
_Static_assert(offsetof(mvi_entrypoint_decl, handler) < offsetof(mvi_entrypoint_decl, userdata),
               "");

/* Declaration order of mvi_parameter_decl. */
_Static_assert(offsetof(mvi_parameter_decl, size) < offsetof(mvi_parameter_decl, name), "");
_Static_assert(offsetof(mvi_parameter_decl, name) < offsetof(mvi_parameter_decl, initial_value),
               "");
_Static_assert(offsetof(mvi_parameter_decl, initial_value) < offsetof(mvi_parameter_decl, schema),
               "");
_Static_assert(offsetof(mvi_parameter_decl, schema) < offsetof(mvi_parameter_decl, exposed), "");

/* Declaration order of mvi_notification. */
_Static_assert(offsetof(mvi_notification, size) < offsetof(mvi_notification, severity), "");
_Static_assert(offsetof(mvi_notification, severity) < offsetof(mvi_notification, message), "");
_Static_assert(offsetof(mvi_notification, message) < offsetof(mvi_notification, emails), "");
_Static_assert(offsetof(mvi_notification, emails) < offsetof(mvi_notification, timer_seconds), "");

/* The host table: one function pointer after another, in declaration order, no gaps. */
#define MVI_HOST_API_SLOT(field, index)                                                     \
    _Static_assert(                                                                         \
        offsetof(mvi_host_api, field) == sizeof(size_t) + (index) * sizeof(void (*)(void)), \
        "mvi_host_api." #field " is function " #index)
MVI_HOST_API_SLOT(add_entrypoint, 0);
MVI_HOST_API_SLOT(add_parameter, 1);
MVI_HOST_API_SLOT(registration_error, 2);
MVI_HOST_API_SLOT(call_result, 3);
MVI_HOST_API_SLOT(call_error, 4);
MVI_HOST_API_SLOT(log, 5);
MVI_HOST_API_SLOT(notify, 6);
MVI_HOST_API_SLOT(get_parameter, 7);
MVI_HOST_API_SLOT(set_parameter, 8);
MVI_HOST_API_SLOT(store, 9);
MVI_HOST_API_SLOT(call_every, 10);
MVI_HOST_API_SLOT(call_service, 11);
MVI_HOST_API_SLOT(set_on_stop, 12);
MVI_HOST_API_SLOT(get_env, 13);
MVI_HOST_API_SLOT(add_route, 14);
MVI_HOST_API_SLOT(route_answer, 15);
MVI_HOST_API_SLOT(route_stream, 16);
MVI_HOST_API_SLOT(stream_write, 17);
MVI_HOST_API_SLOT(stream_close, 18);
_Static_assert(sizeof(mvi_host_api) == sizeof(size_t) + 19 * sizeof(void (*)(void)),
               "mvi_host_api ends with stream_close (1.6)");

/* The version macros are constant expressions that round-trip. */
_Static_assert(MVI_ABI_VERSION_GET_MAJOR(MVI_ABI_VERSION_PACK(MVI_ABI_VERSION_MAJOR,
                                                              MVI_ABI_VERSION_MINOR)) ==
                   MVI_ABI_VERSION_MAJOR,
               "major round-trips");
_Static_assert(MVI_ABI_VERSION_GET_MINOR(MVI_ABI_VERSION_PACK(MVI_ABI_VERSION_MAJOR,
                                                              MVI_ABI_VERSION_MINOR)) ==
                   MVI_ABI_VERSION_MINOR,
               "minor round-trips");

/* Counts a failed check. */
static int failures;

static void expect(int condition, const char* what) {
    if (!condition) {
        fprintf(stderr, "FAILED: %s\n", what);
        ++failures;
    }
}

int main(void) {
    static const uint32_t samples[][2] = {
        {0, 0}, {1, 0}, {1, 1}, {2, 7}, {0, 0xFFFF}, {0xFFFF, 0}, {0xFFFF, 0xFFFF}, {300, 65000},
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; ++i) {
        const uint32_t major = samples[i][0];
        const uint32_t minor = samples[i][1];
        const uint32_t packed = MVI_ABI_VERSION_PACK(major, minor);
        expect(MVI_ABI_VERSION_GET_MAJOR(packed) == major, "GET_MAJOR(PACK(major, minor))");
        expect(MVI_ABI_VERSION_GET_MINOR(packed) == minor, "GET_MINOR(PACK(major, minor))");
        expect(packed == ((major << 16) | minor), "PACK layout is major << 16 | minor");
    }
    expect(MVI_ABI_VERSION_PACK(1, 0) == 0x00010000u, "PACK(1, 0) == 0x00010000");
    expect(MVI_ABI_VERSION_PACK(1, 0) < MVI_ABI_VERSION_PACK(1, 1), "minor orders within a major");
    expect(MVI_ABI_VERSION_PACK(1, 0xFFFF) < MVI_ABI_VERSION_PACK(2, 0), "major orders first");

    /* A struct literal in C11 style, as a pure C plugin writes one. */
    mvi_entrypoint_decl decl = {
        .size = sizeof(mvi_entrypoint_decl), .name = {"ping", 4}, .method = MVI_METHOD_POST};
    expect(decl.size == sizeof decl && decl.name.size == 4 && decl.handler == NULL,
           "designated initializers");

    if (failures != 0) {
        return 1;
    }
    printf("ok\n");
    return 0;
}
