/*
 * mvi/plugin.h -- the C ABI between mvi-host and a service plugin.
 *
 * A service is a shared library that mvi-host opens with local binding. The host and the plugin
 * talk only through this header: plain C11, no C++ type, no exception, no shared allocator.
 *
 * ABI VERSION POLICY
 *   MVI_ABI_VERSION_MAJOR changes when anything already shipped changes meaning or layout: a
 *   signature, a field's type or position, a status code's meaning. MVI_ABI_VERSION_MINOR changes
 *   when something is only added: a new function at the end of a table, a new field at the end of
 *   a struct, a new status code or enumerator. A function whose signature must change gets a
 *   `_v2` sibling; the shipped one is never edited.
 *   The host accepts a plugin whose major equals the host's and whose minor is not newer than the
 *   host's, and refuses every other plugin with a message that names both versions. Because every
 *   struct that crosses starts with its size and only grows at the end, a plugin built against an
 *   older minor keeps working: the host reads only the fields that the plugin's size covers, and a
 *   plugin may read a host table field only when `size` shows the field is present.
 *   A field added to a plugin-filled struct in a later minor may sit in what was trailing padding
 *   before, so the host reads it only when `size` covers it AND the plugin reported a minor that
 *   has it (mvi_plugin_abi_version); a plugin's uninitialised padding is never read as a value.
 *
 * NAMING
 *   mvi_*         types shared by both sides.
 *   mvi_plugin_*  functions a plugin implements (exported symbols, or callbacks it registers);
 *                 the host calls them.
 *   mvi_host_api  the table of functions the host implements; the plugin calls them. A plugin
 *                 links against no host symbol.
 *
 * STRINGS
 *   Every string crosses as mvi_str: a pointer and a byte count, UTF-8, no NUL required. A
 *   string argument is borrowed for the duration of the call only; whoever receives it copies
 *   what it wants to keep. Nobody frees memory the other side allocated. Data the host hands
 *   back to a plugin (a parameter value, say) reaches it through a mvi_plugin_receive_fn callback
 *   that runs while the host's buffer is alive, so the plugin copies it there.
 *
 * THREADING
 *   The host may call entrypoint handlers of one plugin concurrently from many threads. Every
 *   function of mvi_host_api that takes a mvi_host handle may be called from any thread, at any
 *   time between mvi_plugin_register returning MVI_OK and the library being closed; those
 *   that say so (call_every, set_on_stop, get_env) also during mvi_plugin_register.
 *
 * THREADS A PLUGIN STARTS
 *   A plugin may start threads of its own. The host knows which ones (it attributes every new
 *   thread to the library whose code asked for it) and never closes a library while one of them
 *   still runs: such a library stays mapped until the host exits, and the host reports it. A
 *   plugin that starts threads registers an on-stop hook (mvi_host_api.set_on_stop, since 1.2)
 *   that ends them; the host calls it once the version has drained, before closing the library.
 */
#ifndef MVI_PLUGIN_H
#define MVI_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes (see the policy above). Since 1.0. */
#define MVI_ABI_VERSION_MAJOR 1
#define MVI_ABI_VERSION_MINOR 6

/** Packs a major and minor into the value mvi_plugin_abi_version returns. Since 1.0. */
#define MVI_ABI_VERSION_PACK(major, minor) \
    ((((uint32_t)(major)) << 16) | ((uint32_t)(minor)&0xFFFFu))
#define MVI_ABI_VERSION_GET_MAJOR(packed) ((uint32_t)(packed) >> 16)
#define MVI_ABI_VERSION_GET_MINOR(packed) ((uint32_t)(packed)&0xFFFFu)

/** Tells whether a size-prefixed struct is long enough to hold one of its fields: true when
 *  `object->size` covers `field` of `type` (its offset plus its size). Every struct that crosses
 *  only grows at the end, so a field added in a later minor is present exactly when this holds.
 *  `type` is the struct's type name, `object` a pointer to it (evaluated more than once, must not
 *  be NULL), `field` a member name. Returns a bool (an int in C). Where the plugin fills the struct
 *  (declarations), the host also checks the plugin's minor (see the policy above). A macro only:
 *  it works with structs of every minor. Since 1.3. */
