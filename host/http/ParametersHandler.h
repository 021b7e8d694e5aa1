#pragma once

#include <string>

#include "http/JsonHandler.h"

namespace mvi::host {

/// A service's runtime parameters, `<svc>` a name (the main version; a value set reaches every
/// shadow too) or `<name>_<version>`. Its actions are bound to routes.
class ParametersHandler : public JsonHandler {
  public:
    /// Serves `{svc}`, and the parameter `{name}` when the route has one.
    explicit ParametersHandler(const RouteRequest& route)
        : JsonHandler(route),
          service_(route.parameter("svc")),
          parameter_(route.parameters.count("name") != 0 ? route.parameter("name") : "") {}

    /// `GET /services/<svc>/~parameters`: every parameter, `{"<name>": value, ...}`.
    void all(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// `GET .../~parameters/~schema`: every parameter with its declaration, `{"<name>":
    /// {"value", "schema", "exposed"}, ...}` (what a form needs to show typed inputs).
    void schemas(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// `GET .../~parameters/<name>`: one value; 404 for a parameter not declared.
    void get(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// `POST .../~parameters/<name>` with `{"value": v}`: sets it, answers `"OK"`; 405 (with
    /// `Allow: GET`) for a parameter not exposed, 422 for a value of the wrong type.
    void set(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  private:
    /// The declaration of the parameter in `version`; 404 when it has none.
    ParameterSet::Parameter declared(const ServiceVersion& version) const;

    std::string service_;
    std::string parameter_;
};

}  // namespace mvi::host
