// Unpacking deployment uploads: the plugin itself or a tar.gz holding exactly one .so, with
// every path trick and special member refused. Archives are written with libarchive.

#include <Poco/DeflatingStream.h>
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "HostProcess.h"
#include "core/JsonInput.h"
#include "deploy/UploadUnpacker.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;

/// One member of a test archive.
struct Member {
    enum class Type { File, Directory, Symlink, Hardlink, CharDevice, Fifo };
    std::string path;
    Type type = Type::File;
    std::string content;
    /// Link target for symbolic and hard links.
    std::string target;
};

std::string readFile(const std::string& path) {
    std::ifstream input(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
}

void writeFile(const std::string& path, const std::string& content) {
    std::ofstream output(path, std::ios::binary | std::ios::trunc);
    output << content;
}

/// Writes a gzip-compressed (pax) tar archive holding `members`, exactly as given.
void writeTarGz(const std::string& path, const std::vector<Member>& members) {
    archive* writer = archive_write_new();
    archive_write_add_filter_gzip(writer);
    archive_write_set_format_pax_restricted(writer);
    if (archive_write_open_filename(writer, path.c_str()) != ARCHIVE_OK) {
        throw std::runtime_error(archive_error_string(writer));
    }
    for (const Member& member : members) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, member.path.c_str());
        archive_entry_set_perm(entry, 0644);
        switch (member.type) {
            case Member::Type::File:
                archive_entry_set_filetype(entry, AE_IFREG);
                archive_entry_set_size(entry, static_cast<la_int64_t>(member.content.size()));
                break;
            case Member::Type::Directory:
                archive_entry_set_filetype(entry, AE_IFDIR);
                archive_entry_set_perm(entry, 0755);
                break;
            case Member::Type::Symlink:
                archive_entry_set_filetype(entry, AE_IFLNK);
                archive_entry_set_symlink(entry, member.target.c_str());
                break;
            case Member::Type::Hardlink:
                archive_entry_set_filetype(entry, AE_IFREG);
                archive_entry_set_hardlink(entry, member.target.c_str());
                break;
            case Member::Type::CharDevice:
                archive_entry_set_filetype(entry, AE_IFCHR);
                archive_entry_set_rdev(entry, makedev(1, 3));
                break;
            case Member::Type::Fifo:
                archive_entry_set_filetype(entry, AE_IFIFO);
                break;
        }
        // A name that is not UTF-8 is written as it is, with a warning.
        if (archive_write_header(writer, entry) < ARCHIVE_WARN) {
            throw std::runtime_error(archive_error_string(writer));
        }
        if (member.type == Member::Type::File && !member.content.empty()) {
            archive_write_data(writer, member.content.data(), member.content.size());
        }
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
}

class UploadUnpackerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        work_ = mvi::test::makeTemporaryDirectory();
        upload_ = (fs::path(work_) / "upload").string();
        destination_ = (fs::path(work_) / "plugin.so").string();
        plugin_ = readFile(mvi::test::builtPlugin("fixture_counter_v1"));
        ASSERT_GT(plugin_.size(), 4u);
    }
    void TearDown() override { fs::remove_all(work_); }

    /// Unpacks the upload and returns the refusal message (empty when it was accepted).
    std::string refusal(std::uint64_t maxBytes = 1 << 26) {
        try {
            UploadUnpacker::unpack(upload_, destination_, maxBytes);
        } catch (const UploadUnpacker::Error& error) {
            return error.what();
        }
        return "";
    }

    /// Everything under the work directory, so a test can tell nothing was written elsewhere.
    std::set<std::string> workFiles() const {
        std::set<std::string> files;
        for (const auto& entry : fs::recursive_directory_iterator(work_)) {
            files.insert(fs::relative(entry.path(), work_).string());
        }
        return files;
    }

    std::string work_;
    std::string upload_;
    std::string destination_;
    std::string plugin_;
};

TEST_F(UploadUnpackerTest, ThePluginItselfIsCopied) {
    writeFile(upload_, plugin_);
    EXPECT_EQ(UploadUnpacker::unpack(upload_, destination_, 1 << 26), UploadUnpacker::Kind::Elf);
    EXPECT_EQ(readFile(destination_), plugin_);
}

TEST_F(UploadUnpackerTest, TheOneSoOfATarGzIsExtracted) {
    writeTarGz(upload_, {{"build", Member::Type::Directory, "", ""},
                         {"build/README.txt", Member::Type::File, "read me", ""},
                         {"./build/counter.so", Member::Type::File, plugin_, ""},
                         {"build/notes.so.txt", Member::Type::File, "not a plugin", ""}});
    EXPECT_EQ(UploadUnpacker::unpack(upload_, destination_, 1 << 26), UploadUnpacker::Kind::TarGz);
    EXPECT_EQ(readFile(destination_), plugin_);
    EXPECT_EQ(workFiles(), (std::set<std::string>{"upload", "plugin.so"}));
}

