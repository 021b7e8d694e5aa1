#pragma once

#include <optional>
#include <string>

namespace mvi::host {

/// A folder of static files the host serves to browsers (the API viewer's, the dashboard's), by
/// file name only.
class AssetFolder {
  public:
    /// Serves files from `directory`; `requiredFile` is the file without which the folder counts
    /// as not installed.
    AssetFolder(std::string directory, std::string requiredFile);

    /// The folder served.
    const std::string& directory() const { return directory_; }

    /// Whether the required file is there.
    bool available() const;

    /// The path of `fileName` in the folder when it names an existing regular file directly
    /// inside it (no folders, no hidden names, no `..`); nothing otherwise.
    std::optional<std::string> find(const std::string& fileName) const;

    /// The content type of a file served from the folder, by its extension.
    static std::string contentType(const std::string& fileName);

    /// `relative` resolved against the folder of the running executable (`relative` itself when
    /// that folder cannot be known).
    static std::string besideExecutable(const std::string& relative);

  private:
    std::string directory_;
    std::string requiredFile_;
};

}  // namespace mvi::host
