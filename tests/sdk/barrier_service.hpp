// Controls of the barrier test service (barrier_service.cpp), set by the test before a
// FakeHost registers the service.
#ifndef MVI_TESTS_SDK_BARRIER_SERVICE_HPP
#define MVI_TESTS_SDK_BARRIER_SERVICE_HPP

/// How the next registration behaves.
enum BarrierSetupMode {
    kSetupNormal = 0,
    kSetupArgumentCount,       ///< Two argument names for a one-argument function.
    kSetupThrows,              ///< The setup body throws std::runtime_error.
    kSetupThrowsNonStd,        ///< The setup body throws an int.
    kSetupBadName,             ///< An entrypoint with an invalid name.
    kSetupDuplicateParameter,  ///< The same parameter twice.
    kSetupHostRefuses,         ///< A parameter whose value does not match its own schema.
    kSetupBadArgumentName,     ///< An argument name starting with a digit.
};

/// The BarrierSetupMode of the next registration.
extern int barrier_setup_mode;

/// The "threshold" parameter as read inside the setup body.
extern double barrier_threshold_seen_in_setup;

#endif  // MVI_TESTS_SDK_BARRIER_SERVICE_HPP
