#include "NotificationsCommand.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "TextTable.h"
#include "TimeText.h"

namespace mvi::cli {

namespace {

int showOrClearNotifications(CommandContext& context, bool clear) {
    HostClient host = context.client();
    if (clear) {
        host.send("DELETE", "/notifications/", nlohmann::json::object());
        context.out << "Notifications cleared" << std::endl;
        return 0;
    }
    nlohmann::json notifications = host.get("/notifications/");
    std::vector<nlohmann::json> list;
    if (notifications.is_object()) {
        for (const auto& [id, notification] : notifications.items()) {
            list.push_back(notification);
        }
    }
    if (list.empty()) {
        context.out << "No notifications" << std::endl;
        return 0;
    }
    // ISO 8601 times in UTC order as text.
    std::stable_sort(list.begin(), list.end(),
                     [](const nlohmann::json& a, const nlohmann::json& b) {
                         return a.value("timestamp", "") < b.value("timestamp", "");
                     });
    TextTable table({"SEVERITY", "SERVICE", "VERSION", "LAST RAISED", "COUNT", "MESSAGE"});
    for (const auto& notification : list) {
        table.addRow(
            {notification.value("severity_name", ""), notification.value("service_name", ""),
             notification.value("service_version", ""),
             TimeText::localFromIso(notification.value("timestamp", "")),
             std::to_string(notification.value("counter", 1)), notification.value("msg", "")});
    }
    table.print(context.out);
    return 0;
}

}  // namespace

void addNotificationsCommand(CLI::App& mvi, CommandContext& context) {
    auto clear = std::make_shared<bool>(false);
    CLI::App* command = mvi.add_subcommand(
        "notifications", "Show the notifications raised by services, or clear them");
    command->add_flag("--clear", *clear, "remove every notification");
    context.onRun(*command,
                  [&context, clear] { return showOrClearNotifications(context, *clear); });
}

}  // namespace mvi::cli
