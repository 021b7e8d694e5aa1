// The hello service's entrypoint without its log line, and slowed down: it sleeps
// MVI_BENCH_SLEEP_MS milliseconds before answering (0: not at all); with MVI_BENCH_MONITOR set the
// entrypoint is monitored (the host stores each call's arguments and answer). The benchmark
// deploys the slow build as a shadow of hello, to show that a slow shadow does not slow the main
// version's answers, the quick build as hello itself, to show what the per-call log line costs,
// and the monitored build, to show what storing each call costs in each monitoring durability.
#include <mvi/service.hpp>

#include <chrono>
#include <thread>

#ifndef MVI_BENCH_SLEEP_MS
#define MVI_BENCH_SLEEP_MS 50
#endif
#ifndef MVI_BENCH_MONITOR
#define MVI_BENCH_MONITOR 0
#endif

MVI_SERVICE(service) {
    service.add_parameter("greeting_phrase", "Hello");

    service
        .entrypoint(
            "hello", {"name"},
            [&](const std::string& name) -> std::string {
                if (MVI_BENCH_SLEEP_MS > 0) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(MVI_BENCH_SLEEP_MS));
                }
                auto greeting_phrase = service.get_parameter<std::string>("greeting_phrase");
                return fmt::format("{} {}", greeting_phrase, name);
            })
        .monitor(MVI_BENCH_MONITOR != 0);
}