TEST_F(UploadUnpackerTest, AnUploadThatIsNeitherElfNorGzipIsRefused) {
    writeFile(upload_, "#!/bin/sh\necho not a plugin\n");
    EXPECT_NE(refusal().find("neither a plugin"), std::string::npos);
    EXPECT_FALSE(fs::exists(destination_));
}

TEST_F(UploadUnpackerTest, APlainTarIsRefused) {
    // An uncompressed tar starts with the first member's name: neither gzip nor ELF.
    archive* writer = archive_write_new();
    archive_write_set_format_pax_restricted(writer);
    ASSERT_EQ(archive_write_open_filename(writer, upload_.c_str()), ARCHIVE_OK);
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, "counter.so");
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(plugin_.size()));
    archive_write_header(writer, entry);
    archive_write_data(writer, plugin_.data(), plugin_.size());
    archive_entry_free(entry);
    archive_write_close(writer);
    archive_write_free(writer);
    EXPECT_NE(refusal().find("neither a plugin"), std::string::npos);
}

TEST_F(UploadUnpackerTest, AnEmptyUploadIsRefused) {
    writeFile(upload_, "");
    EXPECT_EQ(refusal(), "the uploaded file is empty");
}

TEST_F(UploadUnpackerTest, CorruptGzipIsRefused) {
    writeFile(upload_, std::string("\x1f\x8b", 2) + "definitely not deflate data");
    EXPECT_NE(refusal().find("not a valid tar.gz archive"), std::string::npos);
}

TEST_F(UploadUnpackerTest, GzipThatIsNotATarIsRefused) {
    {
        std::ofstream output(upload_, std::ios::binary);
        Poco::DeflatingOutputStream gzip(output, Poco::DeflatingStreamBuf::STREAM_GZIP);
        gzip << plugin_;
        gzip.close();
    }
    EXPECT_NE(refusal().find("not a valid tar.gz archive"), std::string::npos);
}

TEST_F(UploadUnpackerTest, AnArchiveWithoutSoIsRefused) {
    writeTarGz(upload_, {{"README", Member::Type::File, "nothing here", ""}});
    EXPECT_NE(refusal().find("holds no .so file"), std::string::npos);
}

TEST_F(UploadUnpackerTest, AnArchiveWithTwoSoIsRefused) {
    writeTarGz(upload_, {{"a.so", Member::Type::File, plugin_, ""},
                         {"lib/b.so", Member::Type::File, plugin_, ""}});
    std::string message = refusal();
    EXPECT_NE(message.find("more than one .so"), std::string::npos) << message;
    EXPECT_NE(message.find("lib/b.so"), std::string::npos) << message;
}

TEST_F(UploadUnpackerTest, ASoThatIsNotElfIsRefused) {
    writeTarGz(upload_, {{"counter.so", Member::Type::File, "just text", ""}});
    EXPECT_NE(refusal().find("is not an ELF file"), std::string::npos);
}

TEST_F(UploadUnpackerTest, MemberNamesThatAreNotUtf8AreRefused) {
    writeTarGz(upload_, {{"coun\xffter.so", Member::Type::File, plugin_, ""}});
    std::string message = refusal();
    EXPECT_NE(message.find("not valid UTF-8"), std::string::npos) << message;
    EXPECT_TRUE(JsonInput::isValidUtf8(message)) << message;
    // An ignored member is refused too: the archive is checked whole.
    writeTarGz(upload_, {{"counter.so", Member::Type::File, plugin_, ""},
                         {"notes/\xc3\x28.txt", Member::Type::File, "text", ""}});
    EXPECT_NE(refusal().find("not valid UTF-8"), std::string::npos);
}

TEST_F(UploadUnpackerTest, SymbolicLinksAreRefused) {
    writeTarGz(upload_, {{"counter.so", Member::Type::Symlink, "", "/etc/passwd"}});
    EXPECT_NE(refusal().find("symbolic link"), std::string::npos);
    // A link beside a good plugin spoils the archive too.
    writeTarGz(upload_, {{"counter.so", Member::Type::File, plugin_, ""},
                         {"escape", Member::Type::Symlink, "", "../../.."}});
    EXPECT_NE(refusal().find("symbolic link"), std::string::npos);
    EXPECT_EQ(workFiles().count("escape"), 0u);
}

TEST_F(UploadUnpackerTest, HardLinksAreRefused) {
    writeTarGz(upload_, {{"real.txt", Member::Type::File, "text", ""},
                         {"counter.so", Member::Type::Hardlink, "", "real.txt"}});
    EXPECT_NE(refusal().find("hard link"), std::string::npos);
}

