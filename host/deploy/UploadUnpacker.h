#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace mvi::host {

/// Turns a file uploaded for deployment into the plugin file it carries.
///
/// An upload is either the compiled plugin itself (an ELF file) or a gzip-compressed tar
/// archive holding exactly one regular file whose name ends in `.so` outside `assets/`
/// (directories and other regular files beside it are ignored). An archive may also hold the
/// version's static files in a folder `assets/` at its root (member names may start with `./`,
/// and the root may be a member named `/` or `./`), unpacked on request (`Assets`). What it is, is
/// told by its content (gzip or ELF magic), never by a file name. An archive is refused whole when
/// any member is a symbolic link, a hard link, a device or another special file, has an absolute
/// path or a `..` component, or has a name that is not valid UTF-8; member names are checked, never
/// used as paths. Nothing is written outside the given destination.
class UploadUnpacker {
  public:
    /// What the upload was.
    enum class Kind {
        /// The plugin itself.
        Elf,
        /// A tar.gz archive holding it.
        TarGz,
    };

    /// Why an upload was refused; `what()` is a message for the person who uploaded it.
    class Error : public std::runtime_error {
      public:
        using std::runtime_error::runtime_error;
    };

    /// Writes the plugin carried by `uploadPath` to `destinationPath` (created or truncated).
    /// `maxBytes` bounds the plugin and, for an archive, the sum of its members' sizes.
    /// Throws Error when the upload is refused; `destinationPath` may then hold part of a file
    /// and is the caller's to remove. Throws StorageError when the destination cannot be written
    /// for lack of space or permission, std::runtime_error for any other failure to read or write.
    static Kind unpack(const std::string& uploadPath, const std::string& destinationPath,
                       std::uint64_t maxBytes);

    /// Where an archive's `assets/` folder is unpacked, and what was found in it.
    struct Assets {
        /// The folder `assets/`'s members are written into; created only when the archive has
        /// an `assets/` folder, with their paths below it.
        std::string directory;
        /// Most files and folders `assets/` may hold (`plugins.max_asset_files`).
        std::size_t maxEntries = 10000;
        /// Set by `unpack`: whether the archive had an `assets/` folder.
        bool found = false;
        /// Set by `unpack`: the files and folders written below `directory`.
        std::size_t entries = 0;
    };

    /// `unpack`, also writing the archive's `assets/` folder into `assets.directory`. Members
    /// of `assets/` count towards `maxBytes` like the others; more than `assets.maxEntries`
    /// files and folders in it, a file and a folder of the same name, or any refused member
    /// refuse the whole upload (Error). On any exception, `assets.directory` may hold part of
    /// the folder and is the caller's to remove.
    static Kind unpack(const std::string& uploadPath, const std::string& destinationPath,
                       std::uint64_t maxBytes, Assets& assets);

    /// Whether `memberPath`, a path inside an archive, is relative and has no `..` component.
    static bool isSafeMemberPath(const std::string& memberPath);

  private:
    static Kind unpackInto(const std::string& uploadPath, const std::string& destinationPath,
                           std::uint64_t maxBytes, Assets* assets);
};

}  // namespace mvi::host
