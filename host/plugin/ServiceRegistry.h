#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/ServiceId.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {

/// The routing table: every deployed version of every service, and which one is main.
///
/// Readers take an immutable snapshot (one atomic load, no lock held while serving); writers
/// copy the table, change the copy and publish it atomically, one writer at a time. So a load or
/// an unload never blocks requests, and a request sees either the old or the new table whole.
/// A version taken out of the table is marked draining and listed until its last user is gone.
class ServiceRegistry {
  public:
    /// Which version becomes main when a new one arrives.
    enum class Promotion {
        /// The first ready version of a name is main; later ones are shadows (the original's
        /// rule).
        First,
        /// Every new ready version higher than the main one becomes main.
        Newest,
    };

    /// All versions of one service name.
    struct Route {
        /// The version that answers calls by name; null when the name has none.
        std::shared_ptr<ServiceVersion> main;
        /// Every version by version string, failed ones included.
        std::map<std::string, std::shared_ptr<ServiceVersion>> versions;
    };
    using Table = std::map<std::string, Route>;

    /// What `publish` did.
    struct PublishResult {
        /// False when a failed load was not put in place of a ready version.
        bool published = false;
        /// The version it took the place of, now draining.
        std::shared_ptr<ServiceVersion> replaced;
    };

    /// Outcome of `assign`.
    enum class AssignResult { Ok, UnknownService, UnknownVersion, NotReady };

    /// Given to a change: called with the changed name's route as it is about to be published
    /// (null when the name is left without versions), after the change was checked and before
    /// anything is published. When it throws, the table stays as it was and the exception
    /// propagates: the caller writes the change durably here, so memory changes only after the
    /// write succeeded.
    using Commit = std::function<void(const Route* next)>;

    explicit ServiceRegistry(Promotion promotion = Promotion::First);

    /// Parses "first" / "newest"; nothing for anything else.
    static std::optional<Promotion> parsePromotion(const std::string& text);

    /// The current table. Holding the snapshot keeps its versions alive.
    std::shared_ptr<const Table> snapshot() const;

    /// Puts a newly loaded version in place. A failed version never replaces a ready one: the
    /// ready one keeps serving and records the failure as its reload error. The version it
    /// replaces is marked draining; main moves to the new version when the replaced one was main,
    /// and otherwise follows the promotion policy. `commit` runs before the change is published.
    PublishResult publish(std::shared_ptr<ServiceVersion> version, const Commit& commit = {});

    /// Takes a version out of the table (it drains). When it was main, the name has no main
    /// unless the promotion policy is Newest (then the highest ready version is main). Returns
    /// the removed version, or null when unknown. `commit` runs before the change is published.
    std::shared_ptr<ServiceVersion> remove(const ServiceId& id, const Commit& commit = {});

    /// Takes every version out of the table (the host stops): ready ones drain, which stops
    /// their periodic tasks. Returns them; each unloads once its last holder lets go.
    std::vector<std::shared_ptr<ServiceVersion>> removeAll();

    /// Makes `id` the main version of its name, atomically. `commit` runs before the change is
    /// published (not when `id` is main already).
    AssignResult assign(const ServiceId& id, const Commit& commit = {});

    /// Makes `id` main whatever its state: a quarantined main keeps its name, so calls by name
    /// answer 503 with the reason instead of "no main version". Returns false when `id` is not
    /// listed.
    bool holdMain(const ServiceId& id);

    /// The version `id`, or null.
    std::shared_ptr<ServiceVersion> find(const ServiceId& id) const;

    /// The main version of `name`, if it has one.
    std::optional<std::string> mainVersion(const std::string& name) const;

    /// A version as `GET /services/` lists it.
    struct Listed {
        std::shared_ptr<ServiceVersion> version;
        bool isMain = false;
    };

    /// Every version, sorted by name then version, draining versions included.
    std::vector<Listed> list() const;

  private:
    /// Copies the table for a change; call with writeMutex_ held.
    std::shared_ptr<Table> copyForChange() const;
    /// Publishes a changed table; call with writeMutex_ held.
    void install(std::shared_ptr<Table> next);
    /// Marks `version` draining and remembers it until it is gone; call with writeMutex_ held.
    void retire(const std::shared_ptr<ServiceVersion>& version);
    /// The highest ready version of a route, or null.
    static std::shared_ptr<ServiceVersion> newestReady(const Route& route);

    Promotion promotion_;
    mutable std::mutex writeMutex_;
    std::shared_ptr<const Table> table_;
    std::vector<std::weak_ptr<ServiceVersion>> draining_;
};

}  // namespace mvi::host
