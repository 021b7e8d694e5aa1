#include "NotificationsCommand.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "CliError.h"
#include "TextTable.h"
#include "TimeText.h"

namespace mvi::cli {

namespace {

int showOrClearNotifications(CommandContext& context, bool clear) {
    if (clear) {
        const std::string failed = context.eachHost([&context](HostClient& host) {
            host.send("DELETE", "/notifications/", nlohmann::json::object());
            context.out << "Notifications cleared"
                        << (context.onFleet() ? " on " + host.url() : std::string()) << std::endl;
        });
        if (!failed.empty()) {
            throw CliError(failed);
        }
        return 0;
    }
    // Each notification with the host that raised it.
    std::vector<std::pair<std::string, nlohmann::json>> list;
    const std::string failed = context.eachHost([&list](HostClient& host) {
        nlohmann::json notifications = host.get("/notifications/");
        if (notifications.is_object()) {
            for (const auto& [id, notification] : notifications.items()) {
                list.emplace_back(host.url(), notification);
            }
        }
    });
    if (list.empty()) {
        context.out << "No notifications" << std::endl;
    } else {
        // ISO 8601 times in UTC order as text.
        std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
            return a.second.value("timestamp", "") < b.second.value("timestamp", "");
        });
        std::vector<std::string> headers{"SEVERITY",    "SERVICE", "VERSION",
                                         "LAST RAISED", "COUNT",   "MESSAGE"};
        if (context.onFleet()) {
            headers.insert(headers.begin(), "HOST");
        }
        TextTable table(headers);
        for (const auto& [host, notification] : list) {
            std::vector<std::string> cells{
                notification.value("severity_name", ""),
                notification.value("service_name", ""),
                notification.value("service_version", ""),
                TimeText::localFromIso(notification.value("timestamp", "")),
                std::to_string(notification.value("counter", 1)),
                notification.value("msg", "")};
            if (context.onFleet()) {
                cells.insert(cells.begin(), host);
            }
            table.addRow(std::move(cells));
        }
        table.print(context.out);
    }
    if (!failed.empty()) {
        throw CliError(failed);
    }
    return 0;
}

}  // namespace

void addNotificationsCommand(CLI::App& mvi, CommandContext& context) {
    auto clear = std::make_shared<bool>(false);
    CLI::App* command = mvi.add_subcommand(
        "notifications", "Show the notifications raised by services, or clear them");
    command->add_flag("--clear", *clear, "remove every notification");
    context.addFleetOption(*command);
    context.onRun(*command,
                  [&context, clear] { return showOrClearNotifications(context, *clear); });
}

}  // namespace mvi::cli
