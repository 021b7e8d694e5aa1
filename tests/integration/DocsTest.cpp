// The generated API description of each service (GET /services/<svc>/openapi.json) and the page
// that shows it (GET /services/<svc>/docs with the viewer's files under /~docs/). A real host
// process serving real plugins, called over real HTTP.

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "Uploads.h"

namespace mvi::test {
namespace {

using nlohmann::json;

// Resolves a local JSON reference ("#/components/schemas/Error") in `document`.
const json* resolveRef(const json& document, const std::string& reference) {
    if (reference.rfind("#/", 0) != 0) {
        return nullptr;
    }
    try {
        return &document.at(json::json_pointer(reference.substr(1)));
    } catch (const json::exception&) {
        return nullptr;
    }
}

// Collects every problem that makes `document` an unusable OpenAPI 3.1 document: a $ref that does
// not resolve, a path without operations, an operation without responses, a response or body
// content without a schema, a non-unique operationId.
void checkStructure(const json& document, const json& node, const std::string& where,
                    std::vector<std::string>& problems) {
    if (node.is_object()) {
        if (node.contains("$ref")) {
            if (!node["$ref"].is_string() || !resolveRef(document, node["$ref"])) {
                problems.push_back(where + ": $ref " + node["$ref"].dump() + " does not resolve");
            }
        }
        for (const auto& [key, value] : node.items()) {
            checkStructure(document, value, where + "/" + key, problems);
        }
    } else if (node.is_array()) {
        for (std::size_t i = 0; i < node.size(); ++i) {
            checkStructure(document, node[i], where + "/" + std::to_string(i), problems);
        }
    }
}

std::vector<std::string> openApiProblems(const json& document) {
    std::vector<std::string> problems;
    if (document.value("openapi", "").rfind("3.1.", 0) != 0) {
        problems.push_back("openapi is not 3.1.x");
    }
    if (!document.contains("info") || !document["info"].contains("title") ||
        !document["info"].contains("version")) {
        problems.push_back("info needs title and version");
    }
    if (!document.contains("paths") || !document["paths"].is_object() ||
        document["paths"].empty()) {
        problems.push_back("no paths");
        return problems;
    }
    static const std::set<std::string> methods = {"get", "put", "post", "delete", "patch"};
    std::set<std::string> operationIds;
    for (const auto& [path, item] : document["paths"].items()) {
        if (path.empty() || path.front() != '/') {
            problems.push_back(path + ": path does not start with /");
        }
        int operations = 0;
        for (const auto& [method, operation] : item.items()) {
            if (methods.count(method) == 0) {
                continue;
            }
            ++operations;
            std::string where = path + " " + method;
            std::string id = operation.value("operationId", "");
            if (id.empty() || !operationIds.insert(id).second) {
                problems.push_back(where + ": missing or repeated operationId '" + id + "'");
            }
            if (!operation.contains("responses") || operation["responses"].empty()) {
                problems.push_back(where + ": no responses");
                continue;
            }
            for (const auto& [status, answer] : operation["responses"].items()) {
                if (!answer.contains("description")) {
                    problems.push_back(where + " " + status + ": no description");
                }
                json content = answer.value("content", json::object());
                for (const auto& [type, media] : content.items()) {
                    if (!media.contains("schema")) {
                        problems.push_back(where + " " + status + " " + type + ": no schema");
                    }
                }
            }
            if (operation.contains("requestBody")) {
                for (const auto& [type, media] : operation["requestBody"]["content"].items()) {
                    if (!media.contains("schema")) {
                        problems.push_back(where + " body " + type + ": no schema");
                    }
                }
            }
            for (const json& parameter : operation.value("parameters", json::array())) {
                if (!parameter.contains("name") || !parameter.contains("in") ||
                    (parameter.contains("schema") == parameter.contains("content"))) {
                    problems.push_back(where + ": parameter " + parameter.dump() +
                                       " needs name, in and one of schema or content");
                }
            }
        }
        if (operations == 0) {
            problems.push_back(path + ": no operations");
        }
    }
    if (!document.contains("components") || document["components"]["schemas"].empty()) {
        problems.push_back("no component schemas");
    }
    checkStructure(document, document, "#", problems);
    return problems;
}

TEST(Docs, OpenApiDocumentOfHello) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    Response response = host->get("/services/hello/openapi.json");
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_NE(response.header("Content-Type").find("application/json"), std::string::npos);
    json document = response.json();
    EXPECT_EQ(openApiProblems(document), std::vector<std::string>()) << document.dump(2);
    EXPECT_EQ(document["info"]["title"], "hello 1.0.0");
    EXPECT_EQ(document["info"]["version"], "1.0.0");

