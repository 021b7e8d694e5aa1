// A listing of the plugins folder, what the watcher compares when it polls: real folders, real
// files.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "reload/FolderListing.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;
using Names = std::vector<std::string>;

class FolderListingTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "mvi-listing-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        folder_ = pattern;
    }

    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(folder_, ignored);
    }

    void write(const std::string& name, std::size_t size) {
        std::ofstream(folder_ / name, std::ios::binary | std::ios::trunc) << std::string(size, 'x');
    }

    FolderListing list() {
        int error = 0;
        auto listing = FolderListing::read(folder_.string(), error);
        EXPECT_TRUE(listing.has_value()) << error;
        return listing ? *listing : FolderListing{};
    }

    fs::path folder_;
};

TEST_F(FolderListingTest, ListsOnlyPluginFiles) {
    write("hello_1.0.0.so", 10);
    write(".hello_1.0.0.so.tmp", 10);
    write("hello_1.0.0.so.swp", 10);
    write("notes.txt", 10);
    fs::create_directory(folder_ / "folder_1.0.0.so");
    fs::create_symlink(folder_ / "missing_1.0.0.so", folder_ / "dangling_1.0.0.so");
    FolderListing listing = list();
    ASSERT_EQ(listing.files().size(), 1u);
    EXPECT_EQ(listing.files().begin()->first, "hello_1.0.0.so");
    EXPECT_EQ(listing.files().begin()->second.size, 10);
}

TEST_F(FolderListingTest, TellsNewChangedReplacedAndRemovedFiles) {
    write("same_1.0.0.so", 10);
    write("grown_1.0.0.so", 10);
    write("replaced_1.0.0.so", 10);
    write("gone_1.0.0.so", 10);
    FolderListing before = list();
    EXPECT_TRUE(before.since(before).changed.empty());
    write("grown_1.0.0.so", 20);
    write("other.so.tmp", 10);
    fs::rename(folder_ / "other.so.tmp", folder_ / "replaced_1.0.0.so");  // same size, new inode
    fs::remove(folder_ / "gone_1.0.0.so");
    write("new_1.0.0.so", 10);
    FolderListing after = list();
    FolderListing::Difference difference = after.since(before);
    EXPECT_EQ(difference.changed, (Names{"grown_1.0.0.so", "new_1.0.0.so", "replaced_1.0.0.so"}));
    EXPECT_EQ(difference.removed, (Names{"gone_1.0.0.so"}));
    EXPECT_TRUE(after.sameFolder(before));
}

TEST_F(FolderListingTest, TellsAnotherFolderAtTheSamePath) {
    FolderListing before = list();
    fs::rename(folder_, folder_.string() + ".old");
    fs::create_directory(folder_);
    FolderListing after = list();
    EXPECT_FALSE(after.sameFolder(before));
    fs::remove_all(folder_.string() + ".old");
}

TEST_F(FolderListingTest, AMissingFolderCannotBeListed) {
    int error = 0;
    EXPECT_FALSE(FolderListing::read((folder_ / "missing").string(), error).has_value());
    EXPECT_EQ(error, ENOENT);
    write("file", 1);
    EXPECT_FALSE(FolderListing::read((folder_ / "file").string(), error).has_value());
    EXPECT_EQ(error, ENOTDIR);
}

}  // namespace
}  // namespace mvi::host
