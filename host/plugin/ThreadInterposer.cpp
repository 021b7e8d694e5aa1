// pthread_create of the mvi-host executable: every thread a plugin starts is counted against the
// plugin's library until its start routine returns (see plugin/PluginThreads.h).
//
// The executable exports this definition (plugin/ThreadInterposer.list, -Wl,--dynamic-list), so
// the dynamic loader binds every library's call to pthread_create to it, including those of
// plugins opened with RTLD_LOCAL and of the C++ runtime. It forwards to the C library's own
// pthread_create (dlsym(RTLD_NEXT)).
//
// Attribution walks the stack of the creating thread: the first return address inside a tracked
// plugin library names the owner. The caller's own address is not enough: a plugin's
// std::thread calls pthread_create from std::thread::_M_start_thread in libstdc++, so frame 1
// (0 is this function) lies in libstdc++ and frame 2 in the plugin; a direct pthread_create from
// plugin code is frame 1 (both measured with dladdr on each frame). kFrames leaves room for a
// thread library or two in between. Measured on this stack (GCC 12, glibc 2.36, x86-64, -O2): a
// _Unwind_Backtrace of the 8 frames of such a call costs about 2 µs, next to about 150 µs for
// creating and joining a std::thread on the same machine. Without any plugin loaded nothing is
// walked.
//
// The walk stops at the first frame in the executable itself (the host's own code): a thread the
// host starts while a plugin's call is on the stack (a pool growing inside a host API function,
// say) is the host's, not the plugin's.
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <unwind.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include "fault/PhaseTable.h"
#include "plugin/PluginThreads.h"

namespace {

using CreateFn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

constexpr std::size_t kFrames = 16;

CreateFn realCreate() {
    static const auto real = reinterpret_cast<CreateFn>(dlsym(RTLD_NEXT, "pthread_create"));
    return real;
}

/// Where the executable's own code is mapped: [begin, end).
struct Range {
    std::uintptr_t begin = 0;
    std::uintptr_t end = 0;
};

Range executableRange() {
    static const Range range = [] {
        Range found;
        // The first object dl_iterate_phdr reports is the executable.
        dl_iterate_phdr(
            [](dl_phdr_info* info, std::size_t, void* data) {
                auto* result = static_cast<Range*>(data);
                std::uintptr_t low = UINTPTR_MAX;
                std::uintptr_t high = 0;
                for (int i = 0; i < info->dlpi_phnum; ++i) {
                    const auto& header = info->dlpi_phdr[i];
                    if (header.p_type == PT_LOAD) {
                        low = std::min<std::uintptr_t>(low, header.p_vaddr);
                        high = std::max<std::uintptr_t>(high, header.p_vaddr + header.p_memsz);
                    }
                }
                if (high > low) {
                    result->begin = info->dlpi_addr + low;
                    result->end = info->dlpi_addr + high;
                }
                return 1;
            },
            &found);
        return found;
    }();
    return range;
}

// Found before main, while only one thread runs.
[[maybe_unused]] const Range kExecutableAtStart = executableRange();

struct Walk {
    void** frames;
    std::size_t count;
};

_Unwind_Reason_Code collectFrame(_Unwind_Context* context, void* data) {
    auto* walk = static_cast<Walk*>(data);
    if (walk->count == kFrames) {
        return _URC_END_OF_STACK;
    }
    auto address = static_cast<std::uintptr_t>(_Unwind_GetIP(context));
    Range host = executableRange();
    if (walk->count > 0 && address - 1 >= host.begin && address - 1 < host.end) {
        // The host's own code: whoever called it, the thread is the host's.
        return _URC_END_OF_STACK;
    }
    walk->frames[walk->count++] = reinterpret_cast<void*>(address);
    return _URC_NO_REASON;
}

/// What a counted thread starts with: the plugin's routine and argument, and its library.
struct Start {
    void* (*routine)(void*);
    void* argument;
    std::shared_ptr<mvi::host::PluginThreads::Library> library;
};

/// Uncounts the thread when its start routine returns, or when pthread_exit or cancellation
/// unwinds through it.
class EndGuard {
  public:
    explicit EndGuard(mvi::host::PluginThreads::Library& library) : library_(library) {}
    ~EndGuard() { library_.threadEnded(); }

    EndGuard(const EndGuard&) = delete;
    EndGuard& operator=(const EndGuard&) = delete;

  private:
    mvi::host::PluginThreads::Library& library_;
};

void* startCounted(void* raw) {
    std::unique_ptr<Start> start(static_cast<Start*>(raw));
    // Holds the library record until this thread is done with it.
    auto library = std::move(start->library);
    EndGuard guard(*library);
    void* (*routine)(void*) = start->routine;
    void* argument = start->argument;
    start.reset();
    mvi::host::fault::PhaseScope phase(library->phaseIndex(), mvi::host::fault::Phase::PluginThread,
                                       "");
    return routine(argument);
}

}  // namespace

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attributes,
                              void* (*routine)(void*), void* argument) {
    CreateFn real = realCreate();
    if (real == nullptr) {
        return EAGAIN;
    }
    auto& registry = mvi::host::PluginThreads::instance();
    if (registry.tracked() == 0) {
        return real(thread, attributes, routine, argument);
    }
    void* frames[kFrames];
    Walk walk{frames, 0};
    _Unwind_Backtrace(&collectFrame, &walk);
    auto library = walk.count > 1 ? registry.owner(frames + 1, walk.count - 1) : nullptr;
    if (!library) {
        return real(thread, attributes, routine, argument);
    }
    auto* start = new (std::nothrow) Start{routine, argument, library};
    if (start == nullptr) {
        return EAGAIN;
    }
    library->threadStarting();
    int result = real(thread, attributes, &startCounted, start);
    if (result != 0) {
        delete start;
        library->threadEnded();
    }
    return result;
}
