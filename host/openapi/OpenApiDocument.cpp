#include "openapi/OpenApiDocument.h"

#include <Poco/String.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "deploy/VersionAssets.h"

namespace mvi::host {
namespace {

using nlohmann::json;

json ref(const std::string& component) {
    return {{"$ref", "#/components/schemas/" + component}};
}

json jsonContent(json schema) {
    return {{"application/json", {{"schema", std::move(schema)}}}};
}

json errorResponse(const std::string& description, const std::string& component = "Error") {
    return {{"description", description}, {"content", jsonContent(ref(component))}};
}

// The schemas every document shares: the host's error answers.
json components() {
    json locItem = {{"anyOf", json::array({{{"type", "string"}}, {{"type", "integer"}}})}};
    json validationItem = {{"type", "object"},
                           {"properties",
                            {{"loc", {{"type", "array"}, {"items", locItem}}},
                             {"msg", {{"type", "string"}}},
                             {"type", {{"type", "string"}}}}},
                           {"required", json::array({"loc", "msg", "type"})}};
    return {
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"description", "An error answer: `detail` says what went wrong."},
            {"properties", {{"detail", json::object()}}},
            {"required", json::array({"detail"})}}},
          {"ValidationError",
           {{"type", "object"},
            {"description",
             "Malformed JSON, or a missing, unexpected or wrongly typed value: one item per "
             "problem, located by `loc`."},
            {"properties",
             {{"detail",
               {{"anyOf", json::array({{{"type", "array"}, {"items", validationItem}},
                                       {{"type", "string"}}})}}}}},
            {"required", json::array({"detail"})}}}}},
    };
}

// Answers every call may get from the host besides the declared result (`strict`: undeclared
// arguments are refused).
json callErrors(bool strict) {
    return {
        {"404", errorResponse("Unknown service, version or entrypoint.")},
        {"422", errorResponse(strict ? "Malformed JSON, or a missing, undeclared or wrongly typed "
                                       "argument."
                                     : "Malformed JSON, or a missing or wrongly typed argument "
                                       "(undeclared ones are ignored).",
                              "ValidationError")},
        {"500", errorResponse("The service failed while answering (the message is the detail).")},
        {"503", errorResponse("The service has no loaded version to answer.")},
        {"default", errorResponse("An error status the service chose, with its own detail.")},
    };
}

bool isString(const json& schema) {
    return schema.is_object() && schema.value("type", json()) == "string";
}

json entrypointOperation(const Entrypoint& entrypoint) {
    json operation = {
        {"operationId", entrypoint.name},
        {"tags", json::array({"entrypoints"})},
        {"summary", entrypoint.description.empty() ? entrypoint.name : entrypoint.description},
    };
    if (!entrypoint.description.empty()) {
        operation["description"] = entrypoint.description;
    }
    json responses = callErrors(entrypoint.strictArguments);
    responses["200"] = {{"description", "The result."},
                        {"content", jsonContent(entrypoint.resultSchema)}};
    operation["responses"] = std::move(responses);
    const json& arguments = entrypoint.arguments.is_array() ? entrypoint.arguments : json::array();
    if (entrypoint.method == MVI_METHOD_GET) {
        // Query values are read as JSON, except for string arguments, which take the text.
        json parameters = json::array();
        for (const json& argument : arguments) {
            json schema = argument.value("schema", json::object());
            json parameter = {{"name", argument.value("name", "")},
                              {"in", "query"},
                              {"required", argument.value("required", true)}};
            if (isString(schema)) {
                parameter["schema"] = std::move(schema);
            } else {
                parameter["description"] = "A JSON value.";
                parameter["content"] = jsonContent(std::move(schema));
            }
            parameters.push_back(std::move(parameter));
        }
        operation["parameters"] = std::move(parameters);
        return operation;
    }
    json properties = json::object();
    json required = json::array();
    for (const json& argument : arguments) {
        std::string name = argument.value("name", "");
        properties[name] = argument.value("schema", json::object());
        if (argument.value("required", true)) {
            required.push_back(name);
        }
    }
    // A strict entrypoint refuses keys it does not declare (422); any other ignores them.
    json body = {{"type", "object"},
                 {"title", fmt::format("{} arguments", entrypoint.name)},
                 {"properties", std::move(properties)},
                 {"additionalProperties", !entrypoint.strictArguments}};
    if (!required.empty()) {
        body["required"] = required;
    }
    operation["requestBody"] = {{"required", !required.empty()}, {"content", jsonContent(body)}};
    return operation;
}