    const json& hello = document["paths"]["/services/hello/hello"];
    ASSERT_TRUE(hello.contains("post")) << hello.dump(2);
    EXPECT_FALSE(hello.contains("get"));
    const json& body = hello["post"]["requestBody"]["content"]["application/json"]["schema"];
    EXPECT_EQ(body["type"], "object");
    EXPECT_EQ(body["properties"]["name"], json({{"type", "string"}}));
    EXPECT_EQ(body["required"], json({"name"}));
    EXPECT_EQ(hello["post"]["responses"]["200"]["content"]["application/json"]["schema"],
              json({{"type", "string"}}));
    for (const char* status : {"422", "500", "503"}) {
        const json& schema =
            hello["post"]["responses"][status]["content"]["application/json"]["schema"];
        ASSERT_TRUE(schema.contains("$ref")) << status;
        EXPECT_TRUE(resolveRef(document, schema["$ref"])->at("required").dump().find("detail") !=
                    std::string::npos);
    }

    // The parameter: read and (exposed) set, with its schema.
    const json& parameter = document["paths"]["/services/hello/~parameters/greeting_phrase"];
    ASSERT_TRUE(parameter.contains("get"));
    ASSERT_TRUE(parameter.contains("post"));
    EXPECT_EQ(parameter["get"]["responses"]["200"]["content"]["application/json"]["schema"],
              json({{"type", "string"}}));
    EXPECT_EQ(parameter["post"]["requestBody"]["content"]["application/json"]["schema"]
                       ["properties"]["value"],
              json({{"type", "string"}}));
    EXPECT_TRUE(document["paths"].contains("/services/hello/~parameters"));

    // The monitoring routes with their query and their errors.
    for (const char* path : {"/services/hello/~monitor", "/services/hello/~monitor/csv",
                             "/services/hello/~monitor/db"}) {
        ASSERT_TRUE(document["paths"].contains(path)) << path;
        const json& operation = document["paths"][path]["get"];
        std::set<std::string> names;
        for (const json& query : operation["parameters"]) {
            names.insert(query["name"].get<std::string>());
        }
        EXPECT_EQ(names, (std::set<std::string>{"start", "end", "variables"}));
        EXPECT_TRUE(operation["responses"].contains("412"));
        EXPECT_TRUE(operation["responses"].contains("422"));
    }
}

TEST(Docs, OpenApiDocumentByVersionAndErrors) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    Response byVersion = host->get("/services/hello_1.0.0/openapi.json");
    ASSERT_EQ(byVersion.status, 200) << byVersion.body;
    json document = byVersion.json();
    EXPECT_EQ(openApiProblems(document), std::vector<std::string>());
    EXPECT_EQ(document["info"]["title"], "hello 1.0.0");
    EXPECT_TRUE(document["paths"].contains("/services/hello_1.0.0/hello"));
    EXPECT_FALSE(document["paths"].contains("/services/hello/hello"));

    // The document describes what really answers: a call on the documented path works.
    Response call = host->post("/services/hello_1.0.0/hello", {{"name", "docs"}});
    EXPECT_EQ(call.status, 200);

    Response unknown = host->get("/services/nobody/openapi.json");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_TRUE(unknown.json().contains("detail"));
    EXPECT_EQ(host->get("/services/hello_9.9.9/openapi.json").status, 404);
    EXPECT_EQ(request(host->port(), "POST", "/services/hello/openapi.json", "{}").status, 405);
    EXPECT_EQ(host->get("/services/nobody/docs").status, 404);
}