#define MVI_HAS_FIELD(type, object, field) \
    ((size_t)(object)->size >= offsetof(type, field) + sizeof(((type*)0)->field))

/** Tells whether the host table `api` (a const mvi_host_api*, evaluated more than once, not
 *  NULL) has function `field`, e.g. MVI_HOST_API_HAS(api, call_service): a plugin calls a
 *  function added after 1.0 only when this holds, so it runs on an older host with a clear
 *  error instead of a crash. Returns a bool (an int in C). A macro only: it works with host
 *  tables of every minor. Since 1.3. */
#define MVI_HOST_API_HAS(api, field) MVI_HAS_FIELD(mvi_host_api, api, field)

/** A borrowed UTF-8 string: `size` bytes at `data`, not NUL-terminated. `data` may be NULL only
 *  when `size` is 0. OWNERSHIP: the side that passes it keeps it; LIFETIME: the call it is passed
 *  to. Since 1.0. */
typedef struct mvi_str {
    const char* data;
    size_t size;
} mvi_str;

/** Result of every fallible call. Values are fixed for ever; new ones may be added. Since 1.0. */
typedef int32_t mvi_status;
#define MVI_OK 0
/** Something failed; a message says what (set through the function's own error channel). */
#define MVI_ERROR 1
/** An argument was malformed: bad JSON, empty name, NULL where a value is required. */
#define MVI_INVALID_ARGUMENT 2
/** The named thing (parameter, entrypoint, ...) does not exist. */
#define MVI_NOT_FOUND 3
/** A value did not match the declared type. */
#define MVI_TYPE_MISMATCH 4
/** The name is already taken (a second entrypoint or parameter with the same name). */
#define MVI_ALREADY_EXISTS 5
/** The call is not allowed in the current phase (a registration call after registration). */
#define MVI_BAD_STATE 6
/** The host cannot take the work now (a full queue); nothing was done, trying later may work.
 *  Since 1.1. */
#define MVI_BUSY 7

/** Log levels for mvi_host_api.log. Since 1.0. */
typedef int32_t mvi_log_level;
#define MVI_LOG_DEBUG 0
#define MVI_LOG_INFO 1
#define MVI_LOG_WARNING 2
#define MVI_LOG_ERROR 3

/** Notification severities for mvi_host_api.notify. Since 1.0. */
typedef int32_t mvi_severity;
#define MVI_SEVERITY_INFO 0
#define MVI_SEVERITY_WARNING 1
#define MVI_SEVERITY_CRITICAL 2

/** HTTP methods an entrypoint (POST, GET) or a route (any of them) is called with. POST and
 *  GET since 1.0, PUT and DELETE since 1.5. */
typedef int32_t mvi_http_method;
#define MVI_METHOD_POST 0
#define MVI_METHOD_GET 1
#define MVI_METHOD_PUT 2
#define MVI_METHOD_DELETE 3

/** The host's handle for one loaded version of a service. OWNERSHIP: the host's. LIFETIME: from
 *  the mvi_plugin_register call that hands it over until the library is closed; a plugin may keep
 *  it in a global. THREADING: usable from any thread. Since 1.0. */
typedef struct mvi_host mvi_host;

/** Handle through which a plugin declares entrypoints and parameters. OWNERSHIP: the host's.
 *  LIFETIME: only during the mvi_plugin_register call it is passed to. THREADING: only on the
 *  thread running that call. Since 1.0. */
typedef struct mvi_registrar mvi_registrar;

/** One entrypoint invocation; the handler answers through it. OWNERSHIP: the host's. LIFETIME:
 *  only during the handler call it is passed to. THREADING: only on that handler's thread.
 *  Since 1.0. */
typedef struct mvi_call mvi_call;

