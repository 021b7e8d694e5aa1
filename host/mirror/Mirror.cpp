#include "mirror/Mirror.h"

#include "dispatch/CallChain.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {

Mirror::Mirror(std::size_t capacity, unsigned threads) : capacity_(capacity) {
    for (unsigned i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { run(); });
    }
}

Mirror::~Mirror() {
    std::deque<Copy> abandoned;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        abandoned.swap(queue_);
    }
    wake_.notify_all();
    for (auto& thread : threads_) {
        thread.join();
    }
}

bool Mirror::enqueue(Copy copy) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= capacity_) {
            ++dropped_;
            return false;
        }
        queue_.push_back(std::move(copy));
    }
    wake_.notify_one();
    return true;
}

void Mirror::run() {
    while (true) {
        Copy copy;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                return;
            }
            copy = std::move(queue_.front());
            queue_.pop_front();
        }
        const Entrypoint* entrypoint = copy.shadow->entrypoint(copy.entrypoint);
        bool failed = true;
        if (entrypoint != nullptr) {
            std::vector<std::string> chain = std::move(copy.chain);
            chain.push_back(copy.shadow->id().name);
            CallChain::Scope scope(std::move(chain));
            CallResult result = copy.shadow->call(*entrypoint, copy.arguments);
            failed = result.status >= 500;
        }
        copy.shadow->countMirrored(failed);
        ++sent_;
        if (failed) {
            ++failed_;
        }
    }
}

}  // namespace mvi::host
