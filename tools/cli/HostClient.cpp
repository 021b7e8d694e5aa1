#include "HostClient.h"

#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/FilePartSource.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <map>
#include <memory>
#include <mutex>

#include "CliError.h"

namespace mvi::cli {
namespace {

// How long a request waits for its connection and for each piece of its answer.
const Poco::Timespan kConnectTimeout(10, 0);
const Poco::Timespan kSendTimeout(60, 0);
const Poco::Timespan kReceiveTimeout(60, 0);

TlsTrust& trustSetting() {
    static TlsTrust trust;
    return trust;
}

// Makes the process ready for TLS, once: certificates that fail the check are refused (or, with
// --insecure, accepted) without asking.
void initializeClientTls() {
    static std::once_flag once;
    std::call_once(once, [] {
        Poco::Net::initializeSSL();
        Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> handler;
        if (trustSetting().insecure) {
            handler = new Poco::Net::AcceptCertificateHandler(false);
        } else {
            handler = new Poco::Net::RejectCertificateHandler(false);
        }
        Poco::Net::SSLManager::instance().initializeClient(nullptr, handler, nullptr);
    });
}

// The TLS context of https:// sessions to `hostName`: the system's CA store (or only
// --ca-file), and OpenSSL checking that the certificate names `hostName`, unless --insecure.
Poco::Net::Context::Ptr clientContext(const std::string& hostName) {
    static std::mutex mutex;
    static std::map<std::string, Poco::Net::Context::Ptr> contexts;
    initializeClientTls();
    std::lock_guard lock(mutex);
    auto found = contexts.find(hostName);
    if (found != contexts.end()) {
        return found->second;
    }
    const TlsTrust& trust = trustSetting();
    Poco::Net::Context::Params params;
    params.caLocation = trust.caFile;
    params.loadDefaultCAs = trust.caFile.empty();
    params.verificationMode =
        trust.insecure ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_RELAXED;
    Poco::Net::Context::Ptr context;
    try {
        context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    } catch (const Poco::Exception& error) {
        throw CliError("Cannot use the CA file " + trust.caFile + ": " + error.displayText());
    }
    if (!trust.insecure) {
        X509_VERIFY_PARAM* check = SSL_CTX_get0_param(context->sslContext());
        Poco::Net::IPAddress address;
        bool named = Poco::Net::IPAddress::tryParse(hostName, address)
                         ? X509_VERIFY_PARAM_set1_ip_asc(check, hostName.c_str()) == 1
                         : X509_VERIFY_PARAM_set1_host(check, hostName.c_str(), 0) == 1;
        if (!named) {
            throw CliError("Cannot check certificates for the host name " + hostName);
        }
    }
    contexts.emplace(hostName, context);
    return context;
}

// A session to the host of `base` with the given receive timeout.
std::unique_ptr<Poco::Net::HTTPClientSession> openSession(const Poco::URI& base,
                                                          Poco::Timespan receiveTimeout) {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (base.getScheme() == "https") {
        session = std::make_unique<Poco::Net::HTTPSClientSession>(base.getHost(), base.getPort(),
                                                                  clientContext(base.getHost()));
    } else {
        session = std::make_unique<Poco::Net::HTTPClientSession>(base.getHost(), base.getPort());
    }
    session->setTimeout(kConnectTimeout, kSendTimeout, receiveTimeout);
    return session;
}

// The error for a host that could not be reached at `url`: for TLS, what to do about it.
CliError unreachable(const std::string& url, const Poco::Exception& error) {
    if (dynamic_cast<const Poco::Net::SSLException*>(&error) != nullptr) {
        return CliError("TLS with " + url + " failed: " + error.displayText() +
                        " (is the host's certificate trusted? give its CA with --ca-file FILE; "
                        "--insecure skips the check)");
    }
    return CliError("Cannot reach mvi-host at " + url + ": " + error.displayText());
}

}  // namespace

nlohmann::json HostAnswer::json() const {
    if (body.empty()) {
        return nullptr;
    }
    nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
    return parsed.is_discarded() ? nlohmann::json(body) : parsed;
}

void HostClient::setTrust(TlsTrust trust) {
    trustSetting() = std::move(trust);
}

HostClient::HostClient(std::string url, std::string token)
    : url_(std::move(url)), token_(std::move(token)) {}

std::string HostClient::segment(const std::string& text) {
    std::string encoded;
    Poco::URI::encode(text, "/?#%", encoded);
    return encoded;
}

std::string HostClient::describeDetail(const nlohmann::json& detail) {
    if (detail.is_string()) {
        return detail.get<std::string>();
    }
    if (!detail.is_array()) {
        return detail.dump();
    }
    std::string text;
    for (const auto& item : detail) {
        if (!text.empty()) {
            text += "; ";
        }
        if (!item.is_object() || !item.contains("msg")) {
            text += item.dump();
            continue;
        }
        std::string location;
        if (item.contains("loc") && item["loc"].is_array()) {
            for (const auto& part : item["loc"]) {
                if (!location.empty()) {
                    location += '.';
                }
                location += part.is_string() ? part.get<std::string>() : part.dump();
            }
        }
        std::string message =
            item["msg"].is_string() ? item["msg"].get<std::string>() : item["msg"].dump();
        text += location.empty() ? message : "field " + location + ": " + message;
    }
    return text;
}

HostAnswer HostClient::request(const std::string& method, const std::string& path,
                               const std::string& body, const std::string& contentType) const {
    Poco::URI base(url_);
    try {
        auto session = openSession(base, kReceiveTimeout);
        Poco::Net::HTTPRequest request(method, base.getPath() + path,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        // A JSON answer, also where the host would send a browser on (a login).
        request.set("Accept", "application/json");
        if (!token_.empty()) {
            request.set("Authorization", "Bearer " + token_);
        }
        if (!body.empty() || method == "POST" || method == "PUT" || method == "DELETE") {
            request.setContentType(contentType);
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        session->sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& input = session->receiveResponse(response);
        HostAnswer answer;
        answer.status = static_cast<int>(response.getStatus());
        answer.contentType = response.getContentType();
        answer.allow = response.get("Allow", "");
        Poco::StreamCopier::copyToString(input, answer.body);
        return answer;
    } catch (const Poco::Exception& error) {
        throw unreachable(url_, error);
    }
}

nlohmann::json HostClient::get(const std::string& path) const {
    HostAnswer answer = request("GET", path);
    if (answer.status / 100 != 2) {
        fail(answer);
    }
    return answer.json();
}

nlohmann::json HostClient::send(const std::string& method, const std::string& path,
                                const nlohmann::json& body) const {
    HostAnswer answer = request(method, path, body.dump());
    if (answer.status / 100 != 2) {
        fail(answer);
    }
    return answer.json();
}

HostAnswer HostClient::postForm(const std::string& path,
                                const std::map<std::string, std::string>& fields) const {
    Poco::Net::HTMLForm form;
    for (const auto& [name, value] : fields) {
        form.set(name, value);
    }
    std::ostringstream encoded;
    form.write(encoded);
    return request("POST", path, encoded.str(), "application/x-www-form-urlencoded");
}

HostAnswer HostClient::upload(const std::string& path,
                              const std::map<std::string, std::string>& fields,
                              const std::string& filePath, Poco::Timespan timeout) const {
    Poco::URI base(url_);
    try {
        auto session = openSession(base, timeout);
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, base.getPath() + path,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        if (!token_.empty()) {
            request.set("Authorization", "Bearer " + token_);
        }
        Poco::Net::HTMLForm form(Poco::Net::HTMLForm::ENCODING_MULTIPART);
        for (const auto& [name, value] : fields) {
            form.set(name, value);
        }
        form.addPart("file",
                     new Poco::Net::FilePartSource(filePath, Poco::Path(filePath).getFileName(),
                                                   "application/octet-stream"));
        form.prepareSubmit(request, Poco::Net::HTMLForm::OPT_USE_CONTENT_LENGTH);
        form.write(session->sendRequest(request));
        Poco::Net::HTTPResponse response;
        std::istream& input = session->receiveResponse(response);
        HostAnswer answer;
        answer.status = static_cast<int>(response.getStatus());
        answer.contentType = response.getContentType();
        Poco::StreamCopier::copyToString(input, answer.body);
        return answer;
    } catch (const Poco::FileException& error) {
        throw CliError("Cannot read " + filePath + ": " + error.displayText());
    } catch (const Poco::Exception& error) {
        throw unreachable(url_, error);
    }
}

void HostClient::stream(const std::string& path,
                        const std::function<void(const char*, std::size_t)>& sink) const {
    Poco::URI base(url_);
    HostAnswer failure;
    try {
        // A receive timeout of zero waits for ever: a followed log may stay quiet for long.
        auto session = openSession(base, Poco::Timespan(0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, base.getPath() + path,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        if (!token_.empty()) {
            request.set("Authorization", "Bearer " + token_);
        }
        session->sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& input = session->receiveResponse(response);
        if (response.getStatus() / 100 != 2) {
            failure.status = static_cast<int>(response.getStatus());
            failure.contentType = response.getContentType();
            Poco::StreamCopier::copyToString(input, failure.body);
        } else {
            char buffer[4096];
            while (input.good()) {
                // readsome() would return nothing before the first byte arrives; read one byte
                // blocking, then whatever else is already there.
                input.read(buffer, 1);
                if (input.gcount() == 0) {
                    break;
                }
                std::streamsize more = input.readsome(buffer + 1, sizeof(buffer) - 1);
                sink(buffer, static_cast<std::size_t>(1 + more));
            }
            return;
        }
    } catch (const Poco::Exception& error) {
        throw unreachable(url_, error);
    }
    fail(failure);
}

void HostClient::fail(const HostAnswer& answer) const {
    if (answer.status == 401) {
        throw CliError("Not logged in to " + url_ + ": run mvi login");
    }
    nlohmann::json body = answer.json();
    if (body.is_object() && body.contains("detail")) {
        throw CliError(describeDetail(body["detail"]));
    }
    std::string text = body.is_string() ? body.get<std::string>() : body.dump();
    throw CliError("mvi-host answered " + std::to_string(answer.status) +
                   (text.empty() || text == "null" ? std::string() : ": " + text));
}

}  // namespace mvi::cli