/** Plugin-defined state attached to an entrypoint. The host never looks inside it and only
 *  passes it back. The plugin defines the struct (or casts its own pointer). Since 1.0. */
typedef struct mvi_plugin_userdata mvi_plugin_userdata;

/** Plugin-defined sink for data the host hands back (see mvi_plugin_receive_fn). Since 1.0. */
typedef struct mvi_plugin_buffer mvi_plugin_buffer;

/** Receives a string from the host. `value` is borrowed: valid only during this callback, so the
 *  plugin copies it into `buffer`. Called at most once per host call, on the caller's thread.
 *  Must not call back into the host. Since 1.0. */
typedef void (*mvi_plugin_receive_fn)(mvi_plugin_buffer* buffer, mvi_str value);

/** An entrypoint handler. `arguments` is a JSON object text with one key per declared argument,
 *  already validated by the host against the declared argument schemas (keys the caller sent
 *  that are not declared arguments are left out, see mvi_entrypoint_decl.strict_arguments). The
 * handler answers with exactly one of mvi_host_api.call_result or mvi_host_api.call_error, then
 * returns MVI_OK. Returning anything else without having called call_error makes the host answer
 * 500. OWNERSHIP: `arguments` is borrowed for the call. THREADING: called concurrently from any
 * host thread; must not throw or longjmp out. Since 1.0. */
typedef mvi_status (*mvi_plugin_entrypoint_fn)(mvi_plugin_userdata* userdata, mvi_call* call,
                                               mvi_str arguments);

/** Declaration of one entrypoint, passed to mvi_host_api.add_entrypoint. All strings are copied
 *  by the host during that call. `size` must be sizeof(mvi_entrypoint_decl) as the plugin was
 *  built. The host bounds what a service declares (how many entrypoints and parameters, the
 *  length of each name, description and JSON text, how deep JSON nests; the values are in
 *  mvi/limits.hpp) and refuses a declaration past a bound with MVI_INVALID_ARGUMENT.
 *  Since 1.0. */
typedef struct mvi_entrypoint_decl {
    size_t size;
    /** Route segment: lowercase letters, digits, underscores; unique within the service. */
    mvi_str name;
    /** MVI_METHOD_POST (arguments from the JSON body) or MVI_METHOD_GET (from the query). */
    mvi_http_method method;
    /** JSON array of {"name": string, "schema": JSON-schema, "required": bool}, in order. */
    mvi_str arguments;
    /** JSON schema of the value the handler answers with ({} accepts anything). */
    mvi_str result_schema;
    /** Human-readable description for generated docs (may be empty). */
    mvi_str description;
    /** The handler; must stay callable until the library is closed. */
    mvi_plugin_entrypoint_fn handler;
    /** Passed back to `handler` unchanged; owned by the plugin. */
    mvi_plugin_userdata* userdata;
    /** When true, after each successful call the host stores the arguments object and the
     *  result as monitoring values `<name>_request` and `<name>_response`. Since 1.1. */
    bool monitor;
    /** Seconds a call may run before its caller is answered 504 and the call is counted as
     *  stuck; 0 takes the host's default (`services.call_timeout_seconds`). Must be finite and
     *  not negative. Read only from a plugin that reports ABI 1.2 or later. Since 1.2. */
    double timeout_seconds;
    /** When true, a call that sends a key which is not a declared argument is refused with 422
     *  (detail item: loc ["body", key], "extra fields not permitted", type
     *  "value_error.extra"). When false, such keys are ignored: the handler receives only the
     *  declared arguments, and a mirrored copy to a shadow still carries the call as it was
     *  sent. Read only from a plugin that reports ABI 1.3 or later; older plugins get false.
     *  Since 1.3. */
    bool strict_arguments;
} mvi_entrypoint_decl;

/** Declaration of one runtime parameter, passed to mvi_host_api.add_parameter. All strings are
 *  copied by the host during that call; the bounds of mvi_entrypoint_decl apply. Since 1.0. */