TEST(Docs, OpenApiDocumentOfCalculator) {
    auto host = startHost({{"calculator", "calculator_1.0.0.so"}});
    Response response = host->get("/services/calculator/openapi.json");
    ASSERT_EQ(response.status, 200) << response.body;
    json document = response.json();
    EXPECT_EQ(openApiProblems(document), std::vector<std::string>()) << document.dump(2);
    EXPECT_EQ(document["info"]["title"], "calculator 1.0.0");
    const json& paths = document["paths"];

    // A GET entrypoint takes its arguments as query parameters, each required as declared.
    const json& power = paths["/services/calculator/power"];
    ASSERT_TRUE(power.contains("get")) << power.dump(2);
    EXPECT_FALSE(power["get"].contains("requestBody"));
    std::map<std::string, json> queries;
    for (const json& query : power["get"]["parameters"]) {
        EXPECT_EQ(query["in"], "query");
        queries[query["name"]] = query;
    }
    ASSERT_EQ(queries.size(), 2U);
    EXPECT_EQ(queries["base"]["required"], true);
    EXPECT_EQ(queries["base"]["content"]["application/json"]["schema"]["type"], "number");
    EXPECT_EQ(queries["exponent"]["content"]["application/json"]["schema"]["type"], "integer");
    EXPECT_EQ(power["get"]["description"],
              "`base` to the power `exponent`, with arguments in the query string.");
    ASSERT_TRUE(paths["/services/calculator/constants"].contains("get"));
    EXPECT_EQ(paths["/services/calculator/constants"]["get"]["parameters"], json::array());

    // An optional argument is not required, and its schema says it may be null.
    const json& round = paths["/services/calculator/round"]["post"];
    const json& roundBody = round["requestBody"]["content"]["application/json"]["schema"];
    EXPECT_EQ(roundBody["required"], json({"value"}));
    EXPECT_TRUE(roundBody["properties"]["digits"].dump().find("null") != std::string::npos);
    EXPECT_EQ(round["description"], "Rounds a number to `digits` decimals (0 when omitted).");

    // Structs as argument and result keep their properties.
    const json& scale = paths["/services/calculator/scale"]["post"];
    const json& point =
        scale["requestBody"]["content"]["application/json"]["schema"]["properties"]["point"];
    EXPECT_EQ(point["type"], "object");
    EXPECT_TRUE(point["properties"].contains("x"));
    EXPECT_TRUE(point["properties"].contains("label"));
    const json& stats = paths["/services/calculator/stats"]["post"]["responses"]["200"]["content"]
                             ["application/json"]["schema"];
    EXPECT_TRUE(stats["properties"].contains("mean"));
    EXPECT_EQ(paths["/services/calculator/~parameters/max_values"]["get"]["responses"]["200"]
                   ["content"]["application/json"]["schema"]["type"],
              "integer");

    // The query parameters work as documented.
    Response powered = host->get("/services/calculator/power?base=2&exponent=10");
    ASSERT_EQ(powered.status, 200) << powered.body;
    EXPECT_EQ(powered.json(), 1024.0);
}

