// The "hello" service of the tutorial: a parameter, an entrypoint, a notification and a log line.
#include <mvi/service.hpp>

MVI_SERVICE(service) {
    service.add_parameter("greeting_phrase", "Hello");

    service.entrypoint("hello", {"name"}, [&](const std::string& name) -> std::string {
        auto greeting_phrase = service.get_parameter<std::string>("greeting_phrase");
        if (name == "World") {
            mvi::notify("Someone is trying to greet the World, too time consuming. Skipping!",
                        mvi::Severity::Warning);
            return "Greeting failed";
        }
        mvi::log::info("Greeting someone with the name: {}", name);
        return fmt::format("{} {}", greeting_phrase, name);
    });
}
