// The pure parts of serving a version's static files: byte ranges, media types by extension,
// request path checks, and opening a file that must stay inside its assets folder.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>

#include "HostProcess.h"
#include "core/AssetPath.h"
#include "core/ByteRange.h"
#include "core/MediaTypes.h"
#include "deploy/VersionAssets.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;

using Kind = ByteRange::Kind;

/// The range as text, to compare in one line: `whole`, `416`, or `first-last`.
std::string rangeOf(const std::string& header, std::uint64_t size) {
    ByteRange range = ByteRange::parse(header, size);
    switch (range.kind) {
        case Kind::Whole:
            return "whole";
        case Kind::Unsatisfiable:
            return "416";
        case Kind::Single:
            return std::to_string(range.first) + "-" + std::to_string(range.last);
    }
    return "?";
}

TEST(StaticByteRange, OneRangeOfEachForm) {
    EXPECT_EQ(rangeOf("bytes=0-9", 100), "0-9");
    EXPECT_EQ(rangeOf("bytes=10-", 100), "10-99");
    EXPECT_EQ(rangeOf("bytes=-10", 100), "90-99");
    EXPECT_EQ(rangeOf("bytes=99-99", 100), "99-99");
    EXPECT_EQ(ByteRange::parse("bytes=5-14", 100).length(), 10u);
    // The unit is case-insensitive; white space around the range is allowed.
    EXPECT_EQ(rangeOf("Bytes= 3-4 ", 100), "3-4");
}

TEST(StaticByteRange, RangesAreCutAtTheEnd) {
    EXPECT_EQ(rangeOf("bytes=50-1000", 100), "50-99");
    EXPECT_EQ(rangeOf("bytes=-1000", 100), "0-99");
    EXPECT_EQ(rangeOf("bytes=0-99999999999999999999999", 100), "0-99");
}

TEST(StaticByteRange, ARangeStartingPastTheEndIsUnsatisfiable) {
    EXPECT_EQ(rangeOf("bytes=100-", 100), "416");
    EXPECT_EQ(rangeOf("bytes=100-200", 100), "416");
    EXPECT_EQ(rangeOf("bytes=99999999999999999999999-", 100), "416");
    EXPECT_EQ(rangeOf("bytes=-0", 100), "416");
    EXPECT_EQ(rangeOf("bytes=0-0", 0), "416");
    EXPECT_EQ(rangeOf("bytes=-5", 0), "416");
}

TEST(StaticByteRange, SeveralRangesAreAnsweredWithTheWholeFile) {
    EXPECT_EQ(rangeOf("bytes=0-1,5-6", 100), "whole");
    EXPECT_EQ(rangeOf("bytes=0-1, -5", 100), "whole");
    // Empty list elements do not count.
    EXPECT_EQ(rangeOf("bytes=,0-1,", 100), "0-1");
}

TEST(StaticByteRange, HeadersThatAreNotByteRangesAreIgnored) {
    for (const char* header :
         {"", "bytes", "bytes=", "bytes=a-b", "bytes=5-4", "bytes=--5", "bytes=1-2-3", "items=0-5",
          "bytes=0x10-", "bytes=+1-2", "bytes=1", "bytes=,"}) {
        EXPECT_EQ(rangeOf(header, 100), "whole") << header;
    }
}