json monitorQueryParameters(const std::string& variablesHint) {
    return json::array({
        {{"name", "start"},
         {"in", "query"},
         {"required", false},
         {"description", "Earliest time to return, inclusive (ISO 8601; UTC without an offset)."},
         {"schema", {{"type", "string"}, {"format", "date-time"}}}},
        {{"name", "end"},
         {"in", "query"},
         {"required", false},
         {"description",
          "Latest time to return, inclusive (ISO 8601; UTC without an offset); not before "
          "`start`."},
         {"schema", {{"type", "string"}, {"format", "date-time"}}}},
        {{"name", "variables"},
         {"in", "query"},
         {"required", false},
         {"description",
          "Comma-separated variable names; all variables when omitted." + variablesHint},
         {"schema", {{"type", "string"}}}},
    });
}

json monitorOperation(const std::string& operationId, const std::string& summary,
                      const std::string& variablesHint, json okResponse) {
    return {{"get",
             {{"operationId", operationId},
              {"tags", json::array({"monitoring"})},
              {"summary", summary},
              {"description",
               "Values stored by the service (`store`, monitored entrypoints and parameters). By "
               "name: the rows of every version of the name; by `<name>_<version>`: that "
               "version's rows. Stored data is kept after a version is unloaded."},
              {"parameters", monitorQueryParameters(variablesHint)},
              {"responses",
               {{"200", std::move(okResponse)},
                {"404", errorResponse("The service has neither monitoring data nor a version.")},
                {"412", errorResponse("A requested variable is unknown (the detail names it).")},
                {"422", errorResponse("A malformed date, or `start` after `end`.")}}}}}};
}

void addParameterPaths(json& paths, const ServiceVersion& version, const std::string& base) {
    const ParameterSet& parameterSet = version.parameters();
    json allProperties = json::object();
    for (const std::string& name : parameterSet.names()) {
        auto declared = parameterSet.describe(name);
        if (!declared) {
            continue;
        }
        allProperties[name] = declared->schema;
        json path = json::object();
        path["get"] = {
            {"operationId", "~parameters." + name + ".get"},
            {"tags", json::array({"parameters"})},
            {"summary", fmt::format("Current value of parameter {}", name)},
            {"responses",
             {{"200", {{"description", "The value."}, {"content", jsonContent(declared->schema)}}},
              {"404", errorResponse("Unknown service or parameter.")}}}};
        if (declared->exposed) {
            json body = {{"type", "object"},
                         {"properties", {{"value", declared->schema}}},
                         {"required", json::array({"value"})},
                         {"additionalProperties", false}};
            path["post"] = {
                {"operationId", "~parameters." + name + ".post"},
                {"tags", json::array({"parameters"})},
                {"summary", fmt::format("Set parameter {}", name)},
                {"description",
                 "Sets the value (by name: on the main version and every shadow); the value is "
                 "kept across restarts."},
                {"requestBody", {{"required", true}, {"content", jsonContent(body)}}},
                {"responses",
                 {{"200",
                   {{"description", "Set."},
                    {"content", jsonContent({{"type", "string"}, {"const", "OK"}})}}},
                  {"404", errorResponse("Unknown service or parameter.")},
                  {"422", errorResponse("Malformed JSON, no `value`, or a value of the wrong type.",
                                        "ValidationError")}}}};
        }
        paths[base + "/~parameters/" + name] = std::move(path);
    }
    paths[base + "/~parameters"] = {
        {"get",
         {{"operationId", "~parameters.get"},
          {"tags", json::array({"parameters"})},
          {"summary", "All parameters and their values"},
          {"responses",
           {{"200",
             {{"description", "An object: parameter name -> value."},
              {"content", jsonContent({{"type", "object"}, {"properties", allProperties}})}}},
            {"404", errorResponse("Unknown service.")}}}}}};
}

