#pragma once

#include <string>

#include "http/JsonHandler.h"

namespace mvi::host {

/// `GET` and `HEAD /services/<svc>/static/<path...>`: a static file shipped with the version
/// `<svc>` resolves to (by name: the main version), from the folder `<name>_<version>/assets/`
/// next to its `.so` in the plugins folder.
///
/// The answer carries the file's `Content-Type` (by extension, from `/etc/mime.types`), a
/// strong `ETag` made of its size, modification time (in nanoseconds) and inode, its
/// `Last-Modified`, `Cache-Control: no-cache` (a client revalidates, so a new version's files are
/// seen at once) and `Accept-Ranges: bytes`. `If-None-Match` (or, without it,
/// `If-Modified-Since`) answers 304 when the file is unchanged. One byte range (`Range`, checked
/// against `If-Range`) answers 206 with `Content-Range`; a range past the end 416 with
/// `Content-Range: bytes */SIZE`; several ranges the whole file. The file is read as the client
/// reads, never whole into memory.
///
/// 404 with a `detail` for a path with a `.` or `..` segment, an encoded slash or backslash or a
/// NUL byte, a file that is missing, a folder or not a regular file, a file reached through a
/// symbolic link that leads out of the assets folder, and a version without an assets folder.
class StaticFilesHandler : public JsonHandler {
  public:
    /// Serves `{svc}` and `{file...}`.
    explicit StaticFilesHandler(const RouteRequest& route)
        : JsonHandler(route), service_(route.parameter("svc")), file_(route.parameter("file")) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    std::string service_;
    std::string file_;
};

}  // namespace mvi::host
