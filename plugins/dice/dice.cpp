// A die roller, called by the "game" service through mvi::call_service.
#include <mvi/service.hpp>

#include <optional>
#include <random>
#include <vector>

MVI_SERVICE(service) {
    service
        .entrypoint("roll", {"sides", "count"},
                    [](std::optional<int> sides, std::optional<int> count) -> std::vector<int> {
                        const int faces = sides.value_or(6);
                        const int times = count.value_or(1);
                        if (faces < 2) {
                            throw mvi::HttpError(400, "a die needs at least 2 sides");
                        }
                        if (times < 1 || times > 100) {
                            throw mvi::HttpError(400, "roll between 1 and 100 dice at once");
                        }
                        std::random_device seed;
                        std::mt19937 engine(seed());
                        std::uniform_int_distribution<int> face(1, faces);
                        std::vector<int> rolls;
                        for (int i = 0; i < times; ++i) {
                            rolls.push_back(face(engine));
                        }
                        return rolls;
                    })
        .description("Rolls `count` dice (1 by default) with `sides` sides (6 by default).");
}