// The operation of a version's static files (GET /services/<svc>/static/{path}): a file of its
// `assets/` folder with the answers StaticFilesHandler gives.
json staticOperation() {
    json binary = {{"schema", {{"type", "string"}, {"format", "binary"}}}};
    json path = {{"name", "path"},
                 {"in", "path"},
                 {"required", true},
                 {"description",
                  "The file's path below the version's `assets/` folder; it may hold `/` "
                  "(`css/site.css`), sent as it is: the host refuses an encoded `%2F`."},
                 {"schema", {{"type", "string"}}}};
    json range = {{"name", "Range"},
                  {"in", "header"},
                  {"required", false},
                  {"description", "One byte range (`bytes=0-99`, `bytes=100-`, `bytes=-100`)."},
                  {"schema", {{"type", "string"}}}};
    json ifNoneMatch = {
        {"name", "If-None-Match"},
        {"in", "header"},
        {"required", false},
        {"description", "The `ETag` of a copy already held: 304 while it is the same."},
        {"schema", {{"type", "string"}}}};
    return {
        {"operationId", "static.get"},
        {"tags", json::array({"static"})},
        {"summary", "A static file of the version"},
        {"description",
         "A file the version ships in `assets/` (`<name>_<version>/assets/` next to its `.so`), "
         "with `Content-Type` from its extension, a strong `ETag`, `Last-Modified` and "
         "`Cache-Control: no-cache`. HEAD answers the same headers without the body."},
        {"parameters", json::array({path, range, ifNoneMatch})},
        {"responses",
         {{"200", {{"description", "The file."}, {"content", {{"*/*", binary}}}}},
          {"206",
           {{"description", "The requested range of the file, located by `Content-Range`."},
            {"content", {{"*/*", binary}}}}},
          {"304",
           {{"description",
             "Not modified: the copy named by `If-None-Match` or "
             "`If-Modified-Since` is current."}}},
          {"404", errorResponse("No such file, a path that is not allowed (`..`, an encoded "
                                "slash, a link leading out), or an unknown service.")},
          {"416", errorResponse("The range starts past the end of the file.")}}},
    };
}

}  // namespace

