#include "state/DatabaseHealth.h"

#include <Poco/Data/SQLite/SQLiteException.h>

#include <algorithm>
#include <map>
#include <mutex>

namespace mvi::host {
namespace {

struct Record {
    bool damaged = false;
    std::vector<std::string> problems;
};

struct Table {
    std::mutex mutex;
    std::map<std::string, Record> files;
};

/// Never destroyed: background threads may still report while static objects are destroyed.
Table& table() {
    static Table* instance = new Table;
    return *instance;
}

}  // namespace

bool DatabaseHealth::isDamage(const Poco::Exception& error) {
    if (dynamic_cast<const Poco::Data::SQLite::CorruptImageException*>(&error) != nullptr) {
        return true;
    }
    // SQLITE_NOTADB (a damaged first page) reaches us under a generic exception class.
    return isDamage(error.displayText());
}

bool DatabaseHealth::isDamage(const std::string& message) {
    return message.find("file is not a database") != std::string::npos ||
           message.find("disk image is malformed") != std::string::npos;
}

void DatabaseHealth::reportDamage(const std::string& path, const std::string& message) noexcept {
    try {
        Table& all = table();
        std::lock_guard lock(all.mutex);
        Record& record = all.files[path];
        if (record.damaged) {
            return;
        }
        record.damaged = true;
        record.problems.push_back("the database " + path + " is damaged (" + message +
                                  "): stop the host and recover it (README: \"Recovering a "
                                  "damaged database\")");
    } catch (...) {
        // Out of memory: the query's own error still reaches its caller.
    }
}

void DatabaseHealth::report(const std::string& path, const std::string& problem) noexcept {
    try {
        Table& all = table();
        std::lock_guard lock(all.mutex);
        std::vector<std::string>& problems = all.files[path].problems;
        if (std::find(problems.begin(), problems.end(), problem) == problems.end()) {
            problems.push_back(problem);
        }
    } catch (...) {
        // Out of memory: the caller's own log line still says it.
    }
}

std::vector<std::string> DatabaseHealth::problems(const std::string& path) {
    Table& all = table();
    std::lock_guard lock(all.mutex);
    auto found = all.files.find(path);
    return found == all.files.end() ? std::vector<std::string>() : found->second.problems;
}

}  // namespace mvi::host