typedef struct mvi_parameter_decl {
    size_t size;
    /** Parameter name: lowercase letters, digits, underscores; unique within the service. */
    mvi_str name;
    /** JSON text of the initial value; must match `schema`. */
    mvi_str initial_value;
    /** JSON schema every value must match ({} accepts anything). */
    mvi_str schema;
    /** When false the parameter is readable over HTTP but cannot be set there (405). */
    bool exposed;
    /** When true, the host stores every value the parameter takes (the initial one included) as
     *  a monitoring value named after the parameter. Since 1.1. */
    bool monitor;
} mvi_parameter_decl;

/** A notification raised by a service, passed to mvi_host_api.notify. Since 1.0. */
typedef struct mvi_notification {
    size_t size;
    mvi_severity severity;
    /** The message shown to operators. */
    mvi_str message;
    /** JSON array of e-mail addresses to tell (may be empty: no e-mail). */
    mvi_str emails;
    /** Seconds during which a repeat of the same notification sends no e-mail again. */
    double timer_seconds;
} mvi_notification;

/** A periodic task, run by the host's scheduler. Returns MVI_OK, or another status after it
 *  logged why it failed; either way the schedule goes on. THREADING: called on a scheduler
 *  thread, never twice at once for one timer; must not throw or longjmp out. Since 1.1. */
typedef mvi_status (*mvi_plugin_timer_fn)(mvi_plugin_userdata* userdata);

/** Declaration of a periodic task, passed to mvi_host_api.call_every. Strings are copied by the
 *  host during that call. Since 1.1. */
typedef struct mvi_timer_decl {
    size_t size;
    /** Shown in log lines and notifications about this timer (may be empty); no longer than a
     *  name may be (mvi/limits.hpp). */
    mvi_str name;
    /** Seconds from the start of one run to the start of the next; finite and greater than 0. */
    double interval_seconds;
    /** When true the first run starts one interval after the version is ready; otherwise as
     *  soon as it is ready. */
    bool wait_first;
    /** The task; must stay callable until the library is closed. */
    mvi_plugin_timer_fn callback;
    /** Passed back to `callback` unchanged; owned by the plugin. */
    mvi_plugin_userdata* userdata;
} mvi_timer_decl;

/** The on-stop hook of a version, registered with mvi_host_api.set_on_stop. The host calls it
 *  once, after the version was taken out of service and has drained (no entrypoint call, timer
 *  run or mirrored copy is running and none will start) and before the library is closed, also
 *  when registration failed after the hook was set and when the host shuts down. The hook ends
 *  the threads the plugin started and releases what it holds; it should return promptly (the
 *  host then waits up to `plugins.stop_timeout_seconds` for the plugin's threads to end).
 *  Returns MVI_OK, or another status after it logged why it failed (the host logs the failure
 *  too and goes on). The host API stays usable during the call (log, notify, parameters).
 *  THREADING: called on a host thread while no handler, timer or mirrored copy of this version
 *  runs (only the plugin's own threads may); must not throw or longjmp out. Since 1.2. */
typedef mvi_status (*mvi_plugin_stop_fn)(mvi_plugin_userdata* userdata);

/** A call to another service (or this one) through the host, passed to
 *  mvi_host_api.call_service. Strings are borrowed for that call. Since 1.1. */
typedef struct mvi_service_call {
    size_t size;
    /** The service's name. */
    mvi_str service;
    /** A version of it; empty: the main version answers and each shadow gets a mirrored copy,
     *  exactly as for `POST /services/<name>/<entrypoint>`. */
    mvi_str version;
    /** The entrypoint to call. */
    mvi_str entrypoint;
    /** JSON object text with one key per argument; empty means {}. */
    mvi_str arguments;
} mvi_service_call;

/** A header or a named value: both borrowed. Since 1.5. */
typedef struct mvi_field {
    mvi_str name;
    mvi_str value;
} mvi_field;

/** One request to a route of the service, handed to its handler. Everything is borrowed for the
 *  handler call (copy what must outlive it). Since 1.5. */
