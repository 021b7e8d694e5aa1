#include "auth/LoginThrottle.h"

#include <Poco/Net/IPAddress.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace mvi::host {
namespace {

/// Failures are forgotten after this long without one (microseconds; an hour).
constexpr Poco::Timestamp::TimeDiff FORGET_AFTER = 3600LL * 1'000'000;

/// Most addresses (and most user names) remembered at once; past it the oldest are dropped.
constexpr std::size_t MAX_REMEMBERED = 10000;

/// Longest part of a user name counted: longer names count by their beginning, so the memory
/// a name takes stays bounded.
constexpr std::size_t MAX_USER_KEY_BYTES = 128;

std::string userKey(const std::string& user) {
    return user.substr(0, MAX_USER_KEY_BYTES);
}

/// Whole seconds covering `span`, at least 1.
std::int64_t wholeSeconds(const Poco::Timespan& span) {
    std::int64_t seconds = (span.totalMicroseconds() + 999'999) / 1'000'000;
    return std::max<std::int64_t>(1, seconds);
}

}  // namespace

LoginThrottle::LoginThrottle(Settings settings)
    : settings_(settings),
      checks_(std::max(1, settings.concurrentChecks), std::max(1, settings.concurrentChecks)) {
    if (settings_.freeFailures < 1 || settings_.backoff < 0 || settings_.concurrentChecks < 1 ||
        settings_.checkWait < 0 || settings_.maxBackoff < settings_.backoff) {
        throw std::invalid_argument(
            "login throttle: at least one failure must be free and one password check run at "
            "once, waits must not be negative, and the longest wait must not be below the first");
    }
}

std::optional<LoginThrottle::Wait> LoginThrottle::wait(const std::string& address,
                                                       const std::string& user,
                                                       const Poco::Timestamp& now) const {
    std::lock_guard lock(mutex_);
    auto byAddress = remaining(addresses_, addressKey(address), now);
    auto byUser = remaining(users_, userKey(user), now);
    if (!byAddress && !byUser) {
        return std::nullopt;
    }
    Wait result;
    if (byAddress && (!byUser || *byAddress >= *byUser)) {
        result.seconds = wholeSeconds(*byAddress);
        result.reason = fmt::format("too many failed logins from {}", addressKey(address));
    } else {
        result.seconds = wholeSeconds(*byUser);
        result.reason = fmt::format("too many failed logins for user '{}'", userKey(user));
    }
    return result;
}

std::optional<LoginThrottle::Check> LoginThrottle::startCheck() {
    if (!checks_.tryWait(static_cast<long>(settings_.checkWait.totalMilliseconds()))) {
        std::lock_guard lock(mutex_);
        ++counts_.busy;
        return std::nullopt;
    }
    return std::optional<Check>(std::in_place, checks_);
}

void LoginThrottle::failed(const std::string& address, const std::string& user,
                           const Poco::Timestamp& now) {
    std::lock_guard lock(mutex_);
    ++counts_.failed;
    fail(addresses_, addressKey(address), now);
    fail(users_, userKey(user), now);
}

void LoginThrottle::succeeded(const std::string& address, const std::string& user) {
    std::lock_guard lock(mutex_);
    ++counts_.succeeded;
    addresses_.erase(addressKey(address));
    users_.erase(userKey(user));
}

void LoginThrottle::throttled() {
    std::lock_guard lock(mutex_);
    ++counts_.throttled;
}

LoginThrottle::Counts LoginThrottle::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

std::string LoginThrottle::addressKey(const std::string& address) {
    Poco::Net::IPAddress ip;
    if (!Poco::Net::IPAddress::tryParse(address, ip)) {
        return address;
    }
    if (ip.family() == Poco::Net::IPAddress::IPv4 || ip.isLoopback()) {
        return ip.toString();
    }
    if (ip.isIPv4Mapped()) {
        // The last four bytes are the IPv4 address.
        const auto* bytes = static_cast<const unsigned char*>(ip.addr());
        return fmt::format("{}.{}.{}.{}", bytes[12], bytes[13], bytes[14], bytes[15]);
    }
    Poco::Net::IPAddress network = ip & Poco::Net::IPAddress(64, Poco::Net::IPAddress::IPv6);
    return network.toString() + "/64";
}

void LoginThrottle::fail(Table& table, const std::string& key, const Poco::Timestamp& now) {
    if (table.size() >= MAX_REMEMBERED && table.count(key) == 0) {
        forgetOld(table, now);
        if (table.size() >= MAX_REMEMBERED) {
            auto oldest = std::min_element(
                table.begin(), table.end(),
                [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
            table.erase(oldest);
        }
    }
    Failures& failures = table[key];
    if (failures.count > 0 && now - failures.last > FORGET_AFTER) {
        failures = Failures();
    }
    ++failures.count;
    failures.last = now;
    int past = failures.count - settings_.freeFailures;
    if (past < 0) {
        return;
    }
    Poco::Timespan wait = settings_.backoff;
    for (int doubling = 0; doubling < past && wait < settings_.maxBackoff; ++doubling) {
        wait += wait;
    }
    wait = std::min(wait, settings_.maxBackoff);
    failures.until = now + wait;
}

void LoginThrottle::forgetOld(Table& table, const Poco::Timestamp& now) {
    for (auto it = table.begin(); it != table.end();) {
        if (now - it->second.last > FORGET_AFTER && it->second.until <= now) {
            it = table.erase(it);
        } else {
            ++it;
        }
    }
}

std::optional<Poco::Timespan> LoginThrottle::remaining(const Table& table, const std::string& key,
                                                       const Poco::Timestamp& now) {
    auto found = table.find(key);
    if (found == table.end() || found->second.until <= now) {
        return std::nullopt;
    }
    return Poco::Timespan(found->second.until - now);
}

}  // namespace mvi::host
