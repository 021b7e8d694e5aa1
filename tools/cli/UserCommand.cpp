#include "UserCommand.h"

#include <memory>

#include "CliError.h"

namespace mvi::cli {
namespace {

struct UserArguments {
    std::string name;
    std::string password;
    bool yes = false;
};

/// The path of the user `name`.
std::string userPath(const std::string& name) {
    return "/admin/user/" + HostClient::segment(name);
}

/// The password given with `-p` (the option `given`), else asked for twice at the terminal.
std::string newPassword(CommandContext& context, const UserArguments& arguments,
                        const CLI::Option& given, const std::string& command) {
    if (given.count() > 0) {
        return arguments.password;
    }
    if (!context.interactive) {
        throw CliError("mvi user " + command +
                           ": standard input is not a terminal, so nobody can type the "
                           "password; pass it with -p PASSWORD",
                       2);
    }
    std::string password = context.askSecret("Password for " + arguments.name + ": ");
    if (password.empty()) {
        throw CliError("No password given: nothing was changed");
    }
    if (context.askSecret("Repeat the password: ") != password) {
        throw CliError("The passwords do not match: nothing was changed");
    }
    return password;
}

int listUsers(CommandContext& context) {
    nlohmann::json users = context.client().get("/admin/user/");
    if (!users.is_array()) {
        throw CliError("The host answered no list of users");
    }
    for (const nlohmann::json& user : users) {
        context.out << (user.is_string() ? user.get<std::string>() : user.dump()) << '\n';
    }
    context.out << std::flush;
    return 0;
}

int addUser(CommandContext& context, const UserArguments& arguments, const CLI::Option& given) {
    HostClient host = context.client();
    std::string password = newPassword(context, arguments, given, "add");
    host.send("POST", userPath(arguments.name), {{"password", password}});
    context.out << "Added user " << arguments.name << " to " << host.url() << std::endl;
    return 0;
}

int updateUser(CommandContext& context, const UserArguments& arguments, const CLI::Option& given) {
    HostClient host = context.client();
    std::string password = newPassword(context, arguments, given, "update");
    host.send("PUT", userPath(arguments.name), {{"password", password}});
    context.out << "Changed the password of " << arguments.name << " on " << host.url()
                << "; its tokens were revoked" << std::endl;
    return 0;
}

int removeUser(CommandContext& context, const UserArguments& arguments) {
    HostClient host = context.client();
    if (!context.confirm("Delete user " + arguments.name + " from " + host.url() + "?",
                         arguments.yes)) {
        throw CliError("Aborted: nothing was deleted");
    }
    HostAnswer answer = host.request("DELETE", userPath(arguments.name));
    if (answer.status / 100 != 2) {
        host.fail(answer);
    }
    context.out << "Deleted user " << arguments.name << " from " << host.url() << std::endl;
    return 0;
}

}  // namespace

void addUserCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<UserArguments>();
    CLI::App* command =
        mvi.add_subcommand("user", "Manage the users of the active host (the administrator only)");
    command->require_subcommand(1);

    CLI::App* list = command->add_subcommand("ls", "List the users");
    context.onRun(*list, [&context] { return listUsers(context); });

    // NAME and -p of `add` and `update`; returns the option -p.
    auto nameAndPassword = [&arguments](CLI::App& sub, const std::string& help) {
        sub.add_option("NAME", arguments->name, "the user's name")->required();
        return sub.add_option("-p,--password", arguments->password, help)->type_name("PASSWORD");
    };
    CLI::App* add = command->add_subcommand("add", "Add a user");
    const CLI::Option* addPassword =
        nameAndPassword(*add, "its password (asked for twice when left out)");
    context.onRun(*add, [&context, arguments, addPassword] {
        return addUser(context, *arguments, *addPassword);
    });

    CLI::App* update = command->add_subcommand(
        "update", "Give a user a new password (and revoke the user's tokens)");
    const CLI::Option* updatePassword =
        nameAndPassword(*update, "the new password (asked for twice when left out)");
    context.onRun(*update, [&context, arguments, updatePassword] {
        return updateUser(context, *arguments, *updatePassword);
    });

    CLI::App* remove =
        command->add_subcommand("rm", "Delete a user (and revoke the user's tokens)");
    remove->add_option("NAME", arguments->name, "the user's name")->required();
    remove->add_flag("-y,--yes", arguments->yes, "do not ask for confirmation");
    context.onRun(*remove, [&context, arguments] { return removeUser(context, *arguments); });
}

}  // namespace mvi::cli