typedef struct mvi_route_request {
    size_t size;
    /** The method it was called with (one the route declares). */
    mvi_http_method method;
    /** The path below the service, percent-decoded, with a leading `/` and no empty segments
     *  (`/images/7` for `/services/<svc>/images/7`). */
    mvi_str path;
    /** The values of the route's `{name}` segments, in the order they appear in its path. */
    const mvi_field* path_parameters;
    size_t path_parameter_count;
    /** The raw query string, without `?` (may be empty; still percent-encoded). */
    mvi_str query;
    /** The request's headers as sent (names in the case the client used), in order. */
    const mvi_field* headers;
    size_t header_count;
    /** The request body's bytes (any content, not necessarily text; empty for none). */
    mvi_str body;
} mvi_route_request;

/** A route handler. It answers with exactly one of mvi_host_api.route_answer or
 *  mvi_host_api.call_error (a JSON error body), then returns MVI_OK; returning anything else
 *  without an answer makes the host answer 500. THREADING: called concurrently from any host
 *  thread; must not throw or longjmp out. Since 1.5. */
typedef mvi_status (*mvi_plugin_route_fn)(mvi_plugin_userdata* userdata, mvi_call* call,
                                          const mvi_route_request* request);

/** Declaration of one route of the service, passed to mvi_host_api.add_route: the service
 *  answers `METHOD /services/<svc><path>` itself, with any status, headers and body. Strings are
 *  copied by the host during that call. Since 1.5. */
typedef struct mvi_route_decl {
    size_t size;
    /** MVI_METHOD_GET, _POST, _PUT or _DELETE. */
    mvi_http_method method;
    /** `/segment/...`: literal segments (letters, digits, `-`, `_`, `.`; not `.` or `..`) and
     *  `{name}` parameters (a name as for entrypoints), at most 16 segments. The first segment is
     *  literal and none of the host's own (`docs`, `openapi.json`, `static`, or starting with
     *  `~`); a one-segment path must not be an entrypoint's name. */
    mvi_str path;
    /** Human-readable description for generated docs (may be empty). */
    mvi_str description;
    /** The content type the route answers with, for the docs (may be empty). */
    mvi_str content_type;
    /** The handler; must stay callable until the library is closed. */
    mvi_plugin_route_fn handler;
    /** Passed back to `handler` unchanged; owned by the plugin. */
    mvi_plugin_userdata* userdata;
    /** Seconds a call may run (as for entrypoints); 0 takes the host's default. */
    double timeout_seconds;
} mvi_route_decl;

/** A streamed answer of a route call (mvi_host_api.route_stream): its bytes go to the client as
 *  the plugin writes them, from any thread, long after the handler returned. OWNERSHIP: the
 *  host's; the plugin holds the handle from route_stream until it passes it to stream_close
 *  (once). LIFETIME: valid until stream_close, or until the library is closed. Since 1.6. */
typedef struct mvi_stream mvi_stream;

/** The functions the host implements, handed to mvi_plugin_register. OWNERSHIP: the host's.
 *  LIFETIME: until the library is closed; a plugin may keep the pointer in a global.
 *  The table only grows at the end: check `size` before using a field added after 1.0.
 *  Since 1.0. */