// The values of every src= and href= attribute of a page.
std::vector<std::string> referencedUrls(const std::string& page) {
    std::vector<std::string> urls;
    std::regex attribute(R"re((?:src|href)\s*=\s*"([^"]*)")re");
    for (std::sregex_iterator it(page.begin(), page.end(), attribute), end; it != end; ++it) {
        urls.push_back((*it)[1].str());
    }
    return urls;
}

TEST(Docs, DocsPageLoadsTheViewerFromTheHostOnly) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}});
    Response page = host->get("/services/hello/docs");
    ASSERT_EQ(page.status, 200)
        << page.body << " (the viewer's files come from tools/setup/fetch-web-assets.sh)";
    EXPECT_NE(page.header("Content-Type").find("text/html"), std::string::npos);
    EXPECT_NE(page.body.find("\"/services/hello/openapi.json\""), std::string::npos);
    EXPECT_NE(page.body.find("hello 1.0.0"), std::string::npos);
    EXPECT_EQ(page.body.find("http://"), std::string::npos);
    EXPECT_EQ(page.body.find("https://"), std::string::npos);

    auto urls = referencedUrls(page.body);
    ASSERT_GE(urls.size(), 2U);
    std::set<std::string> types;
    for (const std::string& url : urls) {
        ASSERT_EQ(url.rfind("/", 0), 0U) << url << " is not a path on the host";
        ASSERT_NE(url.rfind("//", 0), 0U) << url << " points at another host";
        Response asset = host->get(url);
        ASSERT_EQ(asset.status, 200) << url << ": " << asset.body;
        EXPECT_FALSE(asset.body.empty()) << url;
        std::string type = asset.header("Content-Type");
        types.insert(type.substr(0, type.find(';')));
        if (url.size() > 4 && url.substr(url.size() - 4) == ".css") {
            EXPECT_EQ(type.rfind("text/css", 0), 0U) << url;
        } else if (url.size() > 3 && url.substr(url.size() - 3) == ".js") {
            EXPECT_EQ(type.rfind("text/javascript", 0), 0U) << url;
            EXPECT_NE(asset.body.find("SwaggerUIBundle"), std::string::npos);
        } else if (url.size() > 4 && url.substr(url.size() - 4) == ".png") {
            EXPECT_EQ(type, "image/png") << url;
        }
    }
    EXPECT_TRUE(types.count("text/css") == 1 && types.count("text/javascript") == 1);

    // By version too; files that are not the viewer's are not served.
    EXPECT_EQ(host->get("/services/hello_1.0.0/docs").status, 200);
    EXPECT_EQ(host->get("/~docs/no-such-file.js").status, 404);
    EXPECT_EQ(host->get("/~docs/.fetched").status, 404);
    EXPECT_EQ(host->get("/~docs/..%2F..%2Fhost%2Fmvi-host").status, 404);
    EXPECT_EQ(request(host->port(), "POST", "/~docs/swagger-ui.css", "{}").status, 405);
}

TEST(Docs, MissingViewerAnswers503AndTheDocumentStillWorks) {
    auto host = startHost({{"hello", "hello_1.0.0.so"}},
                          {"--define", "docs.assets_dir=/nonexistent/mvi-docs"});
    Response page = host->get("/services/hello/docs");
    EXPECT_EQ(page.status, 503);
    EXPECT_NE(page.json()["detail"].get<std::string>().find("fetch-web-assets.sh"),
              std::string::npos);
    EXPECT_EQ(host->get("/~docs/swagger-ui.css").status, 503);
    EXPECT_EQ(host->get("/services/hello/openapi.json").status, 200);
}

TEST(Docs, AGetEntrypointNamedDocsTakesPrecedenceOverThePage) {
    auto host = startHost(
        {{"fixture_docs_get", "owndocs_1.0.0.so"}, {"fixture_docs_post", "postdocs_1.0.0.so"}});
    Response own = host->get("/services/owndocs/docs");
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_EQ(own.json(), "the service's own docs");
    EXPECT_EQ(host->get("/services/owndocs/openapi.json").status, 200);
    EXPECT_TRUE(host->get("/services/owndocs/openapi.json")
                    .json()["paths"]
                    .contains("/services/owndocs/docs"));

    // A POST entrypoint named docs keeps POST; GET shows the page.
    Response page = host->get("/services/postdocs/docs");
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_NE(page.header("Content-Type").find("text/html"), std::string::npos);
    Response called = host->post("/services/postdocs/docs", json::object());
    ASSERT_EQ(called.status, 200) << called.body;
    EXPECT_EQ(called.json(), "the service's own docs");
}

