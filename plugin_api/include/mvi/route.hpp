// mvi/route.hpp -- a service's own routes (ABI 1.5): any method, raw bodies, own status,
// headers and content types; streamed answers and server-sent events (ABI 1.6).
//
//     service.route(mvi::Method::Put, "/images/{id}", [](const mvi::Request& request) {
//         save(request.param("id"), request.body);
//         return mvi::Response::text("stored\n").with_status(201);
//     });
//
// The route answers `PUT /services/<svc>/images/7`. Included by mvi/service.hpp; declare routes
// with Service::route inside the MVI_SERVICE body.
#ifndef MVI_ROUTE_HPP
#define MVI_ROUTE_HPP

#include <mvi/plugin.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mvi {

/// The HTTP method an entrypoint (Post or Get) or a route (any of them) is called with.
enum class Method : std::int32_t {
    Post = MVI_METHOD_POST,     ///< Entrypoint arguments come from the JSON body (the default).
    Get = MVI_METHOD_GET,       ///< Entrypoint arguments come from the query string.
    Put = MVI_METHOD_PUT,       ///< Routes only.
    Delete = MVI_METHOD_DELETE  ///< Routes only.
};

/// Named text values in order (headers, path parameters).
using Fields = std::vector<std::pair<std::string, std::string>>;

namespace detail {

/// Whether `a` and `b` are equal ignoring ASCII case.
inline bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        x = (x >= 'A' && x <= 'Z') ? static_cast<char>(x - 'A' + 'a') : x;
        y = (y >= 'A' && y <= 'Z') ? static_cast<char>(y - 'A' + 'a') : y;
        if (x != y) {
            return false;
        }
    }
    return true;
}

/// The value of hex digit `c`, or -1.
inline int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/// Decodes one query component (`+` is a space, `%XX` a byte; a malformed escape stays as it is).
inline std::string decode_query_component(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace detail

/// One request to a route: everything the HTTP request carried.
struct Request {
    Method method = Method::Get;
    /// The path below the service, decoded: `/images/7`.
    std::string path;
    /// The values of the route's `{name}` segments, in order.
    Fields path_parameters;
    /// The raw query string, without `?` (still percent-encoded).
    std::string query;
    /// The headers as the client sent them.
    Fields headers;
    /// The body's bytes.
    std::string body;

    /// The value of path parameter `name`; an empty string when the route has none.
    const std::string& param(std::string_view name) const {
        static const std::string none;
        for (const auto& [key, value] : path_parameters) {
            if (key == name) {
                return value;
            }
        }
        return none;
    }

    /// The first header `name` (any case), or std::nullopt.
    std::optional<std::string> header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (detail::iequal(key, name)) {
                return value;
            }
        }
        return std::nullopt;
    }

    /// The decoded value of the first query parameter `name`, or std::nullopt.
    std::optional<std::string> query_value(std::string_view name) const {
        std::string_view rest = query;
        while (!rest.empty()) {
            const std::size_t end = rest.find('&');
            const std::string_view pair = rest.substr(0, end);
            const std::size_t equals = pair.find('=');
            if (detail::decode_query_component(pair.substr(0, equals)) == name) {
                return equals == std::string_view::npos
                           ? std::string()
                           : detail::decode_query_component(pair.substr(equals + 1));
            }
            if (end == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(end + 1);
        }
        return std::nullopt;
    }
};

/// A streamed answer (ABI 1.6): its bytes reach the client as they are written, from any thread
/// and long after the route's handler returned. A copyable handle: every copy writes to the same
/// stream, which ends when `close` is called or the last copy is destroyed.
///
/// Writing never waits. Each stream holds a bounded buffer on the host
/// (`http.stream_buffer_bytes`); a write that does not fit because the client reads slowly is
/// refused whole (`Sent::Full`: drop it or try again later), and once the client has left, the host
/// stops or the version is unloaded every write answers `Sent::Closed`: forget the stream then.
///
///     std::vector<mvi::Stream> listeners;  // guarded by a mutex
///     service.route(mvi::Method::Get, "/events", [](const mvi::Request&) {
///         return mvi::Response::events([](mvi::Stream stream) { listeners.push_back(stream); });
///     });
///     // later, from a timer or another route:
///     listener.event(R"({"value": 3})", "reading");
class Stream {
  public:
    /// What became of a write.
    enum class Sent {
        Queued,    ///< On its way to the client.
        Full,      ///< The client reads slower than the service writes: nothing was queued.
        Closed,    ///< The stream is over: nothing was queued, and nothing ever will be.
        TooLarge,  ///< Larger than the host's whole stream buffer: never queued; split it.
    };

    /// A stream that is closed already.
    Stream() = default;

    /// The stream of `handle`, which `api` serves (done by the SDK when a handler answers with
    /// Response::stream or Response::events).
    Stream(const mvi_host_api* api, mvi_stream* handle)
        : handle_(std::make_shared<Handle>(api, handle)) {}

    /// Queues `bytes` for the client.
    Sent write(std::string_view bytes) const {
        if (!handle_) {
            return Sent::Closed;
        }
        return handle_->write(bytes);
    }

