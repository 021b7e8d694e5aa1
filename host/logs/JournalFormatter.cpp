#include "logs/JournalFormatter.h"

#include <Poco/NumberParser.h>
#include <sys/stat.h>

#include <algorithm>

namespace mvi::host {

void JournalFormatter::format(const Poco::Message& message, std::string& text) {
    static const char* const kNames[] = {"",       "Fatal",       "Critical", "Error", "Warning",
                                         "Notice", "Information", "Debug",    "Trace"};
    const int priority = std::clamp(static_cast<int>(message.getPriority()), 1, 8);
    text += '<';
    text += std::to_string(syslogPriority(message.getPriority()));
    text += '>';
    text += kNames[priority];
    text += ' ';
    text += message.getSource();
    text += ": ";
    text += message.getText();
}

int JournalFormatter::syslogPriority(Poco::Message::Priority priority) {
    return std::clamp(static_cast<int>(priority), 1, 7);
}

bool JournalFormatter::isJournalStream(const char* journalStream, int fd) {
    if (journalStream == nullptr) {
        return false;
    }
    const std::string text(journalStream);
    const auto colon = text.find(':');
    Poco::UInt64 device = 0;
    Poco::UInt64 inode = 0;
    if (colon == std::string::npos ||
        !Poco::NumberParser::tryParseUnsigned64(text.substr(0, colon), device) ||
        !Poco::NumberParser::tryParseUnsigned64(text.substr(colon + 1), inode)) {
        return false;
    }
    struct stat status {};
    return ::fstat(fd, &status) == 0 && static_cast<Poco::UInt64>(status.st_dev) == device &&
           static_cast<Poco::UInt64>(status.st_ino) == inode;
}

}  // namespace mvi::host
