#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace mvi::host {

/// Turns a file uploaded for deployment into the plugin file it carries.
///
/// An upload is either the compiled plugin itself (an ELF file) or a gzip-compressed tar
/// archive holding exactly one regular file whose name ends in `.so` (directories and other
/// regular files beside it are ignored). What it is, is told by its content (gzip or ELF
/// magic), never by a file name. An archive is refused whole when any member is a symbolic
/// link, a hard link, a device or another special file, has an absolute path or a `..`
/// component, or has a name that is not valid UTF-8; member names are checked, never used as
/// paths. Nothing is written outside the
/// given destination.
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

    /// Whether `memberPath`, a path inside an archive, is relative and has no `..` component.
    static bool isSafeMemberPath(const std::string& memberPath);
};

}  // namespace mvi::host
