#pragma once

#include <optional>
#include <string>

namespace mvi::host {

/// The files of the API viewer (swagger-ui's distribution) that the host serves under
/// `/~docs/<file>`, from one folder (`docs.assets_dir`).
class DocsAssets {
  public:
    /// The file every docs page needs; when it is missing the viewer is not installed.
    static constexpr const char* kBundle = "swagger-ui-bundle.js";

    /// Serves files from `directory`; empty means the default folder (see `defaultDirectory`).
    explicit DocsAssets(std::string directory);

    /// The folder served.
    const std::string& directory() const { return directory_; }

    /// The folder the build and `cmake --install` put the viewer in, relative to the running
    /// `mvi-host` executable: `<bin>/../share/mvi/docs`.
    static std::string defaultDirectory();

    /// Whether the viewer's files are there.
    bool available() const;

    /// The path of `fileName` in the folder when it names an existing regular file directly
    /// inside it (no folders, no hidden names, no `..`); nothing otherwise.
    std::optional<std::string> find(const std::string& fileName) const;

    /// The content type of a file served from the folder, by its extension.
    static std::string contentType(const std::string& fileName);

  private:
    std::string directory_;
};

}  // namespace mvi::host