TEST(StaticMediaTypes, ExtensionsFromATableInTheSystemFormat) {
    std::istringstream table(R"(# comment line
text/html					html htm
text/css	css
image/png					png
application/octet-stream	bin
application/json json # trailing comment
text/x-second html
nonsense-without-slash foo
)");
    MediaTypes types(table);
    EXPECT_EQ(types.of("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(types.of("css/site.CSS"), "text/css; charset=utf-8");
    EXPECT_EQ(types.of("logo.png"), "image/png");
    EXPECT_EQ(types.of("data.bin"), "application/octet-stream");
    EXPECT_EQ(types.of("a/b.json"), "application/json");
    EXPECT_EQ(types.of("unknown.xyz"), "application/octet-stream");
    EXPECT_EQ(types.of("README"), "application/octet-stream");
    EXPECT_EQ(types.of("trailing."), "application/octet-stream");
    EXPECT_EQ(types.of("dir.html/file"), "application/octet-stream");
    EXPECT_EQ(types.of("x.foo"), "application/octet-stream");
}

TEST(StaticMediaTypes, TheSystemTableKnowsTheWebTypes) {
    const MediaTypes& types = MediaTypes::system();
    EXPECT_EQ(types.of("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(types.of("site.css"), "text/css; charset=utf-8");
    EXPECT_EQ(types.of("app.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(types.of("chart.svg"), "image/svg+xml");
    EXPECT_EQ(types.of("data.bin"), "application/octet-stream");
}

TEST(StaticAssetPath, PlainPathsAreAccepted) {
    EXPECT_FALSE(AssetPath::problem("/services/a/static/index.html", "index.html"));
    EXPECT_FALSE(AssetPath::problem("/services/a/static/css/site.css?v=1", "css/site.css"));
    EXPECT_FALSE(AssetPath::problem("/services/a/static/.well-known/x", ".well-known/x"));
    EXPECT_FALSE(AssetPath::problem("/services/a/static/a..b", "a..b"));
    // An encoded slash in the query is not in the path.
    EXPECT_FALSE(AssetPath::problem("/services/a/static/x?next=%2Fy", "x"));
}

TEST(StaticAssetPath, TricksAreRefused) {
    EXPECT_TRUE(AssetPath::problem("/services/a/static/../x", "../x"));
    EXPECT_TRUE(AssetPath::problem("/services/a/static/css/../../x", "css/../../x"));
    EXPECT_TRUE(AssetPath::problem("/services/a/static/./x", "./x"));
    EXPECT_TRUE(AssetPath::problem("/services/a/static/css%2Fsite.css", "css/site.css"));
    EXPECT_TRUE(AssetPath::problem("/services/a/static/css%2fsite.css", "css/site.css"));
    EXPECT_TRUE(AssetPath::problem("/services/a/static/css%5Csite.css", "css\\site.css"));
    EXPECT_TRUE(AssetPath::problem("/services/a/static/x%00.html", std::string("x\0.html", 7)));
    EXPECT_TRUE(AssetPath::problem("/services/a/static/", ""));
}

TEST(StaticAssetPath, InsideComparesWholeSegments) {
    EXPECT_TRUE(AssetPath::isInside("/a/b", "/a/b/c"));
    EXPECT_TRUE(AssetPath::isInside("/a/b/", "/a/b/c/d"));
    EXPECT_TRUE(AssetPath::isInside("/a/b", "/a/b"));
    EXPECT_FALSE(AssetPath::isInside("/a/b", "/a/bc"));
    EXPECT_FALSE(AssetPath::isInside("/a/b", "/a"));
    EXPECT_FALSE(AssetPath::isInside("/a/b", "/x/a/b/c"));
    EXPECT_TRUE(AssetPath::isInside("/", "/etc/passwd"));
}

class StaticVersionAssets : public ::testing::Test {
  protected:
    void SetUp() override {
        work_ = mvi::test::makeTemporaryDirectory();
        assets_ = (fs::path(work_) / "plugins" / "site_1.0.0" / "assets").string();
        fs::create_directories(assets_ + "/css");
        write(assets_ + "/index.html", "<h1>hello</h1>");
        write(assets_ + "/css/site.css", "h1 { color: red }");
        write(work_ + "/secret.txt", "outside");
    }
    void TearDown() override { fs::remove_all(work_); }

    static void write(const std::string& path, const std::string& content) {
        std::ofstream(path, std::ios::binary) << content;
    }

    static std::string contentOf(VersionAssets::File& file) {
        return {std::istreambuf_iterator<char>(*file.stream), std::istreambuf_iterator<char>()};
    }

    std::string work_;
    std::string assets_;
};

TEST_F(StaticVersionAssets, TheFolderIsNamedAfterThePluginFile) {
    EXPECT_EQ(VersionAssets::besidePlugin("/p/site_1.0.0.so"), "/p/site_1.0.0/assets");
    EXPECT_EQ(VersionAssets::besidePlugin("/p/site_1.0.0"), "");
    EXPECT_EQ(VersionAssets::versionFolder("/p", {"site", "1.0.0"}), "/p/site_1.0.0");
    EXPECT_TRUE(
        VersionAssets::exists(VersionAssets::besidePlugin(work_ + "/plugins/site_1.0.0.so")));
    EXPECT_FALSE(VersionAssets::exists(VersionAssets::besidePlugin(work_ + "/plugins/x_1.0.0.so")));
}

TEST_F(StaticVersionAssets, AFileInsideIsOpenedWithItsSizeAndTimes) {
    auto file = VersionAssets::open(assets_, "css/site.css");
    ASSERT_TRUE(file);
    EXPECT_EQ(file->size, 17u);
    EXPECT_GT(file->modifiedSeconds, 0);
    EXPECT_NE(file->inode, 0u);
    EXPECT_EQ(contentOf(*file), "h1 { color: red }");
    file->stream->clear();
    file->stream->seekg(5);
    std::string rest(5, '\0');
    file->stream->read(rest.data(), 5);
    EXPECT_EQ(rest, "color");
}

TEST_F(StaticVersionAssets, MissingFilesFoldersAndFifosAreNotOpened) {
    EXPECT_FALSE(VersionAssets::open(assets_, "missing.html"));
    EXPECT_FALSE(VersionAssets::open(assets_, "css"));
    ASSERT_EQ(::mkfifo((assets_ + "/pipe").c_str(), 0600), 0);
    EXPECT_FALSE(VersionAssets::open(assets_, "pipe"));
    EXPECT_FALSE(VersionAssets::open(work_ + "/plugins/none/assets", "index.html"));
}

TEST_F(StaticVersionAssets, LinksLeadingOutAreRefusedLinksInsideAreFollowed) {
    fs::create_symlink(work_ + "/secret.txt", assets_ + "/secret.txt");
    fs::create_directory_symlink(work_, assets_ + "/up");
    fs::create_symlink("index.html", assets_ + "/home.html");
    fs::create_directory_symlink("css", assets_ + "/styles");
    EXPECT_FALSE(VersionAssets::open(assets_, "secret.txt"));
    EXPECT_FALSE(VersionAssets::open(assets_, "up/secret.txt"));
    auto home = VersionAssets::open(assets_, "home.html");
    ASSERT_TRUE(home);
    EXPECT_EQ(contentOf(*home), "<h1>hello</h1>");
    EXPECT_TRUE(VersionAssets::open(assets_, "styles/site.css"));
}

TEST_F(StaticVersionAssets, RemovingTakesTheWholeFolderAndLeftoversAreCleared) {
    std::string plugins = work_ + "/plugins";
    EXPECT_TRUE(VersionAssets::remove(plugins, {"site", "1.0.0"}));
    EXPECT_FALSE(fs::exists(plugins + "/site_1.0.0"));
    EXPECT_TRUE(fs::is_empty(plugins));
    // Nothing to remove is not a failure.
    EXPECT_TRUE(VersionAssets::remove(plugins, {"site", "1.0.0"}));

    std::string staging = VersionAssets::stagingFolder(plugins, {"site", "2.0.0"});
    fs::create_directories(staging + "/assets");
    fs::create_directories(plugins + "/.keep_me");
    fs::create_directories(plugins + "/site_3.0.0/assets");
    auto removed = VersionAssets::removeLeftovers(plugins);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0], fs::path(staging).filename().string());
    EXPECT_FALSE(fs::exists(staging));
    EXPECT_TRUE(fs::exists(plugins + "/.keep_me"));
    EXPECT_TRUE(fs::exists(plugins + "/site_3.0.0/assets"));
}

}  // namespace
}  // namespace mvi::host
