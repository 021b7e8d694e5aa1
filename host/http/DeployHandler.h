#pragma once

#include <string>
#include <vector>

#include "http/JsonHandler.h"

namespace mvi::host {

/// `POST /services/~tar`: deploys a new version over HTTP.
///
/// The body is `multipart/form-data` with the fields `name`, `version` and `file`, a file part
/// holding the plugin (`.so`) or a `.tar.gz` archive with exactly one `.so` in it (told apart
/// by content), and optionally `run_args`, the original platform's JSON object of which only
/// `{"environment": {"NAME": "VALUE", ...}}` is supported: the version's environment, recorded
/// with it and read by the service through `get_env` (any other key, a value that is not a
/// string, or a name that is empty or holds `=` is refused with 422). Other fields the original
/// CLI sends (`port`, `s2i_build_image`) are ignored. The file is streamed to a temporary file in
/// `data.dir/uploads` (at most `http.max_upload_bytes`, else 413), unpacked beside the plugins
/// folder's files under a hidden name (`.<name>_<version>.so.upload-<uuid>`) and renamed to
/// `<name>_<version>.so`, so it appears whole. An archive's `assets/` folder (the version's
/// static files, at most `plugins.max_asset_files` files and folders) is unpacked under a hidden
/// folder (`.<name>_<version>.assets-<uuid>`) and renamed to `<name>_<version>/` before the
/// plugin lands, so the version never serves without them; a folder of that name already there
/// is refused with 409, and the folder is removed again when the version does not deploy. Two
/// uploads of one version at once: the second is refused with 409. The answer comes once the
/// version serves (201 with its `GET /services/` entry) or failed to load (422 with the reason; the
/// file is removed and nothing changes). A version that is deployed already is refused with 409,
/// invalid fields and refused uploads with 422; none of them changes anything.
class DeployHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

    /// Removes the hidden files and folders that uploads and kills cut short (by a crash) left in
    /// the plugins folder `pluginsDir`; returns their names. Other files are never touched.
    static std::vector<std::string> removeStagedUploads(const std::string& pluginsDir);

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;
};

}  // namespace mvi::host