TEST_F(UploadUnpackerTest, DevicesAndFifosAreRefused) {
    writeTarGz(upload_, {{"null", Member::Type::CharDevice, "", ""}});
    EXPECT_NE(refusal().find("device, FIFO or socket"), std::string::npos);
    writeTarGz(upload_, {{"pipe", Member::Type::Fifo, "", ""}});
    EXPECT_NE(refusal().find("device, FIFO or socket"), std::string::npos);
}

TEST_F(UploadUnpackerTest, AbsoluteAndParentPathsAreRefused) {
    std::string outside = (fs::path(work_) / "outside.so").string();
    for (const std::string& path : {outside, std::string("../outside.so"),
                                    std::string("build/../../outside.so"), std::string("..")}) {
        writeTarGz(upload_, {{path, Member::Type::File, plugin_, ""}});
        EXPECT_NE(refusal().find("absolute path or a '..' component"), std::string::npos) << path;
    }
    EXPECT_FALSE(fs::exists(outside));
    EXPECT_FALSE(fs::exists(fs::path(work_).parent_path() / "outside.so"));
    EXPECT_EQ(workFiles(), (std::set<std::string>{"upload"}));
}

TEST_F(UploadUnpackerTest, SizesAreBounded) {
    writeFile(upload_, plugin_);
    EXPECT_NE(refusal(plugin_.size() - 1).find("larger than the limit"), std::string::npos);
    EXPECT_EQ(refusal(plugin_.size()), "");
    writeTarGz(upload_, {{"padding.bin", Member::Type::File, std::string(plugin_.size(), 'x'), ""},
                         {"counter.so", Member::Type::File, plugin_, ""}});
    EXPECT_NE(refusal(plugin_.size() + 10).find("unpacks to more than"), std::string::npos);
    EXPECT_EQ(refusal(2 * plugin_.size()), "");
}

/// Unpacks with an assets folder `<work>/staged/assets`; returns the refusal (empty when
/// accepted).
std::string unpackWithAssets(const std::string& upload, const std::string& destination,
                             UploadUnpacker::Assets& assets, std::uint64_t maxBytes = 1 << 26) {
    try {
        UploadUnpacker::unpack(upload, destination, maxBytes, assets);
    } catch (const UploadUnpacker::Error& error) {
        return error.what();
    }
    return "";
}

TEST_F(UploadUnpackerTest, TheAssetsFolderIsUnpackedBesideThePlugin) {
    // As `tar czf x.tar.gz -C folder .` writes it: every name starts with `./`.
    writeTarGz(upload_, {{"./", Member::Type::Directory, "", ""},
                         {"./counter.so", Member::Type::File, plugin_, ""},
                         {"./assets/", Member::Type::Directory, "", ""},
                         {"./assets/index.html", Member::Type::File, "<h1>hi</h1>", ""},
                         {"./assets/css/site.css", Member::Type::File, "h1 {}", ""},
                         {"./assets/empty/", Member::Type::Directory, "", ""},
                         // A .so among the static files is a static file, not a second plugin.
                         {"./assets/lib/extra.so", Member::Type::File, "bytes", ""},
                         {"./README", Member::Type::File, "ignored", ""}});
    UploadUnpacker::Assets assets;
    assets.directory = (fs::path(work_) / "staged" / "assets").string();
    EXPECT_EQ(unpackWithAssets(upload_, destination_, assets), "");
    EXPECT_TRUE(assets.found);
    // The members below assets/: three files and a folder (css/ and lib/ are not members).
    EXPECT_EQ(assets.entries, 4u);
    EXPECT_EQ(readFile(destination_), plugin_);
    EXPECT_EQ(readFile(assets.directory + "/index.html"), "<h1>hi</h1>");
    EXPECT_EQ(readFile(assets.directory + "/css/site.css"), "h1 {}");
    EXPECT_EQ(readFile(assets.directory + "/lib/extra.so"), "bytes");
    EXPECT_TRUE(fs::is_directory(assets.directory + "/empty"));
    EXPECT_EQ(workFiles(),
              (std::set<std::string>{"upload", "plugin.so", "staged", "staged/assets",
                                     "staged/assets/index.html", "staged/assets/css",
                                     "staged/assets/css/site.css", "staged/assets/empty",
                                     "staged/assets/lib", "staged/assets/lib/extra.so"}));
}

TEST_F(UploadUnpackerTest, ARootMemberNamedSlashHoldsTheAssetsToo) {
    // Python's tarfile with arcname="": the root is `/`, the rest relative to it.
    writeTarGz(upload_, {{"/", Member::Type::Directory, "", ""},
                         {"counter.so", Member::Type::File, plugin_, ""},
                         {"assets", Member::Type::Directory, "", ""},
                         {"assets/data.bin", Member::Type::File, std::string("\0\1\2", 3), ""}});
    UploadUnpacker::Assets assets;
    assets.directory = (fs::path(work_) / "staged" / "assets").string();
    EXPECT_EQ(unpackWithAssets(upload_, destination_, assets), "");
    EXPECT_TRUE(assets.found);
    EXPECT_EQ(readFile(assets.directory + "/data.bin"), std::string("\0\1\2", 3));
}

