// A periodic task: every second the service counts a tick in a parameter and logs it.
#include <mvi/service.hpp>

MVI_SERVICE(service) {
    // Readable over HTTP (GET /services/ticker/~parameters/ticks), set only by the service.
    service.add_parameter("ticks", 0, false);

    // The host runs this on its scheduler from the moment the version is ready until it is
    // replaced or killed; runs never overlap.
    service.call_every(1.0, [&service] {
        const int ticks = service.get_parameter<int>("ticks") + 1;
        service.set_parameter("ticks", ticks);
        mvi::log::info("tick {}", ticks);
    });

    service.entrypoint("ticks", [&service] { return service.get_parameter<int>("ticks"); })
        .method(mvi::Method::Get)
        .description("How many times the periodic task has run.");
}
