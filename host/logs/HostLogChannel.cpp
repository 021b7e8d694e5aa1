#include "logs/HostLogChannel.h"

#include "logs/LogStore.h"

namespace mvi::host {
namespace {

/// Set while this thread writes to the host log.
thread_local bool writing = false;

LogLevel levelOf(Poco::Message::Priority priority) {
    if (priority <= Poco::Message::PRIO_ERROR) {
        return LogLevel::Error;
    }
    if (priority == Poco::Message::PRIO_WARNING) {
        return LogLevel::Warning;
    }
    return priority <= Poco::Message::PRIO_INFORMATION ? LogLevel::Info : LogLevel::Debug;
}

void write(LogStore& store, const Poco::Message& message) {
    writing = true;
    try {
        store.append(LogStore::kHostLog, levelOf(message.getPriority()),
                     message.getSource() + ": " + message.getText());
    } catch (...) {
        // Logging never fails the code that logs.
    }
    writing = false;
}

}  // namespace

Poco::AutoPtr<HostLogChannel> HostLogChannel::shared() {
    static Poco::AutoPtr<HostLogChannel> channel(new HostLogChannel);
    return channel;
}

void HostLogChannel::log(const Poco::Message& message) {
    if (writing) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (store_ == nullptr) {
        pending_.push_back(message);
        if (pending_.size() > kPendingLines) {
            pending_.pop_front();
        }
        return;
    }
    write(*store_, message);
}

void HostLogChannel::attach(LogStore& store) {
    std::lock_guard lock(mutex_);
    store_ = &store;
    for (const Poco::Message& message : pending_) {
        write(store, message);
    }
    pending_.clear();
}

void HostLogChannel::detach(LogStore& store) {
    std::lock_guard lock(mutex_);
    if (store_ == &store) {
        store_ = nullptr;
    }
}

}  // namespace mvi::host
