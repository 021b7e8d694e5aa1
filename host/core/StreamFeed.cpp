#include "core/StreamFeed.h"

#include <utility>

namespace mvi::host {

void StreamFeed::wakeFront() {
    // Called under the lock, so that once `close` returns no wake-up runs any more (the front
    // may then be gone).
    if (auto wake = std::exchange(wake_, nullptr)) {
        wake();
    }
}

StreamFeed::Offer StreamFeed::write(std::string_view bytes) {
    {
        std::lock_guard lock(mutex_);
        if (ended_ || closed_) {
            return Offer::Closed;
        }
        if (bytes.size() > capacity_) {
            return Offer::TooLarge;
        }
        if (pending_.size() + bytes.size() > capacity_) {
            return Offer::Full;
        }
        pending_.append(bytes);
        wakeFront();
    }
    changed_.notify_all();
    return Offer::Queued;
}

void StreamFeed::end() {
    {
        std::lock_guard lock(mutex_);
        if (ended_ || closed_) {
            return;
        }
        ended_ = true;
        wakeFront();
    }
    changed_.notify_all();
}

bool StreamFeed::over() const {
    std::lock_guard lock(mutex_);
    return ended_ || closed_;
}

StreamFeed::Take StreamFeed::moveOut(std::string& out) {
    if (!pending_.empty()) {
        out.append(pending_);
        pending_.clear();
        return Take::Data;
    }
    return ended_ || closed_ ? Take::Ended : Take::Waiting;
}

StreamFeed::Take StreamFeed::take(std::string& out, std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    Take taken = moveOut(out);
    if (taken == Take::Waiting) {
        wake_ = std::move(wake);
    }
    return taken;
}

StreamFeed::Take StreamFeed::wait(std::string& out, std::chrono::milliseconds most) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, most, [this] { return !pending_.empty() || ended_ || closed_; });
    return moveOut(out);
}

void StreamFeed::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        pending_.clear();
        wake_ = nullptr;
    }
    changed_.notify_all();
}

std::size_t StreamFeed::pending() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
}

}  // namespace mvi::host