typedef struct mvi_host_api {
    /** sizeof(mvi_host_api) as the host was built. */
    size_t size;

    /* ---- registration: only during mvi_plugin_register, on its thread ---- */

    /** Declares an entrypoint. Returns MVI_ALREADY_EXISTS for a duplicate name,
     *  MVI_INVALID_ARGUMENT for a bad name, bad JSON, a NULL handler or a declaration past the
     *  host's bounds (mvi/limits.hpp), MVI_BAD_STATE outside registration. The host copies every
     *  string of `decl`. Since 1.0. */
    mvi_status (*add_entrypoint)(mvi_registrar* registrar, const mvi_entrypoint_decl* decl);

    /** Declares a parameter. Same status codes as add_entrypoint, plus MVI_TYPE_MISMATCH when the
     *  initial value does not match the schema. Since 1.0. */
    mvi_status (*add_parameter)(mvi_registrar* registrar, const mvi_parameter_decl* decl);

    /** Records why registration failed; the host shows it as the version's error. Call before
     *  returning a non-OK status from mvi_plugin_register. Since 1.0. */
    void (*registration_error)(mvi_registrar* registrar, mvi_str message);

    /* ---- answering a call: only inside an entrypoint handler, on its thread ---- */

    /** Sets the handler's answer: `json` is the JSON text of the result, copied by the host.
     *  Returns MVI_INVALID_ARGUMENT when `json` is not valid JSON, MVI_BAD_STATE when an answer
     *  was already given. Since 1.0. */
    mvi_status (*call_result)(mvi_call* call, mvi_str json);

    /** Answers with an HTTP error: `http_status` in 400..599 and `detail` as JSON text (the
     *  `detail` of the error body; a JSON string for a plain message). Copied by the host.
     *  Returns MVI_INVALID_ARGUMENT for a status out of range or bad JSON (the host then answers
     *  500), MVI_BAD_STATE when an answer was already given. Since 1.0. */
    mvi_status (*call_error)(mvi_call* call, int32_t http_status, mvi_str detail);

    /* ---- services of the host: any thread, any time after registration ---- */

    /** Writes a line to this version's log. Never fails. Since 1.0. */
    void (*log)(mvi_host* host, mvi_log_level level, mvi_str message);

    /** Raises a notification for this version. Repeats of the same (message, severity) are
     *  stacked by the host with a counter. Returns MVI_INVALID_ARGUMENT for a bad severity or
     *  emails list. Since 1.0. */
    mvi_status (*notify)(mvi_host* host, const mvi_notification* notification);

    /** Reads a parameter's current value as JSON text, handed to `receive` (called once, on this
     *  thread, before get_parameter returns). Returns MVI_NOT_FOUND for an unknown name.
     *  Since 1.0. */
    mvi_status (*get_parameter)(mvi_host* host, mvi_str name, mvi_plugin_receive_fn receive,
                                mvi_plugin_buffer* buffer);

    /** Sets a parameter from JSON text (copied). Returns MVI_NOT_FOUND for an unknown name,
     *  MVI_INVALID_ARGUMENT for bad JSON, MVI_TYPE_MISMATCH when the value does not match the
     *  parameter's schema. Since 1.0. */
    mvi_status (*set_parameter)(mvi_host* host, mvi_str name, mvi_str value);

    /* ---- added in 1.1: any thread, any time after registration unless said otherwise ---- */

    /** Stores monitoring values. `values` is a JSON object text {"variable": value, ...}:
     *  numbers are stored as numbers, strings as text, any other JSON value as its JSON text; all
     *  values of one call share one timestamp. Variable names follow the entrypoint name rules.
     *  A background writer of the host commits them, several calls together: with the host's
     *  durable setting (its default) store returns once they are committed, with its queued
     *  setting as soon as they are queued. Returns MVI_INVALID_ARGUMENT for text that is not a
     *  JSON object, an empty object or a bad variable name, MVI_BUSY when the queue is full
     *  (queued setting; nothing of this call is stored), and MVI_ERROR when they could not be
     *  written (durable setting, e.g. a full disk). Since 1.1. */
    mvi_status (*store)(mvi_host* host, mvi_str values);

    /** Runs `timer->callback` every `timer->interval_seconds` on the host's scheduler, from the
     *  moment this version is ready until it is taken out of service; a run that is still going
     *  then finishes before the library is closed. A run longer than the interval is logged as a
     *  warning and raises a Warning notification, and the next run starts right away. Callable
     *  during registration too. Returns MVI_INVALID_ARGUMENT for a NULL timer or callback, a name
     *  longer than a name may be, or an interval that is not a finite number greater than 0.
     *  Since 1.1. */
    mvi_status (*call_every)(mvi_host* host, const mvi_timer_decl* timer);

    /** Calls an entrypoint of a service loaded in this host, in process, through the same
     *  routing as HTTP (validation, mirroring, version choice), and waits for its answer.
     *  `*http_status` receives the answer's status: 200 with the result, or an error status
     *  (404 unknown service, version or entrypoint, 422 invalid arguments, 500 the callee
     *  failed, 503 not loaded, 508 the chain of calls is deeper than the host allows) with the
     *  detail. `receive` gets the JSON text of the result or of the detail, once, before
     *  call_service returns. Returns MVI_OK when an answer was produced, whatever its status;
     *  MVI_INVALID_ARGUMENT for a NULL or malformed request (then `receive` is not called).
     *  THREADING: any thread, including inside an entrypoint handler or a timer. Since 1.1. */
    mvi_status (*call_service)(mvi_host* host, const mvi_service_call* request,
                               int32_t* http_status, mvi_plugin_receive_fn receive,
                               mvi_plugin_buffer* buffer);

    /* ---- added in 1.2 ---- */

    /** Sets the on-stop hook of this version (see mvi_plugin_stop_fn): `hook` is called with
     *  `userdata` once the version has drained, before its library is closed. A later call
     *  replaces the hook; a NULL `hook` removes it. OWNERSHIP: `userdata` stays the plugin's.
     *  LIFETIME: both must stay valid until the hook ran (until the library is closed).
     *  THREADING: any thread, during registration or later. Returns MVI_OK, or MVI_BAD_STATE
     *  when the version is already stopping. Since 1.2. */
    mvi_status (*set_on_stop)(mvi_host* host, mvi_plugin_stop_fn hook,
                              mvi_plugin_userdata* userdata);

    /* ---- added in 1.4 ---- */

    /** Reads environment variable `name` of this version: the environment its deployer gave it
     *  (`mvi deploy -e NAME=VALUE`, the `environment` of an upload's `run_args`), fixed for the
     *  version's life and kept across host restarts. It is not the host process's environment,
     *  which a service must not read or change (getenv, setenv): every version of every
     *  service shares that process. The value (UTF-8 text, no NUL) is handed to `receive`
     *  (called once, on this thread, before get_env returns). Returns MVI_OK, MVI_NOT_FOUND
     *  when the version has no variable `name`, MVI_INVALID_ARGUMENT for a NULL `receive`.
     *  OWNERSHIP: `name` is borrowed for the call; the value is the host's and borrowed by
     *  `receive` only, which copies it. LIFETIME: the version's environment does not change
     *  while it is loaded, so a value read once may be kept. THREADING: any thread, during
     *  mvi_plugin_register too (a service configures itself while it registers). Since 1.4. */
    mvi_status (*get_env)(mvi_host* host, mvi_str name, mvi_plugin_receive_fn receive,
                          mvi_plugin_buffer* buffer);

    /* ---- added in 1.5 ---- */

    /** Declares a route (see mvi_route_decl). Returns MVI_ALREADY_EXISTS for a method and path
     *  declared already (paths differing only in parameter names are the same path) or a path
     *  that is an entrypoint's, MVI_INVALID_ARGUMENT for a bad path, method or deadline, a NULL
     *  handler or a declaration past the host's bounds, MVI_BAD_STATE outside registration. An
     *  entrypoint declared later whose name is a one-segment route's path is refused the same
     *  way. Only during mvi_plugin_register, on its thread. Since 1.5. */
    mvi_status (*add_route)(mvi_registrar* registrar, const mvi_route_decl* decl);

    /** Answers a route call: `http_status` in 200..599, `headers` (may be NULL when
     *  `header_count` is 0) and the body's bytes, all copied by the host. Header names are HTTP
     *  tokens and values hold no control character but tab; `Content-Length`,
     *  `Transfer-Encoding` and `Connection` are the host's. Without a `Content-Type` header the
     *  answer has `application/octet-stream`. Returns MVI_INVALID_ARGUMENT for a status out of
     *  range or a malformed header (the host then answers 500 and says why in the version's
     *  log), MVI_BAD_STATE when an answer was already given. Only inside a route handler, on
     *  its thread. Since 1.5. */
    mvi_status (*route_answer)(mvi_call* call, int32_t http_status, const mvi_field* headers,
                               size_t header_count, mvi_str body);

    /* ---- added in 1.6 ---- */

    /** Answers a route call with a stream: `http_status` (200..599) and `headers` go out now,
     *  checked and copied as for route_answer, and the body follows as the plugin writes it
     *  with stream_write (chunked; the connection closes after it). `*stream` receives the
     *  handle, which the plugin keeps (a list of subscribers, say) and writes from any thread
     *  after the handler returned: the stream holds no host thread while nothing is written.
     *  Server-sent events are such a stream with `Content-Type: text/event-stream`, written
     *  one event at a time. Returns MVI_OK, MVI_INVALID_ARGUMENT for a NULL `stream`, a status
     *  out of range or a malformed header (the host then answers 500), MVI_BAD_STATE when an
     *  answer was already given. Only inside a route handler, on its thread. Since 1.6. */
    mvi_status (*route_stream)(mvi_call* call, int32_t http_status, const mvi_field* headers,
                               size_t header_count, mvi_stream** stream);

    /** Queues `bytes` (copied) for the client of `stream`. Never waits: a stream holds a
     *  bounded buffer (the host's `http.stream_buffer_bytes`), and a client that reads slower
     *  than the plugin writes gets MVI_BUSY (nothing of this write was queued: drop it, or
     *  retry later). Returns MVI_OK when queued, MVI_BUSY as said, MVI_BAD_STATE when the
     *  stream is over (the client left, the host stops, the version is being unloaded, or the
     *  call was a mirrored copy for a shadow, which has no client): stop writing and close it.
     *  MVI_INVALID_ARGUMENT for a NULL stream or a write larger than the whole buffer.
     *  THREADING: any thread, one write at a time per stream. Since 1.6. */
    mvi_status (*stream_write)(mvi_stream* stream, mvi_str bytes);

    /** Ends `stream`: what was queued still reaches the client, then the answer ends. Releases
     *  the handle (exactly once per stream; it must not be used after). THREADING: any thread.
     *  Since 1.6. */
    void (*stream_close)(mvi_stream* stream);
} mvi_host_api;