/// The operation of a service's own route: its path parameters, any body, its declared answer.
json routeOperation(const ServiceRoute& route) {
    const auto& declared = route.declaration;
    json operation = {
        {"operationId", route.describe()},
        {"tags", json::array({"routes"})},
        {"summary", declared.description.empty() ? route.describe() : declared.description},
    };
    json parameters = json::array();
    for (const auto& segment : declared.segments) {
        if (segment.parameter) {
            parameters.push_back({{"name", segment.text},
                                  {"in", "path"},
                                  {"required", true},
                                  {"schema", {{"type", "string"}}}});
        }
    }
    if (!parameters.empty()) {
        operation["parameters"] = std::move(parameters);
    }
    if (declared.method == MVI_METHOD_POST || declared.method == MVI_METHOD_PUT) {
        operation["requestBody"] = {
            {"content", {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
    }
    const std::string type = declared.content_type.empty() ? "*/*" : declared.content_type;
    operation["responses"] = {
        {"default",
         {{"description", "The service's own answer."},
          {"content", {{type, {{"schema", {{"type", "string"}}}}}}}}},
        {"404", errorResponse("No route with this path.")},
        {"405", errorResponse("The path has no route with this method.")},
        {"413", errorResponse("The body is larger than the host accepts.")},
        {"500", errorResponse("The service failed or answered what HTTP cannot carry.")}};
    return operation;
}

json OpenApiDocument::build(const ServiceVersion& version, const std::string& svc, bool byName) {
    const ServiceId& id = version.id();
    std::string base = "/services/" + svc;
    json paths = json::object();
    for (const auto& [name, entrypoint] : version.entrypoints()) {
        std::string method = entrypoint.method == MVI_METHOD_GET ? "get" : "post";
        paths[base + "/" + name] = {{method, entrypointOperation(entrypoint)}};
    }
    for (const ServiceRoute& route : version.routes()) {
        paths[base + route.declaration.path][Poco::toLower(std::string(route.method()))] =
            routeOperation(route);
    }
    const bool hasStatic =
        VersionAssets::exists(VersionAssets::besidePlugin(version.artifact().sourcePath));
    if (hasStatic) {
        paths[base + "/static/{path}"] = {{"get", staticOperation()}};
    }
    addParameterPaths(paths, version, base);
    // The variables this version stores by declaration; `store` may add any others.
    std::vector<std::string> declared;
    for (const auto& [name, entrypoint] : version.entrypoints()) {
        if (entrypoint.monitor) {
            declared.push_back("`" + name + "_request`");
            declared.push_back("`" + name + "_response`");
        }
    }
    for (const std::string& name : version.parameters().names()) {
        auto parameter = version.parameters().describe(name);
        if (parameter && parameter->monitor) {
            declared.push_back("`" + name + "`");
        }
    }
    std::string hint;
    if (!declared.empty()) {
        hint = " Monitored by declaration: ";
        for (std::size_t i = 0; i < declared.size(); ++i) {
            hint += (i == 0 ? "" : ", ") + declared[i];
        }
        hint += "; the service may store others.";
    }
    json series = {
        {"type", "object"},
        {"properties",
         {{"timestamp",
           {{"type", "array"}, {"items", {{"type", "string"}, {"format", "date-time"}}}}},
          {"value", {{"type", "array"}, {"items", json::object()}}}}}};
    paths[base + "/~monitor"] = monitorOperation(
        "~monitor.get", "Stored monitoring values", hint,
        {{"description", "An object: variable name -> its time series."},
         {"content", jsonContent({{"type", "object"}, {"additionalProperties", series}})}});
    paths[base + "/~monitor/csv"] = monitorOperation(
        "~monitor.csv.get", "Stored monitoring values as CSV files", hint,
        {{"description",
          "A zip archive holding one `<variable>.csv` (timestamp,value) per "
          "variable."},
         {"content",
          {{"application/zip", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}});
    paths[base + "/~monitor/db"] = monitorOperation(
        "~monitor.db.get", "Stored monitoring values as an SQLite database", hint,
        {{"description", "An SQLite database file holding this service's monitoring rows."},
         {"content",
          {{"application/vnd.sqlite3",
            {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}});
    std::string description =
        byName ? fmt::format(
                     "Service `{}`: calls by name are answered by its main version, now "
                     "{} (this document), and mirrored to its shadow versions.",
                     id.name, id.version)
               : fmt::format("Version {} of service `{}`, called by version.", id.version, id.name);
    json tags = json::array(
        {{{"name", "entrypoints"}, {"description", "The service's calls."}},
         {{"name", "parameters"}, {"description", "Runtime parameters of the service."}},
         {{"name", "monitoring"}, {"description", "Stored monitoring values."}}});
    if (hasStatic) {
        tags.push_back({{"name", "static"}, {"description", "The static files of the version."}});
    }
    return {
        {"openapi", kOpenApiVersion},
        {"info",
         {{"title", fmt::format("{} {}", id.name, id.version)},
          {"version", id.version},
          {"description", description}}},
        {"tags", std::move(tags)},
        {"paths", std::move(paths)},
        {"components", components()},
    };
}

}  // namespace mvi::host