TEST(Docs, ParametersThatAreNotExposedCannotBeSetInTheDocument) {
    auto host = startHost({{"fixture_counter_v1", "counter_1.0.0.so"}});
    json document = host->get("/services/counter/openapi.json").json();
    EXPECT_EQ(openApiProblems(document), std::vector<std::string>());
    const json& secret = document["paths"]["/services/counter/~parameters/secret"];
    EXPECT_TRUE(secret.contains("get"));
    EXPECT_FALSE(secret.contains("post"));
    EXPECT_TRUE(document["paths"]["/services/counter/~parameters/label"].contains("post"));
    // As documented: setting it is refused.
    EXPECT_EQ(host->post("/services/counter/~parameters/secret", {{"value", 1}}).status, 405);
    // An entrypoint without arguments takes an optional empty object.
    const json& hit = document["paths"]["/services/counter/hit"]["post"];
    EXPECT_EQ(hit["requestBody"]["required"], false);
}

TEST(Docs, MonitoredVariablesAreNamedInTheMonitorRoutes) {
    auto host = startHost({{"sentiment", "sentiment_1.0.0.so"}});
    json document = host->get("/services/sentiment/openapi.json").json();
    EXPECT_EQ(openApiProblems(document), std::vector<std::string>());
    std::string variables;
    for (const json& query :
         document["paths"]["/services/sentiment/~monitor"]["get"]["parameters"]) {
        if (query["name"] == "variables") {
            variables = query["description"];
        }
    }
    EXPECT_NE(variables.find("`classify_request`"), std::string::npos) << variables;
    EXPECT_NE(variables.find("`classify_response`"), std::string::npos) << variables;
    EXPECT_NE(variables.find("`threshold`"), std::string::npos) << variables;
}

TEST(Docs, StaticFilesAreDescribedForAVersionThatShipsThem) {
    // counter 1.0.0 ships an assets folder (made by hand next to its .so), 2.0.0 none.
    std::string work = makeTemporaryDirectory();
    std::string plugins = work + "/plugins";
    writeFile(plugins + "/counter_1.0.0/assets/css/site.css", "h1 { color: teal; }\n");
    installPlugin(builtPlugin("fixture_counter_v1"), plugins, "counter_1.0.0.so");
    installPlugin(builtPlugin("fixture_counter_v2"), plugins, "counter_2.0.0.so");
    HostProcess host({}, work);
    ASSERT_TRUE(waitFor([&] {
        json entry = serviceEntry(host, "counter", "2.0.0");
        return entry.is_object() && entry["status"] == "ready";
    }));

    for (const std::string svc : {"counter", "counter_1.0.0"}) {
        json document = host.get("/services/" + svc + "/openapi.json").json();
        EXPECT_EQ(openApiProblems(document), std::vector<std::string>()) << svc;
        const json& path = document["paths"]["/services/" + svc + "/static/{path}"];
        ASSERT_TRUE(path.contains("get")) << svc << ": " << document["paths"].dump();
        const json& operation = path["get"];
        EXPECT_EQ(operation["parameters"][0]["name"], "path");
        EXPECT_EQ(operation["parameters"][0]["in"], "path");
        for (const char* status : {"200", "206", "304", "404", "416"}) {
            EXPECT_TRUE(operation["responses"].contains(status)) << status;
        }
        EXPECT_EQ(operation["tags"], json({"static"}));
    }
    // What the document describes answers.
    Response file = host.get("/services/counter/static/css/site.css");
    EXPECT_EQ(file.status, 200);
    EXPECT_EQ(file.header("Content-Type"), "text/css; charset=utf-8");

    // A version without assets lists no static path (its static files all answer 404).
    json bare = host.get("/services/counter_2.0.0/openapi.json").json();
    EXPECT_EQ(openApiProblems(bare), std::vector<std::string>());
    for (const auto& [path, item] : bare["paths"].items()) {
        EXPECT_EQ(path.find("/static/"), std::string::npos) << path;
    }
    EXPECT_EQ(serviceEntry(host, "counter", "2.0.0")["static"], false);
}

}  // namespace
}  // namespace mvi::test
