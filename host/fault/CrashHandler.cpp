#include "fault/CrashHandler.h"

#include <execinfo.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "fault/PhaseTable.h"

namespace mvi::host::fault {
namespace {

constexpr std::size_t kAltStackBytes = 64 * 1024;
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGSYS};

thread_local void* threadStack = nullptr;
PhaseTable* installedTable = nullptr;

void writeText(const char* text) {
    ssize_t ignored = write(STDERR_FILENO, text, std::strlen(text));
    (void)ignored;
}

void onFatalSignal(int signal, siginfo_t* info, void*) {
    if (installedTable != nullptr) {
        FaultRecord& fault = installedTable->header().fault;
        std::int32_t expected = 0;
        if (fault.tid.compare_exchange_strong(expected, currentTid())) {
            fault.signal = signal;
            fault.code = info != nullptr ? info->si_code : 0;
            fault.address = info != nullptr ? reinterpret_cast<std::uintptr_t>(info->si_addr) : 0;
            void* frames[32];
            int count = backtrace(frames, 32);
            for (int i = 0; i < count; ++i) {
                fault.trace[i] = reinterpret_cast<std::uintptr_t>(frames[i]);
            }
            fault.frames = static_cast<std::uint32_t>(count);
        }
    }
    writeText("mvi-host: fatal signal in the serving process; the supervisor restarts it\n");
    // SA_RESETHAND put the default action back: the signal kills the process once this returns.
    raise(signal);
}

void onExit() {
    if (installedTable == nullptr) {
        return;
    }
    TableHeader& header = installedTable->header();
    if (header.exitPlanned.load() == 0) {
        std::int32_t expected = 0;
        header.exitTid.compare_exchange_strong(expected, currentTid());
    }
}

}  // namespace

void CrashHandler::install() {
    installedTable = &PhaseTable::instance();
    // The first backtrace loads the unwinder (which allocates); never inside the handler.
    void* warmUp[2];
    backtrace(warmUp, 2);
    prepareThread();
    struct sigaction action {};
    action.sa_sigaction = onFatalSignal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (int signal : kFatalSignals) {
        sigaction(signal, &action, nullptr);
    }
    std::atexit(onExit);
}

void CrashHandler::prepareThread() {
    if (threadStack != nullptr) {
        return;
    }
    void* memory =
        mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        return;
    }
    stack_t stack{};
    stack.ss_sp = memory;
    stack.ss_size = kAltStackBytes;
    if (sigaltstack(&stack, nullptr) != 0) {
        munmap(memory, kAltStackBytes);
        return;
    }
    threadStack = memory;
}

void CrashHandler::releaseThread() {
    if (threadStack == nullptr) {
        return;
    }
    stack_t disable{};
    disable.ss_flags = SS_DISABLE;
    sigaltstack(&disable, nullptr);
    munmap(threadStack, kAltStackBytes);
    threadStack = nullptr;
}

void CrashHandler::planExit(bool replace) {
    TableHeader& header = PhaseTable::instance().header();
    // A stop that follows a request to be replaced does not take the request back.
    if (replace) {
        header.replaceRequested.store(1);
    }
    header.exitPlanned.store(1);
}

}  // namespace mvi::host::fault
