// The ELF check on real built plugins and on copies of them cut short or altered byte by byte.

#include <elf.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "HostProcess.h"
#include "plugin/ElfCheck.h"

namespace mvi::host {
namespace {

namespace fs = std::filesystem;

class ElfCheckTest : public ::testing::Test {
  protected:
    void SetUp() override {
        work_ = mvi::test::makeTemporaryDirectory();
        std::ifstream input(mvi::test::builtPlugin("hello"), std::ios::binary);
        hello_.assign(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
        ASSERT_GT(hello_.size(), 65536u);
    }
    void TearDown() override { fs::remove_all(work_); }

    /// Writes `content` to a file in the work folder and checks it.
    ElfCheck::Result check(const std::string& content) {
        std::string path = (fs::path(work_) / "x_1.0.0.so").string();
        std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
        return ElfCheck::inspect(path, "x_1.0.0.so");
    }

    /// A length that ends hello's file inside the segment of its program header 1 (where that
    /// lies depends on the build's flags).
    std::size_t insideSegmentOne() const {
        Elf64_Ehdr header;
        std::memcpy(&header, hello_.data(), sizeof header);
        Elf64_Phdr segment;
        std::memcpy(&segment, hello_.data() + header.e_phoff + header.e_phentsize, sizeof segment);
        return segment.p_offset + segment.p_filesz / 2;
    }

    /// hello's bytes with the ELF header changed by `change`.
    std::string withHeader(void (*change)(Elf64_Ehdr&)) const {
        std::string copy = hello_;
        Elf64_Ehdr header;
        std::memcpy(&header, copy.data(), sizeof header);
        change(header);
        std::memcpy(copy.data(), &header, sizeof header);
        return copy;
    }

    std::string work_;
    std::string hello_;
};

TEST_F(ElfCheckTest, ABuiltPluginIsCompleteAndHasNoUniqueSymbols) {
    for (const char* target : {"hello", "calculator", "fixture_counter_v1", "fixture_timers"}) {
        auto result = ElfCheck::inspect(mvi::test::builtPlugin(target), target);
        EXPECT_TRUE(result.ok()) << target << ": " << result.problem;
        EXPECT_TRUE(result.uniqueSymbols.empty()) << target;
    }
}

TEST_F(ElfCheckTest, AFileCutShortNamesTheSegmentAndTheSizes) {
    const std::size_t length = insideSegmentOne();
    auto cut = check(hello_.substr(0, length));
    EXPECT_NE(cut.problem.find("x_1.0.0.so is cut short: segment 1 ends at byte "),
              std::string::npos)
        << cut.problem;
    EXPECT_NE(cut.problem.find(" but the file has " + std::to_string(length) + " bytes"),
              std::string::npos)
        << cut.problem;

    // Every loadable segment is there but the section header table (at the end) is not.
    auto tail = check(hello_.substr(0, hello_.size() - 1));
    EXPECT_NE(tail.problem.find("is cut short: its section header table ends at byte " +
                                std::to_string(hello_.size())),
              std::string::npos)
        << tail.problem;

    auto header = check(hello_.substr(0, 40));
    EXPECT_NE(header.problem.find("is cut short: its ELF header"), std::string::npos)
        << header.problem;

    auto programHeaders = check(hello_.substr(0, 100));
    EXPECT_NE(programHeaders.problem.find("is cut short: its program header table ends at byte"),
              std::string::npos)
        << programHeaders.problem;
}

TEST_F(ElfCheckTest, OtherFilesAreRefusedWithWhatTheyAre) {
    EXPECT_EQ(check("#!/bin/sh\necho hi\n").problem,
              "not an ELF shared object (is this really a compiled plugin?)");
    EXPECT_EQ(check("").problem, "not an ELF shared object (is this really a compiled plugin?)");

    auto bits32 = check(withHeader([](Elf64_Ehdr& header) { header.e_ident[EI_CLASS] = 1; }));
    EXPECT_NE(bits32.problem.find("is a 32-bit ELF file"), std::string::npos) << bits32.problem;

    auto executable = check(withHeader([](Elf64_Ehdr& header) { header.e_type = ET_EXEC; }));
    EXPECT_NE(executable.problem.find("is not a shared object"), std::string::npos)
        << executable.problem;

    auto machine = check(withHeader([](Elf64_Ehdr& header) { header.e_machine = EM_SPARCV9; }));
    EXPECT_NE(machine.problem.find("is built for another machine"), std::string::npos)
        << machine.problem;

    auto farAway = check(withHeader([](Elf64_Ehdr& header) { header.e_phoff = ~0ull - 8; }));
    EXPECT_NE(farAway.problem.find("its program header table ends at byte"), std::string::npos)
        << farAway.problem;
}

TEST_F(ElfCheckTest, UniqueSymbolsAreListedByTheirSourceNames) {
    auto result = ElfCheck::inspect(mvi::test::builtPlugin("fixture_unique_symbols"), "unique");
    EXPECT_TRUE(result.ok()) << result.problem;
    ASSERT_FALSE(result.uniqueSymbols.empty());
    bool found = false;
    for (const std::string& name : result.uniqueSymbols) {
        found = found || name == "fixture_unique::calls()::count";
    }
    EXPECT_TRUE(found) << result.uniqueSymbols.front();
}

TEST_F(ElfCheckTest, AMissingFileSaysSo) {
    auto result = ElfCheck::inspect((fs::path(work_) / "nope.so").string(), "nope.so");
    EXPECT_NE(result.problem.find("cannot read"), std::string::npos) << result.problem;
}

}  // namespace
}  // namespace mvi::host
