#include "monitor/MonitorExport.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <ctime>
#include <memory>
#include <stdexcept>

#include "core/IsoTime.h"

namespace mvi::host {
namespace {

/// One CSV field: quoted (quotes doubled) when it holds a separator, a quote or a line break.
std::string csvField(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) {
        return text;
    }
    std::string quoted = "\"";
    for (char c : text) {
        quoted += c;
        if (c == '"') {
            quoted += '"';
        }
    }
    return quoted + "\"";
}

struct ArchiveWriterCloser {
    void operator()(archive* writer) const { archive_write_free(writer); }
};

struct EntryCloser {
    void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

la_ssize_t appendToString(archive*, void* target, const void* data, size_t size) {
    static_cast<std::string*>(target)->append(static_cast<const char*>(data), size);
    return static_cast<la_ssize_t>(size);
}

}  // namespace

std::string MonitorExport::csv(const std::vector<MonitorStore::Point>& points) {
    std::string csv = "timestamp,value\n";
    for (const auto& point : points) {
        csv += formatIsoTime(point.time);
        csv += ',';
        csv +=
            csvField(point.value.is_string() ? point.value.get<std::string>() : point.value.dump());
        csv += '\n';
    }
    return csv;
}

std::string MonitorExport::csvZip(const MonitorStore::Series& series) {
    std::string zip;
    std::unique_ptr<archive, ArchiveWriterCloser> writer(archive_write_new());
    auto check = [&writer](int status, const char* what) {
        if (status != ARCHIVE_OK) {
            const char* message = archive_error_string(writer.get());
            throw std::runtime_error(fmt::format("cannot write the zip ({}): {}", what,
                                                 message != nullptr ? message : "unknown error"));
        }
    };
    check(archive_write_set_format_zip(writer.get()), "format");
    check(archive_write_open(writer.get(), &zip, nullptr, &appendToString, nullptr), "open");
    const std::time_t now = std::time(nullptr);
    for (const auto& [variable, points] : series) {
        std::string text = csv(points);
        std::unique_ptr<archive_entry, EntryCloser> entry(archive_entry_new());
        archive_entry_set_pathname(entry.get(), (variable + ".csv").c_str());
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(text.size()));
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), 0644);
        archive_entry_set_mtime(entry.get(), now, 0);
        check(archive_write_header(writer.get(), entry.get()), "entry header");
        if (archive_write_data(writer.get(), text.data(), text.size()) !=
            static_cast<la_ssize_t>(text.size())) {
            check(ARCHIVE_FATAL, "entry data");
        }
    }
    check(archive_write_close(writer.get()), "close");
    return zip;
}

}  // namespace mvi::host
