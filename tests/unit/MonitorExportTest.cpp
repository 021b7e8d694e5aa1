// MonitorExport: stored monitoring values as CSV files in a zip, read back with libarchive.

#include "monitor/MonitorExport.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/IsoTime.h"

namespace mvi::host {
namespace {

/// The files of a zip, by name.
std::map<std::string, std::string> unzip(const std::string& zip) {
    std::map<std::string, std::string> files;
    archive* reader = archive_read_new();
    archive_read_support_format_zip(reader);
    EXPECT_EQ(archive_read_open_memory(reader, zip.data(), zip.size()), ARCHIVE_OK);
    archive_entry* entry = nullptr;
    while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
        std::string content;
        char block[4096];
        la_ssize_t got = 0;
        while ((got = archive_read_data(reader, block, sizeof block)) > 0) {
            content.append(block, static_cast<std::size_t>(got));
        }
        files[archive_entry_pathname(entry)] = content;
    }
    archive_read_free(reader);
    return files;
}

TEST(MonitorExport, CsvHasOneLinePerPoint) {
    Poco::Timestamp time(1'700'000'000'123'456);
    std::string csv = MonitorExport::csv({{time, 0.5}, {time, nlohmann::json::array({1, 2})}});
    std::string stamp = formatIsoTime(time);
    EXPECT_EQ(csv, "timestamp,value\n" + stamp + ",0.5\n" + stamp + ",\"[1,2]\"\n");
}

TEST(MonitorExport, CsvQuotesTextThatNeedsIt) {
    Poco::Timestamp time(0);
    std::string csv = MonitorExport::csv(
        {{time, "plain"}, {time, "a,b"}, {time, "say \"hi\""}, {time, "two\nlines"}});
    EXPECT_EQ(csv,
              "timestamp,value\n"
              "1970-01-01T00:00:00.000000Z,plain\n"
              "1970-01-01T00:00:00.000000Z,\"a,b\"\n"
              "1970-01-01T00:00:00.000000Z,\"say \"\"hi\"\"\"\n"
              "1970-01-01T00:00:00.000000Z,\"two\nlines\"\n");
}

TEST(MonitorExport, ZipHoldsOneCsvPerVariable) {
    MonitorStore::Series series;
    series["label"] = {{Poco::Timestamp(0), "x"}};
    series["score"] = {{Poco::Timestamp(0), 1}, {Poco::Timestamp(1), 2}};
    auto files = unzip(MonitorExport::csvZip(series));
    ASSERT_EQ(files.size(), 2U);
    EXPECT_EQ(files["label.csv"], MonitorExport::csv(series["label"]));
    EXPECT_EQ(files["score.csv"], MonitorExport::csv(series["score"]));
}

TEST(MonitorExport, NoVariablesIsAnEmptyZip) {
    std::string zip = MonitorExport::csvZip({});
    EXPECT_FALSE(zip.empty());
    EXPECT_TRUE(unzip(zip).empty());
}

}  // namespace
}  // namespace mvi::host
