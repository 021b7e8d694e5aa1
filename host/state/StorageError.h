#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

namespace mvi::host {

/// A write (or read) of the host's data folder failed for a reason that lies in the machine, not
/// in the request: the disk is full, the file is read-only, an I/O error, a lock held too long,
/// a damaged file. Whatever the write was meant to change is unchanged. The HTTP layer answers it
/// in one place: 507 for a full disk, 503 for the other causes, with the message as `detail`.
class StorageError : public std::runtime_error {
  public:
    /// Why the write failed.
    enum class Cause {
        /// No space left on the file system (SQLITE_FULL, ENOSPC, EDQUOT).
        Full,
        /// The file or its file system is read-only (SQLITE_READONLY, EROFS, EACCES).
        ReadOnly,
        /// The operating system reported an I/O error (SQLITE_IOERR, EIO).
        IoError,
        /// Another connection held the database lock past the busy timeout.
        Busy,
        /// The database file is damaged or is not a database.
        Damaged,
        /// The database file could not be opened.
        CannotOpen,
    };

    StorageError(Cause cause, const std::string& message)
        : std::runtime_error(message), cause_(cause) {}

    Cause cause() const { return cause_; }

    /// 507 (Insufficient Storage) for Full, 503 for every other cause.
    int httpStatus() const { return cause_ == Cause::Full ? 507 : 503; }

    /// A few words naming the cause ("disk full", "read-only", "I/O error", ...).
    static const char* describe(Cause cause) {
        switch (cause) {
            case Cause::Full:
                return "disk full";
            case Cause::ReadOnly:
                return "read-only";
            case Cause::IoError:
                return "I/O error";
            case Cause::Busy:
                return "database busy";
            case Cause::Damaged:
                return "database damaged";
            case Cause::CannotOpen:
                return "cannot open the database";
        }
        return "storage error";
    }

    /// The StorageError for the system error `errorNumber` (errno), or nothing when it is not a
    /// storage condition. `message` says what failed; the cause and the system's text are
    /// appended.
    static std::optional<StorageError> fromErrno(int errorNumber, const std::string& message) {
        std::optional<Cause> cause;
        switch (errorNumber) {
            case ENOSPC:
            case EDQUOT:
            case EFBIG:
                cause = Cause::Full;
                break;
            case EROFS:
            case EACCES:
            case EPERM:
                cause = Cause::ReadOnly;
                break;
            case EIO:
                cause = Cause::IoError;
                break;
            default:
                return std::nullopt;
        }
        return StorageError(
            *cause, message + ": " + describe(*cause) + " (" + std::strerror(errorNumber) + ")");
    }

    /// Throws fromErrno's StorageError, or a std::runtime_error `<message>: <system's text>`
    /// when `errorNumber` is not a storage condition.
    [[noreturn]] static void throwForErrno(int errorNumber, const std::string& message) {
        if (auto error = fromErrno(errorNumber, message)) {
            throw *error;
        }
        throw std::runtime_error(message + ": " + std::strerror(errorNumber));
    }

  private:
    Cause cause_;
};

}  // namespace mvi::host
