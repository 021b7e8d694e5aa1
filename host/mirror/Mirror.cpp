#include "mirror/Mirror.h"

#include "core/BackgroundTask.h"
#include "dispatch/CallChain.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {
namespace {

/// The name the mirror's threads report errors under.
constexpr const char* kThread = "mirror";

}  // namespace

Mirror::Mirror(std::size_t capacity, unsigned threads) : capacity_(capacity) {
    BackgroundTask::declare(kThread);
    for (unsigned i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { BackgroundTask::loop(kThread, [this] { run(); }); });
    }
}

Mirror::~Mirror() {
    stop(Clock::now());
}

std::size_t Mirror::stop(Clock::time_point deadline) {
    std::deque<Copy> abandoned;
    {
        std::unique_lock lock(mutex_);
        closed_ = true;
        // Copies already queued are still served, until the deadline.
        idle_.wait_until(lock, deadline, [this] { return queue_.empty() && busy_ == 0; });
        stopping_ = true;
        abandoned.swap(queue_);
        dropped_ += abandoned.size();
    }
    wake_.notify_all();
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(joinMutex_);
        threads.swap(threads_);
    }
    for (auto& thread : threads) {
        thread.join();
    }
    // The abandoned copies let go of their shadows here, on the stopping thread.
    return abandoned.size();
}

bool Mirror::enqueue(Copy copy) {
    {
        std::lock_guard lock(mutex_);
        if (closed_ || queue_.size() >= capacity_) {
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
            ++busy_;
        }
        serve(copy);
        // The copy lets go of its shadow before the mirror may count as idle.
        copy = Copy();
        {
            std::lock_guard lock(mutex_);
            --busy_;
        }
        idle_.notify_all();
    }
}

void Mirror::serve(Copy& copy) {
    bool failed = true;
    BackgroundTask::guarded(kThread, [&copy, &failed] {
        const Entrypoint* entrypoint = copy.shadow->entrypoint(copy.entrypoint);
        if (entrypoint != nullptr) {
            std::vector<std::string> chain = std::move(copy.chain);
            chain.push_back(copy.shadow->id().name);
            CallChain::Scope scope(std::move(chain));
            CallResult result = copy.shadow->call(*entrypoint, copy.arguments);
            failed = result.status >= 500;
        }
    });
    copy.shadow->countMirrored(failed);
    ++sent_;
    if (failed) {
        ++failed_;
    }
}

}  // namespace mvi::host
