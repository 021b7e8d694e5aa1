#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mvi::host::fault {

/// What a thread is doing inside plugin code. Recorded before the host calls into a plugin (or
/// when a thread the plugin started begins), cleared when the call returns.
enum class Phase : std::uint8_t {
    Idle = 0,
    /// The build's constructors and `mvi_plugin_register` (or closing the library).
    Registration,
    /// An entrypoint call; the detail names the entrypoint.
    Entrypoint,
    /// A periodic task; the detail names it.
    Timer,
    /// Closing the library (the build's destructors run).
    Unload,
    /// The plugin's on_stop hook.
    Stop,
    /// A thread the plugin started itself.
    PluginThread,
};

/// Words for a phase in a reason a person reads ("entrypoint", "periodic task").
const char* phaseName(Phase phase);

/// One loaded build, as the supervisor needs to name it after a death. Written once when the
/// build is loaded; `inUse` is cleared when it is unloaded.
struct VersionRecord {
    std::atomic<std::uint32_t> inUse;
    char name[64];
    char version[48];
    char sha256[72];
    /// Where the library is mapped (to name backtrace frames inside it) and its path.
    std::uint64_t libraryBase;
    std::uint64_t librarySize;
    char libraryPath[200];
};

/// One thread of the serving process that has entered plugin code at least once.
struct ThreadRecord {
    /// Kernel thread id; 0: the record is free.
    std::atomic<std::int32_t> tid;
    std::atomic<std::uint8_t> phase;
    /// 1 + index into the version records; 0: none.
    std::atomic<std::uint32_t> version;
    /// CLOCK_MONOTONIC nanoseconds when the phase began.
    std::atomic<std::int64_t> startedNs;
    char detail[64];
};

/// What the fatal-signal handler found (first fault only).
struct FaultRecord {
    std::atomic<std::int32_t> tid;
    std::int32_t signal;
    std::int32_t code;
    std::uint64_t address;
    std::uint32_t frames;
    std::uint64_t trace[32];
};

/// The head of the shared table: written by the serving process, read and reset by the
/// supervisor.
struct TableHeader {
    std::uint32_t magic;
    std::uint32_t layout;
    /// Set by the serving process once it accepts connections.
    std::atomic<std::uint32_t> serving;
    /// Set by the serving process just before it exits on purpose (stop or replacement).
    std::atomic<std::uint32_t> exitPlanned;
    /// Set with exitPlanned when the process asks to be replaced (stuck calls piled up).
    std::atomic<std::uint32_t> replaceRequested;
    /// The thread that called exit() (set by an atexit handler unless the exit was planned).
    std::atomic<std::int32_t> exitTid;
    /// Supervisor figures, shown by the serving process in /metrics.
    std::atomic<std::uint64_t> restarts;
    std::atomic<std::uint64_t> quarantined;
    std::atomic<std::uint64_t> lastOutageMs;
    std::atomic<std::uint64_t> totalOutageMs;
    FaultRecord fault;
};

/// The table of which version and phase each thread of the serving process is in, kept in memory
/// the supervisor shares, so that after any death (a signal, `exit`, SIGKILL by the kernel) it
/// can tell which version was running. One per process; thread-safe; the per-call cost is a few
/// relaxed stores.
class PhaseTable {
  public:
    static constexpr std::uint32_t kMagic = 0x4d564950;  // "MVIP"
    static constexpr std::uint32_t kLayout = 1;
    static constexpr std::size_t kThreads = 1024;
    static constexpr std::size_t kVersions = 4096;

    /// Bytes of the whole table (header, thread records, version records).
    static std::size_t bytes();

    /// Maps the table of this process onto `fd` (memory shared with the supervisor). Must be
    /// called before the first use; without it the table lives in private memory. Throws
    /// std::runtime_error when the mapping fails.
    static void attach(int fd);

    /// The table of this process.
    static PhaseTable& instance();

    /// A table over `memory` (PhaseTable::bytes() long) mapped by someone else: the supervisor's
    /// view of the serving process's table.
    explicit PhaseTable(void* memory);

    /// Clears every record (the supervisor, before it starts a new serving process); keeps the
    /// supervisor's figures.
    void reset();

    /// Records a loaded build; returns its index + 1 (0 when the table is full: calls into it
    /// are then not attributed).
    std::uint32_t addVersion(std::string_view name, std::string_view version,
                             std::string_view sha256);

    /// Records where the build `version` (as returned by addVersion) is mapped.
    void setLibrary(std::uint32_t version, const std::string& path, std::uint64_t base,
                    std::uint64_t size);

    /// Frees the record of an unloaded build.
    void removeVersion(std::uint32_t version);

    TableHeader& header() { return *header_; }

    /// The calling thread's record (claimed on first use); null when every record is taken.
    ThreadRecord* currentThread();

    /// The record of thread `tid`, or null.
    const ThreadRecord* findThread(std::int32_t tid) const;

    ThreadRecord* threads() { return threads_; }
    VersionRecord* versions() { return versions_; }

  private:
    TableHeader* header_;
    ThreadRecord* threads_;
    VersionRecord* versions_;
    std::atomic<std::uint32_t> nextVersion_{0};
};

/// Marks the calling thread as being in `phase` of `version` (an addVersion index) for its
/// lifetime, then restores what was there before (calls nest: an entrypoint calling another
/// service). Never throws.
class PhaseScope {
  public:
    PhaseScope(std::uint32_t version, Phase phase, std::string_view detail) noexcept;
    ~PhaseScope();

    PhaseScope(const PhaseScope&) = delete;
    PhaseScope& operator=(const PhaseScope&) = delete;

  private:
    ThreadRecord* record_;
    std::uint8_t previousPhase_ = 0;
    std::uint32_t previousVersion_ = 0;
    std::int64_t previousStarted_ = 0;
    char previousDetail_[64];
};

/// The version (addVersion index) whose code the calling thread is running, 0 when none.
std::uint32_t currentVersion() noexcept;

/// The phase the calling thread is in.
Phase currentPhase() noexcept;

/// The calling thread's kernel id.
std::int32_t currentTid() noexcept;

/// CLOCK_MONOTONIC in nanoseconds.
std::int64_t monotonicNs() noexcept;

}  // namespace mvi::host::fault