    /// Queues one server-sent event: `data` (each of its lines a `data:` field), with an
    /// `event:` name and an `id:` when given.
    Sent event(std::string_view data, std::string_view name = {}, std::string_view id = {}) const {
        std::string text;
        text.reserve(data.size() + name.size() + id.size() + 32);
        if (!name.empty()) {
            text.append("event: ").append(one_line(name)).append("\n");
        }
        if (!id.empty()) {
            text.append("id: ").append(one_line(id)).append("\n");
        }
        std::size_t start = 0;
        while (true) {
            const std::size_t end = data.find('\n', start);
            std::string_view line =
                data.substr(start, end == std::string_view::npos ? end : end - start);
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            text.append("data: ").append(line).append("\n");
            if (end == std::string_view::npos) {
                break;
            }
            start = end + 1;
        }
        text.append("\n");
        return write(text);
    }

    /// Queues a server-sent events comment (`: text`), which clients ignore: a heartbeat that
    /// keeps proxies from closing a quiet stream and tells the service when the client left.
    Sent comment(std::string_view text = {}) const {
        std::string line = ": ";
        line.append(one_line(text)).append("\n\n");
        return write(line);
    }

    /// Ends the stream for every copy: what was queued still reaches the client.
    void close() const {
        if (handle_) {
            handle_->close();
        }
    }

    /// Whether writes are refused now (closed here, or the host ended it).
    bool closed() const { return !handle_ || handle_->closed(); }

  private:
    /// The host's handle, closed once by whichever comes first: `close` or the last copy going.
    class Handle {
      public:
        Handle(const mvi_host_api* api, mvi_stream* stream) : api_(api), stream_(stream) {}
        ~Handle() { close(); }
        Handle(const Handle&) = delete;
        Handle& operator=(const Handle&) = delete;

        Sent write(std::string_view bytes) {
            std::lock_guard lock(mutex_);
            if (stream_ == nullptr || over_) {
                return Sent::Closed;
            }
            switch (api_->stream_write(stream_, mvi_str{bytes.data(), bytes.size()})) {
                case MVI_OK:
                    return Sent::Queued;
                case MVI_BUSY:
                    return Sent::Full;
                case MVI_INVALID_ARGUMENT:
                    return Sent::TooLarge;
                default:
                    over_ = true;
                    return Sent::Closed;
            }
        }

        void close() {
            std::lock_guard lock(mutex_);
            if (stream_ != nullptr) {
                api_->stream_close(stream_);
                stream_ = nullptr;
            }
        }

        bool closed() {
            std::lock_guard lock(mutex_);
            return stream_ == nullptr || over_;
        }

      private:
        const mvi_host_api* api_;
        mvi_stream* stream_;
        bool over_ = false;
        std::mutex mutex_;
    };

    /// `text` up to its first line break (an SSE field holds one line).
    static std::string_view one_line(std::string_view text) {
        return text.substr(0, text.find_first_of("\r\n"));
    }

    std::shared_ptr<Handle> handle_;
};

/// What a route answers: a status (200..599), headers and the body's bytes. Without a
/// `Content-Type` header the host sends `application/octet-stream`. `Content-Length`,
/// `Transfer-Encoding` and `Connection` are the host's: an answer carrying one, or a malformed
/// header or status, is replaced by the host's 500.
struct Response {
    int status = 200;
    Fields headers;
    std::string body;
    /// For a streamed answer (`stream`, `events`): called with the stream once the status and
    /// headers are sent, on the handler's thread; `body` is not sent.
    std::function<void(Stream)> on_stream = nullptr;

    /// A text answer (`text/plain; charset=utf-8` unless `content_type` says otherwise).
    static Response text(std::string body, std::string content_type = "text/plain; charset=utf-8") {
        return Response{200, {{"Content-Type", std::move(content_type)}}, std::move(body)};
    }

    /// A JSON answer.
    static Response json(const nlohmann::json& value) {
        return Response{200,
                        {{"Content-Type", "application/json"}},
                        value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
    }

    /// A streamed answer with `content_type`: `start` gets the Stream once the answer is under
    /// way and keeps it (a list of listeners, say) to write to it later from any thread. Needs a
    /// host of ABI 1.6.
    static Response stream(std::string content_type, std::function<void(Stream)> start) {
        Response response{200, {{"Content-Type", std::move(content_type)}}, {}, std::move(start)};
        return response;
    }

    /// Server-sent events (`text/event-stream`, not cached): write them with Stream::event.
    static Response events(std::function<void(Stream)> start) {
        return stream("text/event-stream", std::move(start))
            .with_header("Cache-Control", "no-cache");
    }

    /// This answer with status `code`.
    Response&& with_status(int code) && {
        status = code;
        return std::move(*this);
    }

    /// This answer with header `name: value` added.
    Response&& with_header(std::string name, std::string value) && {
        headers.emplace_back(std::move(name), std::move(value));
        return std::move(*this);
    }
};

}  // namespace mvi

#endif  // MVI_ROUTE_HPP
