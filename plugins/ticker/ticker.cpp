// A periodic task: every second the service counts a tick in a parameter, logs it and stores a
// reading (the tick number and the machine's one-minute load average) as monitoring data.
#include <mvi/service.hpp>

#include <fstream>

namespace {

// The first field of /proc/loadavg; 0 where the file cannot be read.
double loadAverage() {
    std::ifstream file("/proc/loadavg");
    double load = 0;
    file >> load;
    return file ? load : 0.0;
}

}  // namespace

MVI_SERVICE(service) {
    // Readable over HTTP (GET /services/ticker/~parameters/ticks), set only by the service.
    service.add_parameter("ticks", 0, false);

    // The host runs this on its scheduler from the moment the version is ready until it is
    // replaced or killed; runs never overlap.
    service.call_every(1.0, [&service] {
        const int ticks = service.get_parameter<int>("ticks") + 1;
        service.set_parameter("ticks", ticks);
        mvi::log::info("tick {}", ticks);
        // Read back with GET /services/ticker/~monitor?variables=tick,load
        mvi::store({{"tick", ticks}, {"load", loadAverage()}});
    });

    service.entrypoint("ticks", [&service] { return service.get_parameter<int>("ticks"); })
        .method(mvi::Method::Get)
        .description("How many times the periodic task has run.");
}
