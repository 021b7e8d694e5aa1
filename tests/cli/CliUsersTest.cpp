// `mvi user ls/add/update/rm` against a real mvi-host with auth on: the real `mvi` binary for
// everything a script does, and the commands run in-process for the password asked at a
// terminal.

#include <Poco/Environment.h>
#include <gtest/gtest.h>

#include <sstream>

#include "Cli.h"
#include "HostProcess.h"
#include "MviRunner.h"

namespace mvi::test {
namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// A host with auth on whose administrator's password is "correct horse".
std::unique_ptr<HostProcess> startHostWithAuth() {
    return startHostWith(
        {}, {"--define", "auth.enabled=true", "--define", "auth.admin_password=correct horse",
             "--define", "auth.login_free_failures=1000"});
}

/// A runner logged in to `host` as `user`.
std::unique_ptr<MviRunner> loggedIn(const HostProcess& host, const std::string& user,
                                    const std::string& password) {
    auto mvi = std::make_unique<MviRunner>(urlOf(host));
    MviResult login = mvi->run({"login", "--username", user, "--password", password});
    EXPECT_EQ(login.exitCode, 0) << user << ": " << login.err;
    return mvi;
}

TEST(CliUser, TheAdministratorAddsListsUpdatesAndRemovesUsers) {
    auto host = startHostWithAuth();
    auto admin = loggedIn(*host, "admin", "correct horse");

    MviResult list = admin->run({"user", "ls"});
    ASSERT_EQ(list.exitCode, 0) << list.err;
    EXPECT_EQ(list.out, "admin\n");

    MviResult add = admin->run({"user", "add", "alice", "-p", "alices-pass"});
    ASSERT_EQ(add.exitCode, 0) << add.err;
    EXPECT_EQ(add.out, "Added user alice to " + urlOf(*host) + "\n");
    EXPECT_EQ(admin->run({"user", "ls"}).out, "admin\nalice\n");

    MviResult again = admin->run({"user", "add", "alice", "--password", "other-pass"});
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_EQ(again.err, "Error: User alice already exists\n");

    // Alice logs in and works, but does not manage users.
    auto alice = loggedIn(*host, "alice", "alices-pass");
    EXPECT_EQ(alice->run({"ls"}).exitCode, 0);
    MviResult forbidden = alice->run({"user", "ls"});
    EXPECT_EQ(forbidden.exitCode, 1);
    EXPECT_EQ(forbidden.err, "Error: This endpoint requires admin privileges\n");

    MviResult update = admin->run({"user", "update", "alice", "-p", "new-alice-pass"});
    ASSERT_EQ(update.exitCode, 0) << update.err;
    EXPECT_TRUE(contains(update.out, "Changed the password of alice")) << update.out;
    // Her token was revoked with the old password.
    MviResult ended = alice->run({"ls"});
    EXPECT_EQ(ended.exitCode, 1);
    EXPECT_TRUE(contains(ended.err, "Not logged in")) << ended.err;
    MviRunner other(urlOf(*host));
    EXPECT_EQ(other.run({"login", "-u", "alice", "-p", "alices-pass"}).exitCode, 1);
    EXPECT_EQ(other.run({"login", "-u", "alice", "-p", "new-alice-pass"}).exitCode, 0);

    MviResult unconfirmed = admin->run({"user", "rm", "alice"});
    EXPECT_EQ(unconfirmed.exitCode, 1);
    EXPECT_TRUE(contains(unconfirmed.err, "pass --yes")) << unconfirmed.err;
    EXPECT_EQ(admin->run({"user", "ls"}).out, "admin\nalice\n");

    MviResult removed = admin->run({"user", "rm", "alice", "--yes"});
    ASSERT_EQ(removed.exitCode, 0) << removed.err;
    EXPECT_EQ(removed.out, "Deleted user alice from " + urlOf(*host) + "\n");
    EXPECT_EQ(admin->run({"user", "ls"}).out, "admin\n");
    MviResult gone = other.run({"ls"});
    EXPECT_EQ(gone.exitCode, 1);
    EXPECT_TRUE(contains(gone.err, "Not logged in")) << gone.err;
    MviResult twice = admin->run({"user", "rm", "alice", "-y"});
    EXPECT_EQ(twice.exitCode, 1);
    EXPECT_EQ(twice.err, "Error: User alice not found\n");
    MviResult unknown = admin->run({"user", "update", "bob", "-p", "bobs-pass"});
    EXPECT_EQ(unknown.exitCode, 1);
    EXPECT_EQ(unknown.err, "Error: User bob not found\n");
}

TEST(CliUser, RefusalsAreOneLineAndNonZero) {
    auto host = startHostWithAuth();
    MviRunner anonymous(urlOf(*host));
    MviResult notLoggedIn = anonymous.run({"user", "ls"});
    EXPECT_EQ(notLoggedIn.exitCode, 1);
    EXPECT_EQ(notLoggedIn.err, "Error: Not logged in to " + urlOf(*host) + ": run mvi login\n");

    auto admin = loggedIn(*host, "admin", "correct horse");
    MviResult administrator = admin->run({"user", "rm", "admin", "--yes"});
    EXPECT_EQ(administrator.exitCode, 1);
    EXPECT_TRUE(contains(administrator.err, "administrator")) << administrator.err;
    MviResult password = admin->run({"user", "update", "admin", "-p", "new-secret"});
    EXPECT_EQ(password.exitCode, 1);
    EXPECT_TRUE(contains(password.err, "auth.admin_password")) << password.err;

    MviResult tooShort = admin->run({"user", "add", "bob", "-p", "short"});
    EXPECT_EQ(tooShort.exitCode, 1);
    EXPECT_TRUE(contains(tooShort.err, "at least 8 bytes")) << tooShort.err;
    EXPECT_EQ(linesOf(tooShort.err).size(), 1u) << tooShort.err;

    // Nobody at the terminal can type a password.
    MviResult noTerminal = admin->run({"user", "add", "bob"}, "bobs-pass\nbobs-pass\n");
    EXPECT_EQ(noTerminal.exitCode, 2);
    EXPECT_TRUE(contains(noTerminal.err, "-p PASSWORD")) << noTerminal.err;
    EXPECT_EQ(linesOf(noTerminal.err).size(), 1u) << noTerminal.err;
    EXPECT_EQ(admin->run({"user", "update", "admin"}).exitCode, 2);
    EXPECT_EQ(admin->run({"user", "ls"}).out, "admin\n");

    MviResult usage = admin->run({"user"});
    EXPECT_EQ(usage.exitCode, 2);
    MviResult missingName = admin->run({"user", "add"});
    EXPECT_EQ(missingName.exitCode, 2);
    EXPECT_TRUE(contains(missingName.err, "Usage: mvi user add NAME")) << missingName.err;
    MviResult help = admin->run({"--help"});
    EXPECT_TRUE(contains(help.out, "  user ")) << help.out;
}

/// Runs `mvi args...` in this process as if a person were at the terminal, typing `typed`.
MviResult runAtTerminal(const MviRunner& runner, const std::vector<std::string>& args,
                        const std::string& typed) {
    for (const auto& [name, value] : runner.environment()) {
        Poco::Environment::set(name, value);
    }
    std::istringstream in(typed);
    std::ostringstream out;
    std::ostringstream err;
    MviResult result;
    result.exitCode = mvi::cli::runMvi(args, in, out, err, true);
    result.out = out.str();
    result.err = err.str();
    return result;
}

TEST(CliUser, AtATerminalThePasswordIsAskedForTwice) {
    auto host = startHostWithAuth();
    auto admin = loggedIn(*host, "admin", "correct horse");

    MviResult mismatch =
        runAtTerminal(*admin, {"user", "add", "carol"}, "carols-pass\ncarols-typo\n");
    EXPECT_EQ(mismatch.exitCode, 1);
    EXPECT_TRUE(contains(mismatch.err, "Password for carol: ")) << mismatch.err;
    EXPECT_TRUE(contains(mismatch.err, "Repeat the password: ")) << mismatch.err;
    EXPECT_TRUE(contains(mismatch.err, "do not match")) << mismatch.err;
    EXPECT_EQ(admin->run({"user", "ls"}).out, "admin\n");

    MviResult added = runAtTerminal(*admin, {"user", "add", "carol"}, "carols-pass\ncarols-pass\n");
    ASSERT_EQ(added.exitCode, 0) << added.err;
    EXPECT_FALSE(contains(added.out + added.err, "carols-pass"));
    MviRunner carol(urlOf(*host));
    EXPECT_EQ(carol.run({"login", "-u", "carol", "-p", "carols-pass"}).exitCode, 0);

    MviResult updated =
        runAtTerminal(*admin, {"user", "update", "carol"}, "carols-new-pass\ncarols-new-pass\n");
    ASSERT_EQ(updated.exitCode, 0) << updated.err;
    EXPECT_EQ(carol.run({"login", "-u", "carol", "-p", "carols-new-pass"}).exitCode, 0);

    MviResult declined = runAtTerminal(*admin, {"user", "rm", "carol"}, "n\n");
    EXPECT_EQ(declined.exitCode, 1);
    EXPECT_TRUE(contains(declined.out, "Delete user carol from")) << declined.out;
    EXPECT_EQ(admin->run({"user", "ls"}).out, "admin\ncarol\n");
    MviResult confirmed = runAtTerminal(*admin, {"user", "rm", "carol"}, "y\n");
    ASSERT_EQ(confirmed.exitCode, 0) << confirmed.err;
    EXPECT_EQ(admin->run({"user", "ls"}).out, "admin\n");
}

}  // namespace
}  // namespace mvi::test
