#include "plugin/PluginThreads.h"

#include <dlfcn.h>

#include <algorithm>

namespace mvi::host {

std::size_t PluginThreads::Library::running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

std::size_t PluginThreads::Library::started() const {
    std::lock_guard lock(mutex_);
    return started_;
}

std::size_t PluginThreads::Library::waitUntilNone(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    ended_.wait_for(lock, timeout, [this] { return running_ == 0; });
    return running_;
}

void PluginThreads::Library::threadStarting() {
    std::lock_guard lock(mutex_);
    ++running_;
    ++started_;
}

void PluginThreads::Library::threadEnded() {
    {
        std::lock_guard lock(mutex_);
        if (running_ > 0) {
            --running_;
        }
    }
    ended_.notify_all();
}

PluginThreads& PluginThreads::instance() {
    // Never destroyed: threads of plugins may still end while the process exits.
    static auto* registry = new PluginThreads();
    return *registry;
}

std::shared_ptr<PluginThreads::Library> PluginThreads::track(const std::string& path,
                                                             std::uint32_t phaseIndex) {
    auto library = std::make_shared<Library>(path, phaseIndex);
    std::lock_guard lock(mutex_);
    libraries_.push_back(library);
    ++unmapped_;
    return library;
}

void PluginThreads::setMapping(const std::shared_ptr<Library>& library, std::uintptr_t begin,
                               std::uintptr_t end) {
    std::lock_guard lock(mutex_);
    if (end <= begin) {
        // Not found where it was expected: the loader is asked frame by frame instead.
        return;
    }
    if (library->end_ == 0) {
        --unmapped_;
    }
    library->begin_ = begin;
    library->end_ = end;
}

void PluginThreads::untrack(const std::shared_ptr<Library>& library) {
    std::lock_guard lock(mutex_);
    auto found = std::find(libraries_.begin(), libraries_.end(), library);
    if (found == libraries_.end()) {
        return;
    }
    if (library->end_ == 0) {
        --unmapped_;
    }
    libraries_.erase(found);
}

std::size_t PluginThreads::tracked() const {
    std::lock_guard lock(mutex_);
    return libraries_.size();
}

std::shared_ptr<PluginThreads::Library> PluginThreads::owner(void* const* frames,
                                                             std::size_t count) const {
    std::vector<std::shared_ptr<Library>> opening;
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < count; ++i) {
            // A return address points just past its call: the call itself is one byte before.
            auto address = reinterpret_cast<std::uintptr_t>(frames[i]) - 1;
            for (const auto& library : libraries_) {
                if (address >= library->begin_ && address < library->end_) {
                    return library;
                }
            }
        }
        if (unmapped_ == 0) {
            return nullptr;
        }
        for (const auto& library : libraries_) {
            if (library->end_ == 0) {
                opening.push_back(library);
            }
        }
    }
    // A library's constructors run inside dlopen, before its mapping is known: ask the dynamic
    // loader which file each frame is in. Not under mutex_: dladdr takes the loader's lock, which
    // the thread running those constructors holds while it may be waiting for mutex_.
    for (std::size_t i = 0; i < count; ++i) {
        Dl_info info{};
        if (dladdr(static_cast<const char*>(frames[i]) - 1, &info) == 0 ||
            info.dli_fname == nullptr) {
            continue;
        }
        for (const auto& library : opening) {
            if (library->path() == info.dli_fname) {
                return library;
            }
        }
    }
    return nullptr;
}

}  // namespace mvi::host
