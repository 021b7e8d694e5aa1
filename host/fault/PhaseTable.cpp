#include "fault/PhaseTable.h"

#include "fault/CrashHandler.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>

namespace mvi::host::fault {
namespace {

PhaseTable* table = nullptr;
std::once_flag tableOnce;
int attachFd = -1;

/// The calling thread's record in the table; claimed on first use, freed when the thread ends.
thread_local ThreadRecord* threadRecord = nullptr;
thread_local bool threadRecordTried = false;

pthread_key_t releaseKey;

void releaseRecord(void* record) {
    CrashHandler::releaseThread();
    auto* thread = static_cast<ThreadRecord*>(record);
    thread->phase.store(0, std::memory_order_relaxed);
    thread->version.store(0, std::memory_order_relaxed);
    thread->tid.store(0, std::memory_order_release);
}

template <std::size_t N>
void copyText(char (&target)[N], std::string_view text) {
    std::size_t length = std::min(text.size(), N - 1);
    std::memcpy(target, text.data(), length);
    target[length] = '\0';
}

}  // namespace

const char* phaseName(Phase phase) {
    switch (phase) {
        case Phase::Idle:
            return "idle";
        case Phase::Registration:
            return "registration";
        case Phase::Entrypoint:
            return "entrypoint";
        case Phase::Timer:
            return "periodic task";
        case Phase::Unload:
            return "unload";
        case Phase::Stop:
            return "on_stop hook";
        case Phase::PluginThread:
            return "a thread it started";
    }
    return "unknown";
}

std::size_t PhaseTable::bytes() {
    return sizeof(TableHeader) + kThreads * sizeof(ThreadRecord) +
           kVersions * sizeof(VersionRecord);
}

void PhaseTable::attach(int fd) {
    attachFd = fd;
}

PhaseTable& PhaseTable::instance() {
    std::call_once(tableOnce, [] {
        void* memory = MAP_FAILED;
        if (attachFd >= 0) {
            memory = mmap(nullptr, bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, attachFd, 0);
        }
        if (memory == MAP_FAILED) {
            memory =
                mmap(nullptr, bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        }
        if (memory == MAP_FAILED) {
            throw std::runtime_error(std::string("cannot map the phase table: ") +
                                     std::strerror(errno));
        }
        pthread_key_create(&releaseKey, releaseRecord);
        table = new PhaseTable(memory);
    });
    return *table;
}

PhaseTable::PhaseTable(void* memory) {
    auto* bytes = static_cast<unsigned char*>(memory);
    header_ = reinterpret_cast<TableHeader*>(bytes);
    threads_ = reinterpret_cast<ThreadRecord*>(bytes + sizeof(TableHeader));
    versions_ = reinterpret_cast<VersionRecord*>(bytes + sizeof(TableHeader) +
                                                 kThreads * sizeof(ThreadRecord));
    header_->magic = kMagic;
    header_->layout = kLayout;
}

void PhaseTable::reset() {
    std::uint64_t restarts = header_->restarts.load();
    std::uint64_t quarantined = header_->quarantined.load();
    std::uint64_t lastOutage = header_->lastOutageMs.load();
    std::uint64_t totalOutage = header_->totalOutageMs.load();
    std::memset(static_cast<void*>(header_), 0, bytes());
    header_->magic = kMagic;
    header_->layout = kLayout;
    header_->restarts.store(restarts);
    header_->quarantined.store(quarantined);
    header_->lastOutageMs.store(lastOutage);
    header_->totalOutageMs.store(totalOutage);
}

std::uint32_t PhaseTable::addVersion(std::string_view name, std::string_view version,
                                     std::string_view sha256) {
    // Indexes go round; a record still in use is skipped.
    for (std::size_t attempt = 0; attempt < kVersions; ++attempt) {
        std::uint32_t index = nextVersion_.fetch_add(1) % kVersions;
        VersionRecord& record = versions_[index];
        std::uint32_t expected = 0;
        if (!record.inUse.compare_exchange_strong(expected, 1)) {
            continue;
        }
        copyText(record.name, name);
        copyText(record.version, version);
        copyText(record.sha256, sha256);
        record.libraryBase = 0;
        record.librarySize = 0;
        record.libraryPath[0] = '\0';
        return index + 1;
    }
    return 0;
}

void PhaseTable::setLibrary(std::uint32_t version, const std::string& path, std::uint64_t base,
                            std::uint64_t size) {
    if (version == 0 || version > kVersions) {
        return;
    }
    VersionRecord& record = versions_[version - 1];
    copyText(record.libraryPath, path);
    record.libraryBase = base;
    record.librarySize = size;
}

void PhaseTable::removeVersion(std::uint32_t version) {
    if (version == 0 || version > kVersions) {
        return;
    }
    versions_[version - 1].inUse.store(0, std::memory_order_release);
}

ThreadRecord* PhaseTable::currentThread() {
    if (threadRecord != nullptr || threadRecordTried) {
        return threadRecord;
    }
    threadRecordTried = true;
    std::int32_t tid = currentTid();
    for (std::size_t i = 0; i < kThreads; ++i) {
        std::int32_t expected = 0;
        if (threads_[i].tid.compare_exchange_strong(expected, tid)) {
            threadRecord = &threads_[i];
            threadRecord->phase.store(0, std::memory_order_relaxed);
            threadRecord->version.store(0, std::memory_order_relaxed);
            pthread_setspecific(releaseKey, threadRecord);
            CrashHandler::prepareThread();
            return threadRecord;
        }
    }
    return nullptr;
}

const ThreadRecord* PhaseTable::findThread(std::int32_t tid) const {
    for (std::size_t i = 0; i < kThreads; ++i) {
        if (threads_[i].tid.load(std::memory_order_acquire) == tid) {
            return &threads_[i];
        }
    }
    return nullptr;
}

PhaseScope::PhaseScope(std::uint32_t version, Phase phase, std::string_view detail) noexcept
    : record_(PhaseTable::instance().currentThread()) {
    if (record_ == nullptr) {
        return;
    }
    previousPhase_ = record_->phase.load(std::memory_order_relaxed);
    previousVersion_ = record_->version.load(std::memory_order_relaxed);
    previousStarted_ = record_->startedNs.load(std::memory_order_relaxed);
    if (previousPhase_ != 0) {
        std::memcpy(previousDetail_, record_->detail, sizeof previousDetail_);
    }
    copyText(record_->detail, detail);
    record_->version.store(version, std::memory_order_relaxed);
    record_->startedNs.store(monotonicNs(), std::memory_order_relaxed);
    record_->phase.store(static_cast<std::uint8_t>(phase), std::memory_order_release);
}

PhaseScope::~PhaseScope() {
    if (record_ == nullptr) {
        return;
    }
    record_->phase.store(0, std::memory_order_relaxed);
    if (previousPhase_ != 0) {
        std::memcpy(record_->detail, previousDetail_, sizeof previousDetail_);
        record_->version.store(previousVersion_, std::memory_order_relaxed);
        record_->startedNs.store(previousStarted_, std::memory_order_relaxed);
    } else {
        record_->version.store(0, std::memory_order_relaxed);
    }
    record_->phase.store(previousPhase_, std::memory_order_release);
}

std::uint32_t currentVersion() noexcept {
    ThreadRecord* record = threadRecord;
    if (record == nullptr || record->phase.load(std::memory_order_relaxed) == 0) {
        return 0;
    }
    return record->version.load(std::memory_order_relaxed);
}

Phase currentPhase() noexcept {
    ThreadRecord* record = threadRecord;
    return record == nullptr ? Phase::Idle
                             : static_cast<Phase>(record->phase.load(std::memory_order_relaxed));
}

std::int32_t currentTid() noexcept {
    return static_cast<std::int32_t>(syscall(SYS_gettid));
}

std::int64_t monotonicNs() noexcept {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

}  // namespace mvi::host::fault
