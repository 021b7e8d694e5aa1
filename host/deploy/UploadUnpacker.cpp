#include "deploy/UploadUnpacker.h"

#include <Poco/Path.h>
#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "core/JsonInput.h"
#include "state/StorageError.h"

namespace mvi::host {
namespace {

constexpr std::array<char, 4> kElfMagic = {'\x7f', 'E', 'L', 'F'};
constexpr std::array<char, 2> kGzipMagic = {'\x1f', '\x8b'};
/// The folder of an archive's root holding the version's static files.
const std::string kAssetsFolder = "assets";

/// The first bytes of `path` (fewer when the file is shorter).
std::string leadingBytes(const std::string& path, std::size_t count) {
    std::ifstream input(path, std::ios::binary);
    if (!input) {
        throw std::runtime_error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    }
    std::string bytes(count, '\0');
    input.read(bytes.data(), static_cast<std::streamsize>(count));
    bytes.resize(static_cast<std::size_t>(input.gcount()));
    return bytes;
}

template <std::size_t N>
bool startsWith(const std::string& bytes, const std::array<char, N>& magic) {
    return bytes.size() >= N && bytes.compare(0, N, magic.data(), N) == 0;
}

std::ofstream openDestination(const std::string& path) {
    std::ofstream output(path, std::ios::binary | std::ios::trunc);
    if (!output) {
        StorageError::throwForErrno(errno, "cannot write " + path);
    }
    return output;
}

void finish(std::ofstream& output, const std::string& path) {
    output.close();
    if (!output) {
        StorageError::throwForErrno(errno, "cannot write " + path);
    }
}

struct ArchiveCloser {
    void operator()(archive* reader) const { archive_read_free(reader); }
};

std::string archiveProblem(archive* reader) {
    const char* message = archive_error_string(reader);
    return fmt::format("the upload is not a valid tar.gz archive: {}",
                       message != nullptr ? message : "unreadable");
}

bool endsWithSo(const std::string& path) {
    auto slash = path.rfind('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    return base.size() > 3 && base.compare(base.size() - 3, 3, ".so") == 0;
}

void copyElf(const std::string& uploadPath, const std::string& destinationPath,
             std::uint64_t maxBytes) {
    std::ifstream input(uploadPath, std::ios::binary);
    if (!input) {
        throw std::runtime_error(
            fmt::format("cannot read {}: {}", uploadPath, std::strerror(errno)));
    }
    std::ofstream output = openDestination(destinationPath);
    std::array<char, 1 << 16> block;
    std::uint64_t copied = 0;
    while (input) {
        input.read(block.data(), block.size());
        std::streamsize got = input.gcount();
        if (got <= 0) {
            break;
        }
        copied += static_cast<std::uint64_t>(got);
        if (copied > maxBytes) {
            throw UploadUnpacker::Error(
                fmt::format("the plugin is larger than the limit of {} bytes", maxBytes));
        }
        if (!output.write(block.data(), got)) {
            StorageError::throwForErrno(errno, "cannot write " + destinationPath);
        }
    }
    if (input.bad()) {
        throw std::runtime_error(fmt::format("cannot read {}", uploadPath));
    }
    finish(output, destinationPath);
}

/// The components of a member's path, without empty and `.` ones (`./assets//a` gives
/// `assets`, `a`).
std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> parts;
    std::istringstream stream(path);
    std::string part;
    while (std::getline(stream, part, '/')) {
        if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
    }
    return parts;
}

/// Refuses the upload when a member cannot be written because of what the archive holds (a
/// file and a folder of the same name); any other failure is the disk's.
[[noreturn]] void unpackFailed(int error, const std::string& member, const std::string& path) {
    if (error == ENOTDIR || error == EEXIST || error == EISDIR) {
        throw UploadUnpacker::Error(
            fmt::format("the archive member '{}' cannot be unpacked: a file and a folder of "
                        "assets/ have the same name",
                        member));
    }
    StorageError::throwForErrno(error, "cannot write " + path);
}

/// Writes the data of the current member of `reader` to `path`.
void writeMember(archive* reader, const std::string& member, const std::string& path) {
    std::ofstream output(path, std::ios::binary | std::ios::trunc);
    if (!output) {
        unpackFailed(errno, member, path);
    }
    std::array<char, 1 << 16> block;
    while (true) {
        la_ssize_t got = archive_read_data(reader, block.data(), block.size());
        if (got == 0) {
            break;
        }
        if (got < 0) {
            throw UploadUnpacker::Error(archiveProblem(reader));
        }
        if (!output.write(block.data(), static_cast<std::streamsize>(got))) {
            StorageError::throwForErrno(errno, "cannot write " + path);
        }
    }
    finish(output, path);
}

/// Creates the folder `path` and its parents for `member`.
void makeFolder(const std::string& member, const std::string& path) {
    std::error_code error;
    std::filesystem::create_directories(path, error);
    if (error) {
        unpackFailed(error.value(), member, path);
    }
}

void extractTarGz(const std::string& uploadPath, const std::string& destinationPath,
                  std::uint64_t maxBytes, UploadUnpacker::Assets* assets) {
    std::unique_ptr<archive, ArchiveCloser> reader(archive_read_new());
    if (!reader) {
        throw std::runtime_error("cannot allocate an archive reader");
    }
    archive_read_support_filter_gzip(reader.get());
    archive_read_support_format_tar(reader.get());
    if (archive_read_open_filename(reader.get(), uploadPath.c_str(), 1 << 16) != ARCHIVE_OK) {
        throw UploadUnpacker::Error(archiveProblem(reader.get()));
    }
    std::string found;
    std::uint64_t total = 0;
    archive_entry* entry = nullptr;
    // Where a member of assets/ (`parts` starting with `assets`) is written.
    auto assetPath = [assets](const std::vector<std::string>& parts) {
        std::string target = assets->directory;
        for (std::size_t index = 1; index < parts.size(); ++index) {
            target += "/" + parts[index];
        }
        return target;
    };
    auto countAsset = [assets](const std::string& member) {
        if (++assets->entries > assets->maxEntries) {
            throw UploadUnpacker::Error(
                fmt::format("the archive's assets/ folder holds more than {} files and folders "
                            "(plugins.max_asset_files), at '{}'",
                            assets->maxEntries, member));
        }
    };
    while (true) {
        int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF) {
            break;
        }
        if (status < ARCHIVE_WARN) {
            throw UploadUnpacker::Error(archiveProblem(reader.get()));
        }
        const char* rawPath = archive_entry_pathname(entry);
        if (rawPath == nullptr || *rawPath == '\0') {
            throw UploadUnpacker::Error("the archive has a member without a readable name");
        }
        std::string path = rawPath;
        if (!JsonInput::isValidUtf8(path)) {
            throw UploadUnpacker::Error(
                fmt::format("the archive member '{}' has a name that is not valid UTF-8; member "
                            "names must be UTF-8",
                            JsonInput::withValidUtf8(path)));
        }
        // The folder itself, as Python's tarfile names it when a folder is added with an empty
        // name (the original platform's CLI does that): the root, not an absolute path.
        if (path.find_first_not_of('/') == std::string::npos &&
            archive_entry_filetype(entry) == AE_IFDIR) {
            continue;
        }
        if (!UploadUnpacker::isSafeMemberPath(path)) {
            throw UploadUnpacker::Error(
                fmt::format("the archive member '{}' has an absolute path or a '..' component; "
                            "members must stay inside the archive",
                            path));
        }
        if (const char* target = archive_entry_hardlink(entry)) {
            throw UploadUnpacker::Error(fmt::format(
                "the archive member '{}' is a hard link (to '{}'); links are not accepted", path,
                JsonInput::withValidUtf8(target)));
        }
        auto type = archive_entry_filetype(entry);
        std::vector<std::string> parts = components(path);
        bool inAssets = parts.size() > 1 && parts.front() == kAssetsFolder;
        if (type == AE_IFDIR) {
            if (assets != nullptr && !parts.empty() && parts.front() == kAssetsFolder) {
                if (!assets->found) {
                    makeFolder(path, assets->directory);
                    assets->found = true;
                }
                if (inAssets) {
                    countAsset(path);
                    makeFolder(path, assetPath(parts));
                }
            }
            continue;
        }
        if (type == AE_IFLNK) {
            const char* target = archive_entry_symlink(entry);
            throw UploadUnpacker::Error(fmt::format(
                "the archive member '{}' is a symbolic link (to '{}'); links are not accepted",
                path, JsonInput::withValidUtf8(target != nullptr ? target : "")));
        }
        if (type != AE_IFREG) {
            throw UploadUnpacker::Error(fmt::format(
                "the archive member '{}' is a device, FIFO or socket; only regular files and "
                "directories are accepted",
                path));
        }
        if (archive_entry_size_is_set(entry) != 0 && archive_entry_size(entry) > 0) {
            total += static_cast<std::uint64_t>(archive_entry_size(entry));
        }
        if (total > maxBytes) {
            throw UploadUnpacker::Error(
                fmt::format("the archive unpacks to more than the limit of {} bytes", maxBytes));
        }
        if (inAssets) {
            if (assets != nullptr) {
                countAsset(path);
                if (!assets->found) {
                    makeFolder(path, assets->directory);
                    assets->found = true;
                }
                std::string target = assetPath(parts);
                makeFolder(path, Poco::Path(target).parent().toString());
                writeMember(reader.get(), path, target);
            }
            continue;
        }
        if (!endsWithSo(path)) {
            continue;
        }
        if (!found.empty()) {
            throw UploadUnpacker::Error(
                fmt::format("the archive holds more than one .so file ('{}' and '{}'); it must "
                            "hold exactly one",
                            found, path));
        }
        found = path;
        writeMember(reader.get(), path, destinationPath);
    }
    if (found.empty()) {
        throw UploadUnpacker::Error(
            "the archive holds no .so file; it must hold exactly one (the built plugin)");
    }
    if (!startsWith(leadingBytes(destinationPath, kElfMagic.size()), kElfMagic)) {
        throw UploadUnpacker::Error(fmt::format(
            "'{}' in the archive is not an ELF file (is it really a compiled plugin?)", found));
    }
}

}  // namespace

