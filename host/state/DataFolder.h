#pragma once

#include <Poco/Logger.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace mvi::host {

/// The host's data folder (`data.dir`) and the checks it passes before the host uses it. It holds
/// the signing secret of tokens (in the database), so it is private: the folder and every folder
/// in it are 0700, every file 0600 (mvi-host also runs with umask 077, so what it creates later
/// is private from the start).
///
/// Layout: `mvi.db` (with SQLite's `mvi.db-wal` and `mvi.db-shm`), `admin_password` (a generated
/// administrator password, when auth made one), `logs/` (one folder per service), `cache/` (private
/// copies of loaded plugins, emptied by the loader at start), `uploads/` (deployments being
/// received over HTTP) and `tmp/` (scratch files, e.g. monitoring exports being sent). What
/// `uploads/` and `tmp/` hold only lives as long as one request, so whatever is found there at
/// start was left by a crash and is removed.
class DataFolder {
  public:
    /// The folder (or a file in it) cannot be used: the message names it, what the host's user
    /// lacks and what to do.
    class Unusable : public std::runtime_error {
      public:
        using std::runtime_error::runtime_error;
    };

    /// The database fails SQLite's quick_check (or is not a database at all): the message says
    /// what SQLite found and how to recover.
    class Damaged : public std::runtime_error {
      public:
        using std::runtime_error::runtime_error;
    };

    /// The data folder `folder`. `userFolders`: folders that may lie inside it but belong to the
    /// user (the plugins folder): `prepare` never changes nor removes anything in them.
    DataFolder(std::string folder, std::vector<std::string> userFolders, Poco::Logger& logger);

    /// `<folder>/mvi.db`, the database every store of the host shares.
    static std::string databasePath(const std::string& folder);
    /// `<folder>/uploads`, where deployments sent over HTTP are received.
    static std::string uploadsPath(const std::string& folder);
    /// `<folder>/tmp`, for scratch files that live as long as one request.
    static std::string scratchPath(const std::string& folder);

    const std::string& path() const { return folder_; }
    std::string databasePath() const { return databasePath(folder_); }

    /// Makes the folder ready, in this order: creates it (0700, with missing parents) when
    /// missing; checks that the host's user can list it and create files in it; removes what an
    /// earlier run left behind (everything in `uploads/` and `tmp/`, and an `mvi.db-shm` that no
    /// process has open, which SQLite rebuilds from `mvi.db-wal`); sets the folder and every
    /// folder in it to 0700 and every file to 0600. Each removal and each change of mode is
    /// logged. Idempotent. Call it before this process opens the database: a process that
    /// closes a file drops its own SQLite locks on it. Throws Unusable.
    void prepare();

    /// Runs SQLite's `PRAGMA quick_check` on the database (creating it when missing). Throws
    /// Damaged naming the file, what SQLite found and the recovery steps; std::runtime_error
    /// naming the file for another failure.
    void checkDatabase() const;

    /// Checks the plugins folder `folder`, which belongs to the user and is never changed:
    /// refuses (Unusable) one every user may write, since whoever writes a plugin there runs code
    /// as the host's user; logs a warning for one its group may write and for plugin files every
    /// user may write.
    static void checkPluginsFolder(const std::string& folder, Poco::Logger& logger);

  private:
    void create();
    void checkWritable();
    void removeLeftovers();
    void makePrivate();
    bool isUserFolder(const std::string& path) const;

    std::string folder_;
    std::vector<std::string> userFolders_;
    Poco::Logger& logger_;
};

}  // namespace mvi::host
