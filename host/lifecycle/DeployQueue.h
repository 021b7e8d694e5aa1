#pragma once

#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace mvi::host {

/// Runs the work of deploying files: that of different service names side by side on a small
/// pool of threads, that of one name one task at a time in the order it was queued.
///
/// A build on trial (its probe may take up to `plugins.registration_timeout_seconds`) then holds
/// up only the later work of its own name, never the other services' loads, the folder watcher or
/// the start-up scan of the others. An exception a task lets out is caught, logged and counted
/// (BackgroundTask, thread "deployer"). Thread-safe.
class DeployQueue {
  public:
    /// Threads the pool runs: how many names load side by side.
    static constexpr std::size_t kThreads = 4;

    DeployQueue();
    ~DeployQueue();
    DeployQueue(const DeployQueue&) = delete;
    DeployQueue& operator=(const DeployQueue&) = delete;

    /// Queues `task` after the tasks already queued for `name`. Ignored once stopped.
    void post(const std::string& name, std::function<void()> task);

    /// Waits until every task queued so far has run (or the queue is stopped).
    void waitUntilIdle();

    /// Drops the tasks that have not started and waits for those that run; later tasks are
    /// ignored. Idempotent.
    void stop();

  private:
    using Strand = boost::asio::strand<boost::asio::thread_pool::executor_type>;

    /// Called once a task has run.
    void finished();

    boost::asio::thread_pool pool_{kThreads};
    std::mutex mutex_;
    std::condition_variable idle_;
    std::size_t queued_ = 0;
    bool stopped_ = false;
    std::map<std::string, Strand> strands_;
};

}  // namespace mvi::host
