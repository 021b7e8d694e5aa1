#pragma once

#include <Poco/Formatter.h>
#include <Poco/Message.h>

#include <string>

namespace mvi::host {

/// Formats the host's console lines for the systemd journal: a `<N>` prefix giving the line's
/// syslog priority (the journal reads it, sd-daemon(3)), then `Priority source: text`, without a
/// time stamp (the journal stamps every line itself). So `journalctl -u mvi-host -p warning`
/// shows the host's warnings and errors.
class JournalFormatter : public Poco::Formatter {
  public:
    void format(const Poco::Message& message, std::string& text) override;

    /// The syslog priority of a Poco priority: the same numbers (fatal 1 is alert ... debug 7),
    /// trace (8) as debug.
    static int syslogPriority(Poco::Message::Priority priority);

    /// Whether descriptor `fd` is the journal's stream that systemd connected the process to:
    /// `journalStream` (the JOURNAL_STREAM variable, `DEVICE:INODE`) names the device and inode
    /// of `fd`. False when it is null, malformed or names another file.
    static bool isJournalStream(const char* journalStream, int fd);
};

}  // namespace mvi::host
