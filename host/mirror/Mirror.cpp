#include "mirror/Mirror.h"

#include "core/BackgroundTask.h"
#include "dispatch/CallChain.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {
namespace {

/// The name the mirror's threads report errors under.
constexpr const char* kThread = "mirror";

}  // namespace

Mirror::Mirror(std::size_t capacity, unsigned threads)
    : queue_({kThread, threads, capacity}, [this](std::vector<Copy>& copies) {
          for (Copy& copy : copies) {
              serve(copy);
          }
      }) {}

Mirror::~Mirror() {
    stop(Clock::now());
}

std::size_t Mirror::stop(Clock::time_point deadline) {
    // The abandoned copies let go of their shadows here, on the stopping thread.
    std::size_t abandoned = queue_.stop(deadline).size();
    dropped_ += abandoned;
    return abandoned;
}

bool Mirror::enqueue(Copy copy) {
    if (!queue_.push(std::move(copy))) {
        ++dropped_;
        return false;
    }
    return true;
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
