#pragma once

#include <string>

#include "core/AssetFolder.h"

namespace mvi::host {

/// The files of the API viewer (swagger-ui's distribution) that the host serves under
/// `/~docs/<file>`, from one folder (`docs.assets_dir`).
class DocsAssets : public AssetFolder {
  public:
    /// The file every docs page needs; when it is missing the viewer is not installed.
    static constexpr const char* kBundle = "swagger-ui-bundle.js";

    /// Serves files from `directory`; empty means the default folder (see `defaultDirectory`).
    explicit DocsAssets(const std::string& directory)
        : AssetFolder(directory.empty() ? defaultDirectory() : directory, kBundle) {}

    /// The folder the build and `cmake --install` put the viewer in, relative to the running
    /// `mvi-host` executable: `<bin>/../share/mvi/docs`.
    static std::string defaultDirectory();
};

}  // namespace mvi::host
