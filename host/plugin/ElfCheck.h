#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mvi::host {

/// Reads a plugin file's ELF structure without opening it with the dynamic loader, so that a
/// file the loader would die on never reaches it.
///
/// `dlopen` maps every loadable segment straight from the file: a segment that lies past the end
/// of a file cut short (a copy still in progress, a truncated upload) makes the process die with
/// SIGBUS. The check reads the ELF header, the program header table and the section header table
/// and refuses a file that is not a 64-bit ELF shared object for this machine, or whose tables or
/// loadable segments do not lie inside the file. It also lists the dynamic symbols bound
/// `STB_GNU_UNIQUE`: the dynamic loader shares one copy of each between all libraries that
/// define it and never unloads a library that has one.
///
/// Reads only the headers and the dynamic symbol table (never the whole file); never throws.
class ElfCheck {
  public:
    /// What the check found.
    struct Result {
        /// Why the file cannot be loaded, as a sentence naming the file ("hello_1.0.0.so is cut
        /// short: segment 2 ends at byte 16384 but the file has 9000 bytes"); empty when the
        /// structure is complete.
        std::string problem;
        /// Names of the dynamic symbols bound STB_GNU_UNIQUE (demangled when they are C++
        /// names), in table order.
        std::vector<std::string> uniqueSymbols;

        bool ok() const { return problem.empty(); }
    };

    /// Checks the file at `path`; `displayName` names it in the problem (its file name, say).
    static Result inspect(const std::string& path, const std::string& displayName);
};

}  // namespace mvi::host