TEST_F(UploadUnpackerTest, AnArchiveWithoutAssetsWritesNoFolder) {
    writeTarGz(upload_, {{"counter.so", Member::Type::File, plugin_, ""},
                         {"static/index.html", Member::Type::File, "not assets", ""}});
    UploadUnpacker::Assets assets;
    assets.directory = (fs::path(work_) / "staged" / "assets").string();
    EXPECT_EQ(unpackWithAssets(upload_, destination_, assets), "");
    EXPECT_FALSE(assets.found);
    EXPECT_FALSE(fs::exists(fs::path(work_) / "staged"));
}

TEST_F(UploadUnpackerTest, BadAssetsMembersAreRefused) {
    auto refusedWith = [this](const std::vector<Member>& members) {
        std::vector<Member> all = {{"counter.so", Member::Type::File, plugin_, ""}};
        all.insert(all.end(), members.begin(), members.end());
        writeTarGz(upload_, all);
        UploadUnpacker::Assets assets;
        assets.directory = (fs::path(work_) / "staged" / "assets").string();
        return unpackWithAssets(upload_, destination_, assets);
    };
    EXPECT_NE(refusedWith({{"assets/up", Member::Type::Symlink, "", "../../etc/passwd"}})
                  .find("symbolic link"),
              std::string::npos);
    EXPECT_NE(refusedWith({{"assets/a.txt", Member::Type::File, "a", ""},
                           {"assets/b.txt", Member::Type::Hardlink, "", "assets/a.txt"}})
                  .find("hard link"),
              std::string::npos);
    EXPECT_NE(refusedWith({{"assets/../../x", Member::Type::File, "x", ""}}).find("'..'"),
              std::string::npos);
    EXPECT_NE(refusedWith({{"/assets/x", Member::Type::File, "x", ""}}).find("absolute"),
              std::string::npos);
    EXPECT_NE(refusedWith({{"assets/\xff.txt", Member::Type::File, "x", ""}}).find("UTF-8"),
              std::string::npos);
    EXPECT_NE(refusedWith({{"assets/fifo", Member::Type::Fifo, "", ""}}).find("FIFO"),
              std::string::npos);
    EXPECT_NE(refusedWith({{"assets/x", Member::Type::File, "x", ""},
                           {"assets/x/y", Member::Type::File, "y", ""}})
                  .find("same name"),
              std::string::npos);
}

TEST_F(UploadUnpackerTest, TheNumberOfAssetsAndTheirSizeAreBounded) {
    std::vector<Member> members = {{"counter.so", Member::Type::File, plugin_, ""}};
    for (int index = 0; index < 4; ++index) {
        members.push_back({"assets/f" + std::to_string(index), Member::Type::File, "x", ""});
    }
    writeTarGz(upload_, members);
    UploadUnpacker::Assets assets;
    assets.directory = (fs::path(work_) / "staged" / "assets").string();
    assets.maxEntries = 3;
    EXPECT_NE(unpackWithAssets(upload_, destination_, assets).find("more than 3 files and folders"),
              std::string::npos);
    assets.maxEntries = 4;
    EXPECT_EQ(unpackWithAssets(upload_, destination_, assets), "");

    writeTarGz(upload_, {{"counter.so", Member::Type::File, plugin_, ""},
                         {"assets/big.bin", Member::Type::File, std::string(5000, 'b'), ""}});
    EXPECT_NE(unpackWithAssets(upload_, destination_, assets, plugin_.size() + 4000)
                  .find("more than the limit"),
              std::string::npos);
}

TEST(UploadUnpackerPaths, OnlyRelativePathsWithoutParentComponentsAreSafe) {
    EXPECT_TRUE(UploadUnpacker::isSafeMemberPath("counter.so"));
    EXPECT_TRUE(UploadUnpacker::isSafeMemberPath("./build/counter.so"));
    EXPECT_TRUE(UploadUnpacker::isSafeMemberPath("a..b/c..so"));
    EXPECT_FALSE(UploadUnpacker::isSafeMemberPath(""));
    EXPECT_FALSE(UploadUnpacker::isSafeMemberPath("/etc/passwd"));
    EXPECT_FALSE(UploadUnpacker::isSafeMemberPath(".."));
    EXPECT_FALSE(UploadUnpacker::isSafeMemberPath("../x.so"));
    EXPECT_FALSE(UploadUnpacker::isSafeMemberPath("a/../../x.so"));
    EXPECT_FALSE(UploadUnpacker::isSafeMemberPath("a/.."));
}

}  // namespace
}  // namespace mvi::host
