#include "mirror/Mirror.h"

#include <utility>

#include "core/BackgroundTask.h"

namespace mvi::host {
namespace {

/// The name the mirror's threads report errors under.
constexpr const char* kThread = "mirror";

}  // namespace

Mirror::Mirror(std::size_t capacity, unsigned threads, Serve serve)
    : serve_(std::move(serve)),
      queue_({kThread, threads, capacity}, [this](std::vector<Copy>& copies) {
          for (Copy& copy : copies) {
              run(copy);
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

void Mirror::run(Copy& copy) {
    auto started = Clock::now();
    int status = 500;
    BackgroundTask::guarded(kThread, [this, &copy, &status] { status = serve_(copy); });
    copies_.record(status, Clock::now() - started);
}

}  // namespace mvi::host
