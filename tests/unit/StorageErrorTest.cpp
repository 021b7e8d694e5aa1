// StorageError: which failures of the data folder it stands for and the HTTP status each gets.

#include "state/StorageError.h"

#include <Poco/Data/SQLite/SQLiteException.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "state/SqliteDatabase.h"

namespace mvi::host {
namespace {

namespace sqlite = Poco::Data::SQLite;
using Cause = StorageError::Cause;

TEST(StorageError, SqliteFailuresOfTheMachineAreStorageCauses) {
    EXPECT_EQ(SqliteDatabase::storageCause(sqlite::DatabaseFullException("full")), Cause::Full);
    EXPECT_EQ(SqliteDatabase::storageCause(sqlite::ReadOnlyException("ro")), Cause::ReadOnly);
    EXPECT_EQ(SqliteDatabase::storageCause(sqlite::IOErrorException("io")), Cause::IoError);
    EXPECT_EQ(SqliteDatabase::storageCause(sqlite::DBLockedException("busy")), Cause::Busy);
    EXPECT_EQ(SqliteDatabase::storageCause(sqlite::CorruptImageException("bad")), Cause::Damaged);
    EXPECT_EQ(SqliteDatabase::storageCause(sqlite::CantOpenDBFileException("open")),
              Cause::CannotOpen);
    // A mistake in a statement is not one: it stays an internal error.
    EXPECT_FALSE(SqliteDatabase::storageCause(sqlite::InvalidSQLStatementException("sql")));
    EXPECT_FALSE(SqliteDatabase::storageCause(sqlite::ConstraintViolationException("unique")));
}

TEST(StorageError, GuardedNamesTheDatabaseTheOperationAndTheCause) {
    try {
        SqliteDatabase::guarded("state database", "/data/mvi.db", "save a parameter value", [] {
            throw sqlite::DatabaseFullException("database or disk is full");
        });
        FAIL() << "no exception";
    } catch (const StorageError& error) {
        EXPECT_EQ(error.cause(), Cause::Full);
        EXPECT_EQ(error.httpStatus(), 507);
        std::string message = error.what();
        EXPECT_NE(message.find("state database /data/mvi.db: cannot save a parameter value: disk "
                               "full"),
                  std::string::npos)
            << message;
        EXPECT_NE(message.find("database or disk is full"), std::string::npos) << message;
    }
    try {
        SqliteDatabase::guarded("state database", "/data/mvi.db", "set the main version",
                                [] { throw sqlite::ReadOnlyException("attempt to write"); });
        FAIL() << "no exception";
    } catch (const StorageError& error) {
        EXPECT_EQ(error.httpStatus(), 503);
        EXPECT_NE(std::string(error.what()).find("read-only"), std::string::npos);
    }
    EXPECT_THROW(SqliteDatabase::guarded("state database", "/data/mvi.db", "read",
                                         [] { throw sqlite::InvalidSQLStatementException("x"); }),
                 std::runtime_error);
    try {
        SqliteDatabase::guarded("state database", "/data/mvi.db", "read",
                                [] { throw sqlite::InvalidSQLStatementException("x"); });
    } catch (const StorageError&) {
        ADD_FAILURE() << "a statement error is not a storage error";
    } catch (const std::runtime_error&) {
    }
}

TEST(StorageError, SystemErrorsOfStorageMapTo507Or503) {
    auto full = StorageError::fromErrno(ENOSPC, "cannot write /data/uploads/x");
    ASSERT_TRUE(full);
    EXPECT_EQ(full->httpStatus(), 507);
    EXPECT_NE(std::string(full->what()).find("cannot write /data/uploads/x: disk full"),
              std::string::npos);
    EXPECT_EQ(StorageError::fromErrno(EDQUOT, "x")->cause(), Cause::Full);
    EXPECT_EQ(StorageError::fromErrno(EROFS, "x")->httpStatus(), 503);
    EXPECT_EQ(StorageError::fromErrno(EIO, "x")->cause(), Cause::IoError);
    EXPECT_FALSE(StorageError::fromErrno(EINVAL, "x"));
    EXPECT_THROW(StorageError::throwForErrno(ENOSPC, "x"), StorageError);
    try {
        StorageError::throwForErrno(EINVAL, "cannot write x");
    } catch (const StorageError&) {
        ADD_FAILURE() << "EINVAL is not a storage condition";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("cannot write x: "), std::string::npos);
    }
}

}  // namespace
}  // namespace mvi::host
