#pragma once

#include <Poco/Timespan.h>
#include <CLI/CLI.hpp>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "HostClient.h"

namespace mvi::cli {

/// How a fleet switches its main version.
struct RolloutOptions {
    /// Switch every host at once and observe them together, instead of host by host.
    bool allAtOnce = false;
    /// How long each switched host is observed before the next one is switched (seconds).
    double observeSeconds = 2.0;
    /// The largest share of the new version's calls that may fail (5xx) while it is observed.
    double maxErrorRate = 0.01;
};

/// Adds `--all-at-once`, `--observe SECONDS` and `--max-error-rate FRACTION` to `command`,
/// filling `options`; each needs the `--fleet` option `fleet`.
void addRolloutOptions(CLI::App& command, RolloutOptions& options, CLI::Option* fleet);

/// A deploy or an assign of one service version on every host of a fleet, with the state each
/// host is in.
///
/// The steps run in order and each stops at the first failure, after undoing what it did; it
/// then prints the report and throws CliError saying what became of the rollout:
/// - `survey` reads every host's versions (a host that cannot be reached stops everything
///   before anything changed) and remembers each host's main version;
/// - `upload` sends the version to every host and waits until it serves (as a shadow where the
///   service already has a main version); when one host fails, the hosts that received it have
///   it removed again;
/// - `switchMains` makes it main host by host (or all at once): before a host is switched it
///   must be ready (`GET /~ready`); after, for `observeSeconds`, it must stay ready with the
///   version serving as main, and the version's share of failed calls (5xx) there must stay at
///   or under `maxErrorRate`. When a host fails, every host switched so far gets its previous
///   main version back (the new version stays deployed as a shadow).
/// `report` prints one row per host: HOST, STATE, MAIN (its main version now), DETAIL.
class FleetRollout {
  public:
    /// A rollout of `name` `version` to `hosts` (in the order given), writing progress to `out`;
    /// `action` names it in errors ("Fleet deploy").
    FleetRollout(std::string action, std::vector<HostClient> hosts, std::string name,
                 std::string version, RolloutOptions options, std::ostream& out);

    /// Reads every host's versions. With `needVersion`, every host must have the version
    /// serving already (an assign); otherwise none may have it (a deploy). Throws when a host
    /// cannot be reached or does not qualify.
    void survey(bool needVersion);

    /// Uploads the plugin file `artifact` with the form `fields` to every host and waits until
    /// it serves everywhere. Throws when a host failed (the others had it removed again).
    void upload(const std::string& artifact, const std::map<std::string, std::string>& fields,
                Poco::Timespan timeout);

    /// Makes the version main on every host, as the options say. Throws when a host failed
    /// (the hosts switched so far are rolled back).
    void switchMains();

    /// Prints the per-host table, each host's main version read again.
    void report();

  private:
    /// Where one host is in the rollout.
    enum class State {
        Untouched,
        Shadow,
        /// The service had no main version: the upload made this one main at once.
        FirstMain,
        Switched,
        RolledBack,
        Removed,
        Failed,
        Unreachable,
    };

    struct Host {
        HostClient client;
        /// The main version before the rollout (empty: the service had none).
        std::string previousMain;
        State state = State::Untouched;
        std::string detail;
        /// Whether the upload step gave this host the version.
        bool uploaded = false;
        /// Whether the switch step made the version main here.
        bool switched = false;
        /// The version's served calls and 5xx answers when it was switched.
        long requests = 0;
        long errors = 0;
    };

    /// The host's entry of the version in `GET /services/` (null when it has none) and its
    /// main version's name into `main`.
    nlohmann::json entryOf(const HostClient& client, std::string& main) const;

    /// Why `host` is not fit to take or keep the version as main, or empty when it is.
    /// With `asMain`, the version's entry in the host's list is also kept in `entry` (when
    /// given), for the caller to read its counts without asking again.
    std::string problemOf(const Host& host, bool asMain, nlohmann::json* entry = nullptr) const;

    /// Switches `host` to the version (its counts taken first). Returns false on failure.
    bool switchHost(Host& host);

    /// Observes `hosts` for `observeSeconds`. Returns false at the first host that fails.
    bool observe(const std::vector<Host*>& hosts);

    /// Removes the version again from every host the upload step gave it to.
    void removeUploaded();

    /// Gives every switched host its previous main version back.
    void rollBack();

    /// Marks `host` failed with `error`: unreachable when the host could not be reached.
    void fail(Host& host, const std::string& error, bool unreachable);

    /// Prints the report and throws CliError: "<action> of <name> <version> <outcome>".
    [[noreturn]] void stop(const std::string& outcome);

    static std::string stateName(State state);

    std::string action_;
    std::vector<Host> hosts_;
    std::string name_;
    std::string version_;
    RolloutOptions options_;
    std::ostream& out_;
};

}  // namespace mvi::cli