UploadUnpacker::Kind UploadUnpacker::unpack(const std::string& uploadPath,
                                            const std::string& destinationPath,
                                            std::uint64_t maxBytes) {
    return unpackInto(uploadPath, destinationPath, maxBytes, nullptr);
}

UploadUnpacker::Kind UploadUnpacker::unpack(const std::string& uploadPath,
                                            const std::string& destinationPath,
                                            std::uint64_t maxBytes, Assets& assets) {
    assets.found = false;
    assets.entries = 0;
    return unpackInto(uploadPath, destinationPath, maxBytes, &assets);
}

UploadUnpacker::Kind UploadUnpacker::unpackInto(const std::string& uploadPath,
                                                const std::string& destinationPath,
                                                std::uint64_t maxBytes, Assets* assets) {
    std::string magic = leadingBytes(uploadPath, kElfMagic.size());
    if (magic.empty()) {
        throw Error("the uploaded file is empty");
    }
    if (startsWith(magic, kElfMagic)) {
        copyElf(uploadPath, destinationPath, maxBytes);
        return Kind::Elf;
    }
    if (startsWith(magic, kGzipMagic)) {
        extractTarGz(uploadPath, destinationPath, maxBytes, assets);
        return Kind::TarGz;
    }
    throw Error(
        "the upload is neither a plugin (an ELF .so file) nor a .tar.gz archive holding one");
}

bool UploadUnpacker::isSafeMemberPath(const std::string& memberPath) {
    if (memberPath.empty() || memberPath.front() == '/') {
        return false;
    }
    std::istringstream components(memberPath);
    std::string component;
    while (std::getline(components, component, '/')) {
        if (component == "..") {
            return false;
        }
    }
    return true;
}

}  // namespace mvi::host
