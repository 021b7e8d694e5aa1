// A game of dice: every player rolls one die through the "dice" service; the highest wins.
#include <mvi/service.hpp>

#include <optional>
#include <string>
#include <vector>

MVI_SERVICE(service) {
    service
        .entrypoint("play", {"players", "sides"},
                    [](const std::vector<std::string>& players,
                       std::optional<int> sides) -> nlohmann::json {
                        if (players.empty()) {
                            throw mvi::HttpError(400, "a game needs at least one player");
                        }
                        nlohmann::json rolls = nlohmann::json::object();
                        std::string winner;
                        int best = 0;
                        for (const auto& player : players) {
                            std::vector<int> roll;
                            try {
                                // In process, through the host's routing: no HTTP round trip.
                                roll = mvi::call_service<std::vector<int>>(
                                    "dice", "roll", {{"sides", sides.value_or(6)}});
                            } catch (const mvi::ServiceCallError& error) {
                                if (error.status() == 400) {
                                    // The dice refused the game's input: the player's request is at
                                    // fault.
                                    throw mvi::HttpError(
                                        400, "the dice refused: " + error.detail().dump());
                                }
                                throw mvi::HttpError(
                                    503, std::string("no dice to play with: ") + error.what());
                            }
                            rolls[player] = roll.at(0);
                            if (roll.at(0) > best) {
                                best = roll.at(0);
                                winner = player;
                            }
                        }
                        mvi::log::info("{} won with {}", winner, best);
                        return {{"rolls", rolls}, {"winner", winner}};
                    })
        .description("Each player rolls a die with `sides` sides (6 by default); highest wins.");
}
