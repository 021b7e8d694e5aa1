#include "plugin/ElfCheck.h"

#include <cxxabi.h>
#include <elf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

namespace mvi::host {
namespace {

#if defined(__x86_64__)
constexpr Elf64_Half kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr Elf64_Half kMachine = EM_AARCH64;
#elif defined(__riscv) && __riscv_xlen == 64
constexpr Elf64_Half kMachine = EM_RISCV;
#elif defined(__powerpc64__)
constexpr Elf64_Half kMachine = EM_PPC64;
#elif defined(__s390x__)
constexpr Elf64_Half kMachine = EM_S390;
#else
#error "ElfCheck does not know the ELF machine number of this architecture"
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char kByteOrder = ELFDATA2LSB;
#else
constexpr unsigned char kByteOrder = ELFDATA2MSB;
#endif

/// Most dynamic symbols read (a plugin exports two; this bounds the work on a hostile file).
constexpr std::uint64_t kMaxSymbols = 1u << 20;

/// Most UNIQUE symbol names kept.
constexpr std::size_t kMaxUniqueNames = 64;

/// A file open for reading, closed on destruction.
class File {
  public:
    explicit File(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
    ~File() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    bool isOpen() const { return fd_ >= 0; }

    std::optional<std::uint64_t> size() const {
        struct stat status {};
        if (::fstat(fd_, &status) != 0 || status.st_size < 0) {
            return std::nullopt;
        }
        return static_cast<std::uint64_t>(status.st_size);
    }

    /// Reads exactly `length` bytes at `offset`; false on a short read or an error.
    bool read(std::uint64_t offset, void* into, std::size_t length) const {
        auto* bytes = static_cast<char*>(into);
        while (length > 0) {
            ssize_t got = ::pread(fd_, bytes, length, static_cast<off_t>(offset));
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got <= 0) {
                return false;
            }
            bytes += got;
            offset += static_cast<std::uint64_t>(got);
            length -= static_cast<std::size_t>(got);
        }
        return true;
    }

