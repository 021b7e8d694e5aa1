#pragma once

#include <string>
#include <vector>

namespace mvi::host {

/// The services whose entrypoints are running on this thread, outermost first: each call
/// through the Dispatcher adds the callee while its code runs. Its length is the depth that
/// `services.call_depth` bounds; a mirrored copy runs with the chain of the call it copies.
class CallChain {
  public:
    /// The chain of the current thread (empty outside any service call).
    static const std::vector<std::string>& current();

    /// Replaces the current thread's chain for the scope's life, then restores it.
    class Scope {
      public:
        explicit Scope(std::vector<std::string> chain);
        ~Scope();

        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;

      private:
        std::vector<std::string> previous_;
    };

    /// "a -> b -> c" for a chain.
    static std::string describe(const std::vector<std::string>& chain);
};

}  // namespace mvi::host
