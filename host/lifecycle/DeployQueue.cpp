#include "lifecycle/DeployQueue.h"

#include <boost/asio/post.hpp>

#include "core/BackgroundTask.h"

namespace mvi::host {
namespace {

/// The name the queue's threads report errors under.
constexpr const char* kThread = "deployer";

}  // namespace

DeployQueue::DeployQueue() {
    BackgroundTask::declare(kThread);
}

DeployQueue::~DeployQueue() {
    stop();
}

void DeployQueue::post(const std::string& name, std::function<void()> task) {
    std::lock_guard lock(mutex_);
    if (stopped_) {
        return;
    }
    auto strand = strands_.find(name);
    if (strand == strands_.end()) {
        strand = strands_.emplace(name, boost::asio::make_strand(pool_.get_executor())).first;
    }
    ++queued_;
    boost::asio::post(strand->second, [this, task = std::move(task)] {
        BackgroundTask::guarded(kThread, task);
        finished();
    });
}

void DeployQueue::finished() {
    {
        std::lock_guard lock(mutex_);
        --queued_;
    }
    idle_.notify_all();
}

void DeployQueue::waitUntilIdle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return queued_ == 0 || stopped_; });
}

void DeployQueue::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) {
            return;
        }
        stopped_ = true;
    }
    idle_.notify_all();
    pool_.stop();
    pool_.join();
}

}  // namespace mvi::host
