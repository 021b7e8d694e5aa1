#pragma once

#include <Poco/Semaphore.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace mvi::host {

/// Limits password guessing at login, and the CPU that logins may take.
///
/// Failed logins are counted per client address and per user name (unknown names included, so
/// both look alike). After `freeFailures` failures of one of them, the next attempt must wait
/// `backoff`, and after each further failure twice as long as before, at most `maxBackoff`. A
/// success clears both counts; failures are forgotten after an hour without one. IPv6 clients are
/// counted per /64 network, which is what one client usually holds.
///
/// Checking a password (bcrypt) is slow on purpose, so only `concurrentChecks` run at once: a
/// login finding them all busy waits at most `checkWait` for one, and is refused otherwise.
///
/// Times are passed in, so the rules can be checked without waiting. Thread-safe.
class LoginThrottle {
  public:
    /// How a LoginThrottle is set up (from the `auth.login_*` configuration keys).
    struct Settings {
        /// Failures of one address or user name before attempts must wait (at least 1).
        int freeFailures = 5;
        /// Wait after the last free failure; doubles with each further failure.
        Poco::Timespan backoff = Poco::Timespan(1, 0);
        /// Longest wait.
        Poco::Timespan maxBackoff = Poco::Timespan(300, 0);
        /// Password checks running at once.
        int concurrentChecks = 2;
        /// How long a login waits for a password check to be free.
        Poco::Timespan checkWait = Poco::Timespan(1, 0);
    };

    /// Why an attempt must wait, and for how long.
    struct Wait {
        /// Whole seconds to wait (at least 1), for `Retry-After`.
        std::int64_t seconds = 0;
        /// A sentence saying which limit it is: the address's or the user name's.
        std::string reason;
    };

    /// The right to check one password; gives it back when destroyed.
    class Check {
      public:
        explicit Check(Poco::Semaphore& slots) : slots_(&slots) {}
        Check(Check&& other) noexcept : slots_(other.slots_) { other.slots_ = nullptr; }
        Check(const Check&) = delete;
        Check& operator=(const Check&) = delete;
        Check& operator=(Check&&) = delete;
        ~Check() {
            if (slots_ != nullptr) {
                slots_->set();
            }
        }

      private:
        Poco::Semaphore* slots_;
    };

    /// Login attempts by what came of them, since start.
    struct Counts {
        std::uint64_t succeeded = 0;
        std::uint64_t failed = 0;
        /// Refused without a check because the address or user name must wait.
        std::uint64_t throttled = 0;
        /// Refused because every password check stayed busy.
        std::uint64_t busy = 0;
    };

    /// Throws std::invalid_argument for a setting out of range: no free failure, no check at
    /// once, a negative wait or a maximum below the first wait.
    explicit LoginThrottle(Settings settings);

    LoginThrottle(const LoginThrottle&) = delete;
    LoginThrottle& operator=(const LoginThrottle&) = delete;

    /// Whether an attempt from `address` for `user` must wait at `now`, and how long.
    std::optional<Wait> wait(const std::string& address, const std::string& user,
                             const Poco::Timestamp& now) const;

    /// Takes a password check, waiting at most `checkWait`; empty when none became free (the
    /// attempt is counted busy).
    std::optional<Check> startCheck();

    /// Records a failed attempt at `now`.
    void failed(const std::string& address, const std::string& user, const Poco::Timestamp& now);

    /// Records a successful attempt: both counts start again.
    void succeeded(const std::string& address, const std::string& user);

    /// Records an attempt refused because `wait` said so.
    void throttled();

    /// The counts so far.
    Counts counts() const;

    /// The key `address` (as Poco::Net::IPAddress writes it) is counted under: the address
    /// itself, or its /64 network for IPv6 (`2001:db8:1:2::/64`). IPv4 addresses mapped into
    /// IPv6 count as IPv4.
    static std::string addressKey(const std::string& address);

  private:
    /// The failures of one address or user name.
    struct Failures {
        int count = 0;
        Poco::Timestamp last = Poco::Timestamp(0);
        /// No attempt before this.
        Poco::Timestamp until = Poco::Timestamp(0);
    };
    using Table = std::map<std::string, Failures>;

    void fail(Table& table, const std::string& key, const Poco::Timestamp& now);
    static void forgetOld(Table& table, const Poco::Timestamp& now);
    static std::optional<Poco::Timespan> remaining(const Table& table, const std::string& key,
                                                   const Poco::Timestamp& now);

    Settings settings_;
    Poco::Semaphore checks_;
    mutable std::mutex mutex_;
    Table addresses_;
    Table users_;
    Counts counts_;
};

}  // namespace mvi::host
