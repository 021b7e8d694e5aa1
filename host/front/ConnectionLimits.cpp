#include "front/ConnectionLimits.h"

namespace mvi::host::front {

std::string ConnectionLimits::key(const Poco::Net::IPAddress& address) {
    return std::string(static_cast<const char*>(address.addr()), address.length());
}

ConnectionLimits::Admit ConnectionLimits::admit(const Poco::Net::IPAddress& address) {
    std::lock_guard lock(mutex_);
    if (total_ >= settings_.maxConnections) {
        return Admit::TooMany;
    }
    std::size_t& count = perAddress_[key(address)];
    if (count >= settings_.maxConnectionsPerAddress) {
        if (count == 0) {
            perAddress_.erase(key(address));
        }
        return Admit::TooManyFromAddress;
    }
    ++count;
    ++total_;
    stats_.connections.store(static_cast<std::int64_t>(total_), std::memory_order_relaxed);
    return Admit::Yes;
}

void ConnectionLimits::release(const Poco::Net::IPAddress& address) {
    std::lock_guard lock(mutex_);
    auto found = perAddress_.find(key(address));
    if (found == perAddress_.end() || total_ == 0) {
        return;
    }
    if (--found->second == 0) {
        perAddress_.erase(found);
    }
    --total_;
    stats_.connections.store(static_cast<std::int64_t>(total_), std::memory_order_relaxed);
}

}  // namespace mvi::host::front
