#include "plugin/Unloader.h"

#include "plugin/ServiceVersion.h"

namespace mvi::host {

Unloader::Unloader(Poco::Logger& logger) : logger_(logger), thread_([this] { run(); }) {}

Unloader::~Unloader() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::shared_ptr<ServiceVersion> Unloader::manage(std::unique_ptr<ServiceVersion> version) {
    return std::shared_ptr<ServiceVersion>(version.release(),
                                           [this](ServiceVersion* retired) { retire(retired); });
}

std::uint64_t Unloader::unloaded() const {
    std::lock_guard lock(mutex_);
    return unloaded_;
}

std::uint64_t Unloader::stuck() const {
    std::lock_guard lock(mutex_);
    return stuck_;
}

void Unloader::retire(ServiceVersion* version) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(version);
    }
    wake_.notify_one();
}

void Unloader::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
            return;
        }
        ServiceVersion* version = queue_.front();
        queue_.pop_front();
        lock.unlock();
        bool wasLoaded = version->hasLibrary();
        bool unmapped = version->unload();
        delete version;
        lock.lock();
        if (wasLoaded) {
            ++unloaded_;
            if (!unmapped) {
                ++stuck_;
            }
        }
    }
}

}  // namespace mvi::host