  private:
    int fd_;
};

/// Whether [offset, offset + length) lies inside a file of `size` bytes, without overflow.
bool inside(std::uint64_t offset, std::uint64_t length, std::uint64_t size) {
    return offset <= size && length <= size - offset;
}

/// The end of [offset, offset + length), saturated instead of wrapping.
std::uint64_t endOf(std::uint64_t offset, std::uint64_t length) {
    return length > UINT64_MAX - offset ? UINT64_MAX : offset + length;
}

/// A C++ symbol name in source form when it is one, else the name itself.
std::string demangle(const std::string& name) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> readable(
        abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
    return status == 0 && readable ? std::string(readable.get()) : name;
}

/// The UNIQUE dynamic symbols of a file whose section header table was checked; a problem
/// sentence when the dynamic symbol table itself lies outside the file.
std::string uniqueSymbols(const File& file, std::uint64_t size, const Elf64_Ehdr& header,
                          const std::string& name, std::vector<std::string>& found) {
    for (Elf64_Half index = 0; index < header.e_shnum; ++index) {
        Elf64_Shdr symbols{};
        if (!file.read(header.e_shoff + std::uint64_t{index} * header.e_shentsize, &symbols,
                       sizeof symbols)) {
            return fmt::format("{} cannot be read: section header {} is unreadable", name, index);
        }
        if (symbols.sh_type != SHT_DYNSYM) {
            continue;
        }
        if (!inside(symbols.sh_offset, symbols.sh_size, size)) {
            return fmt::format(
                "{} is cut short: its dynamic symbol table ends at byte {} but the file has {} "
                "bytes",
                name, endOf(symbols.sh_offset, symbols.sh_size), size);
        }
        if (symbols.sh_entsize != sizeof(Elf64_Sym) || symbols.sh_link >= header.e_shnum) {
            return fmt::format("{} is not a valid ELF file: its dynamic symbol table is malformed",
                               name);
        }
        Elf64_Shdr strings{};
        if (!file.read(header.e_shoff + std::uint64_t{symbols.sh_link} * header.e_shentsize,
                       &strings, sizeof strings)) {
            return fmt::format("{} cannot be read: section header {} is unreadable", name,
                               symbols.sh_link);
        }
        if (!inside(strings.sh_offset, strings.sh_size, size)) {
            return fmt::format(
                "{} is cut short: its dynamic string table ends at byte {} but the file has {} "
                "bytes",
                name, endOf(strings.sh_offset, strings.sh_size), size);
        }
        std::uint64_t count =
            std::min<std::uint64_t>(symbols.sh_size / sizeof(Elf64_Sym), kMaxSymbols);
        for (std::uint64_t i = 0; i < count && found.size() < kMaxUniqueNames; ++i) {
            Elf64_Sym symbol{};
            if (!file.read(symbols.sh_offset + i * sizeof(Elf64_Sym), &symbol, sizeof symbol)) {
                return fmt::format("{} cannot be read: dynamic symbol {} is unreadable", name, i);
            }
            if (ELF64_ST_BIND(symbol.st_info) != STB_GNU_UNIQUE) {
                continue;
            }
            std::string symbolName;
            if (symbol.st_name < strings.sh_size) {
                char buffer[512];
                std::uint64_t available =
                    std::min<std::uint64_t>(sizeof buffer - 1, strings.sh_size - symbol.st_name);
                if (file.read(strings.sh_offset + symbol.st_name, buffer, available)) {
                    buffer[available] = '\0';
                    symbolName = buffer;
                }
            }
            found.push_back(symbolName.empty() ? fmt::format("#{}", i) : demangle(symbolName));
        }
    }
    return "";
}

}  // namespace

ElfCheck::Result ElfCheck::inspect(const std::string& path, const std::string& displayName) {
    Result result;
    const std::string& name = displayName;
    File file(path);
    if (!file.isOpen()) {
        result.problem = fmt::format("cannot read {}: {}", path, std::strerror(errno));
        return result;
    }
    auto sizeOrNone = file.size();
    if (!sizeOrNone) {
        result.problem = fmt::format("cannot read {}: {}", path, std::strerror(errno));
        return result;
    }
    const std::uint64_t size = *sizeOrNone;

    Elf64_Ehdr header{};
    unsigned char ident[EI_NIDENT] = {};
    if (!file.read(0, ident, sizeof ident) || std::memcmp(ident, ELFMAG, SELFMAG) != 0) {
        result.problem = "not an ELF shared object (is this really a compiled plugin?)";
        return result;
    }
    if (ident[EI_CLASS] != ELFCLASS64) {
        result.problem = fmt::format(
            "{} is a 32-bit ELF file: this host loads 64-bit shared objects only", name);
        return result;
    }
    if (ident[EI_DATA] != kByteOrder) {
        result.problem =
            fmt::format("{} is an ELF file of the other byte order than this machine's", name);
        return result;
    }
    if (ident[EI_VERSION] != EV_CURRENT) {
        result.problem = fmt::format("{} is not a valid ELF file (ELF version {})", name,
                                     static_cast<int>(ident[EI_VERSION]));
        return result;
    }
    if (!file.read(0, &header, sizeof header)) {
        result.problem =
            fmt::format("{} is cut short: its ELF header needs {} bytes but the file has {} bytes",
                        name, sizeof header, size);
        return result;
    }
    if (header.e_type != ET_DYN) {
        result.problem = fmt::format(
            "{} is not a shared object (ELF type {}): build it as a plugin with mvi_add_plugin",
            name, header.e_type);
        return result;
    }
    if (header.e_machine != kMachine) {
        result.problem =
            fmt::format("{} is built for another machine (ELF machine {}, this host is {})", name,
                        header.e_machine, kMachine);
        return result;
    }

    // Program headers: the table itself, then every loadable segment, inside the file.
    if (header.e_phoff == 0 || header.e_phnum == 0) {
        result.problem = fmt::format("{} is not a valid ELF file: it has no program headers", name);
        return result;
    }
    if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == PN_XNUM) {
        result.problem =
            fmt::format("{} is not a valid ELF file: its program header table is malformed", name);
        return result;
    }
    std::uint64_t phBytes = std::uint64_t{header.e_phnum} * header.e_phentsize;
    if (!inside(header.e_phoff, phBytes, size)) {
        result.problem = fmt::format(
            "{} is cut short: its program header table ends at byte {} but the file has {} bytes",
            name, endOf(header.e_phoff, phBytes), size);
        return result;
    }
    for (Elf64_Half index = 0; index < header.e_phnum; ++index) {
        Elf64_Phdr segment{};
        if (!file.read(header.e_phoff + std::uint64_t{index} * sizeof segment, &segment,
                       sizeof segment)) {
            result.problem =
                fmt::format("{} cannot be read: program header {} is unreadable", name, index);
            return result;
        }
        if (segment.p_type == PT_LOAD && !inside(segment.p_offset, segment.p_filesz, size)) {
            result.problem =
                fmt::format("{} is cut short: segment {} ends at byte {} but the file has {} bytes",
                            name, index, endOf(segment.p_offset, segment.p_filesz), size);
            return result;
        }
    }

    // Section headers: the table inside the file (a file without one has nothing to check).
    if (header.e_shoff == 0 || header.e_shnum == 0) {
        return result;
    }
    if (header.e_shentsize != sizeof(Elf64_Shdr)) {
        result.problem =
            fmt::format("{} is not a valid ELF file: its section header table is malformed", name);
        return result;
    }
    std::uint64_t shBytes = std::uint64_t{header.e_shnum} * header.e_shentsize;
    if (!inside(header.e_shoff, shBytes, size)) {
        result.problem = fmt::format(
            "{} is cut short: its section header table ends at byte {} but the file has {} bytes",
            name, endOf(header.e_shoff, shBytes), size);
        return result;
    }
    result.problem = uniqueSymbols(file, size, header, name, result.uniqueSymbols);
    return result;
}

}  // namespace mvi::host
