#include "fault/Attribution.h"

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <fmt/format.h>
#include <csignal>

#include <cstring>
#include <vector>

namespace mvi::host::fault {
namespace {

std::string signalName(int signal) {
    const char* abbreviation = sigabbrev_np(signal);
    const char* description = strsignal(signal);
    return fmt::format("SIG{} ({})",
                       abbreviation != nullptr ? abbreviation : std::to_string(signal),
                       description != nullptr ? description : "unknown signal");
}

/// Function names for `offsets` inside `library`, from addr2line; empty strings when unknown.
std::vector<std::string> symbolise(const std::string& library,
                                   const std::vector<std::uint64_t>& offsets) {
    std::vector<std::string> names(offsets.size());
    if (offsets.empty() || !Poco::File("/usr/bin/addr2line").exists() ||
        !Poco::File(library).exists()) {
        return names;
    }
    try {
        std::vector<std::string> arguments{"-f", "-C", "-e", library};
        for (std::uint64_t offset : offsets) {
            arguments.push_back(fmt::format("{:#x}", offset));
        }
        Poco::Pipe output;
        Poco::ProcessHandle process =
            Poco::Process::launch("/usr/bin/addr2line", arguments, nullptr, &output, nullptr);
        Poco::PipeInputStream stream(output);
        std::string function;
        std::string location;
        for (std::size_t i = 0;
             i < offsets.size() && std::getline(stream, function) && std::getline(stream, location);
             ++i) {
            if (function != "??") {
                names[i] = function;
            }
        }
        process.wait();
    } catch (const std::exception&) {
        // Without names the offsets still say where.
    }
    return names;
}

std::string backtraceText(PhaseTable& table, const FaultRecord& fault) {
    std::string text;
    std::size_t hostFrames = 0;
    std::uint32_t count = std::min<std::uint32_t>(fault.frames, 32);
    // Frames 0 and 1 are the handler itself. Frames inside a plugin are named; the host's and
    // the system libraries' frames are only counted between them.
    for (std::uint32_t i = 2; i < count; ++i) {
        std::uint64_t address = fault.trace[i];
        const VersionRecord* library = nullptr;
        for (std::size_t v = 0; v < PhaseTable::kVersions && library == nullptr; ++v) {
            const VersionRecord& record = table.versions()[v];
            if (record.librarySize != 0 && address >= record.libraryBase &&
                address < record.libraryBase + record.librarySize) {
                library = &record;
            }
        }
        if (library == nullptr) {
            ++hostFrames;
            continue;
        }
        if (hostFrames != 0 && !text.empty()) {
            text += fmt::format(" <- ({} host frames)", hostFrames);
        }
        hostFrames = 0;
        std::uint64_t offset = address - library->libraryBase;
        std::string name = symbolise(library->libraryPath, {offset - 1}).front();
        text += fmt::format("{}{}_{}.so+{:#x}{}", text.empty() ? "" : " <- ", library->name,
                            library->version, offset, name.empty() ? "" : " (" + name + ")");
    }
    return text;
}

std::string where(const ThreadRecord& thread) {
    auto phase = static_cast<Phase>(thread.phase.load());
    std::string detail(thread.detail, strnlen(thread.detail, sizeof thread.detail));
    if (phase == Phase::Entrypoint) {
        return fmt::format("{} {}", phaseName(phase), detail);
    }
    if (phase == Phase::Timer) {
        // The scheduler's label already says "periodic task 'name'".
        return detail.empty() ? std::string(phaseName(phase)) : detail;
    }
    return phaseName(phase);
}

std::optional<Blame> blame(PhaseTable& table, const ThreadRecord& thread, std::string reason) {
    std::uint32_t index = thread.version.load();
    if (static_cast<Phase>(thread.phase.load()) == Phase::Idle || index == 0 ||
        index > PhaseTable::kVersions) {
        return std::nullopt;
    }
    const VersionRecord& record = table.versions()[index - 1];
    Blame result;
    result.name.assign(record.name, strnlen(record.name, sizeof record.name));
    result.version.assign(record.version, strnlen(record.version, sizeof record.version));
    result.sha256.assign(record.sha256, strnlen(record.sha256, sizeof record.sha256));
    result.reason = std::move(reason);
    return result;
}

}  // namespace

std::string describeDeath(const Death& death) {
    if (death.signaled) {
        return signalName(death.signal);
    }
    return fmt::format("exit status {}", death.status);
}

std::optional<Blame> attribute(PhaseTable& table, const Death& death) {
    TableHeader& header = table.header();
    if (header.exitPlanned.load() != 0) {
        return std::nullopt;
    }
    const FaultRecord& fault = header.fault;
    if (std::int32_t tid = fault.tid.load(); tid != 0) {
        const ThreadRecord* thread = table.findThread(tid);
        if (thread == nullptr) {
            return std::nullopt;
        }
        std::string reason =
            fmt::format("crashed with {} in {}", signalName(fault.signal), where(*thread));
        if (fault.signal == SIGSEGV || fault.signal == SIGBUS || fault.signal == SIGFPE ||
            fault.signal == SIGILL) {
            reason += fmt::format(" at address {:#x}", fault.address);
        }
        std::string trace = backtraceText(table, fault);
        if (!trace.empty()) {
            reason += "; backtrace: " + trace;
        }
        return blame(table, *thread, std::move(reason));
    }
    if (std::int32_t tid = header.exitTid.load(); tid != 0) {
        const ThreadRecord* thread = table.findThread(tid);
        if (thread == nullptr) {
            return std::nullopt;
        }
        return blame(table, *thread,
                     fmt::format("called exit({}) in {}", death.status, where(*thread)));
    }
    // Nothing recorded the death itself: blame the thread inside plugin code the longest. A
    // thread a plugin started is inside its code for its whole life, so its age says nothing.
    const ThreadRecord* oldest = nullptr;
    for (std::size_t i = 0; i < PhaseTable::kThreads; ++i) {
        const ThreadRecord& thread = table.threads()[i];
        if (thread.tid.load() == 0 || thread.phase.load() == 0 || thread.version.load() == 0 ||
            static_cast<Phase>(thread.phase.load()) == Phase::PluginThread) {
            continue;
        }
        if (oldest == nullptr || thread.startedNs.load() < oldest->startedNs.load()) {
            oldest = &thread;
        }
    }
    if (oldest == nullptr) {
        return std::nullopt;
    }
    std::string cause =
        death.signaled && death.signal == SIGKILL
            ? "was killed with SIGKILL (the kernel's out-of-memory killer, or kill -9)"
        : death.signaled ? fmt::format("was killed by {}", signalName(death.signal))
                         : fmt::format(
                               "ended the host with exit status {} without running "
                               "its exit handlers (_exit)",
                               death.status);
    return blame(table, *oldest, fmt::format("{} in {}", cause, where(*oldest)));
}

}  // namespace mvi::host::fault