/* ---- the symbols a plugin exports (and nothing else) ---- */

/** Returns MVI_ABI_VERSION_PACK(MVI_ABI_VERSION_MAJOR, MVI_ABI_VERSION_MINOR) as the plugin was
 *  built. The host calls it first, before anything else, and refuses the plugin when the major
 *  differs or the minor is newer than its own. THREADING: any thread; must not fail. Since 1.0. */
typedef uint32_t (*mvi_plugin_abi_version_fn)(void);
#define MVI_PLUGIN_ABI_VERSION_SYMBOL "mvi_plugin_abi_version"

/** Called once per loaded library, after the ABI check. The plugin declares its entrypoints and
 *  parameters through `api` and `registrar`, and may keep `api` and `host` for later calls.
 *  Returns MVI_OK, or an error status after calling api->registration_error; the host then
 *  refuses the version and closes the library. OWNERSHIP: all three pointers are the host's.
 *  LIFETIME: `registrar` during this call only; `api` and `host` until the library is closed.
 *  THREADING: one call, on one host thread; no handler runs before it returns. Since 1.0. */
typedef mvi_status (*mvi_plugin_register_fn)(const mvi_host_api* api, mvi_host* host,
                                             mvi_registrar* registrar);
#define MVI_PLUGIN_REGISTER_SYMBOL "mvi_plugin_register"

#if defined(_WIN32)
#define MVI_PLUGIN_EXPORT __declspec(dllexport)
#else
#define MVI_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MVI_PLUGIN_H */
