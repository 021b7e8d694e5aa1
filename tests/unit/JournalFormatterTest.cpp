#include "logs/JournalFormatter.h"

#include <Poco/Message.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace mvi::host {
namespace {

std::string formatted(Poco::Message::Priority priority) {
    JournalFormatter formatter;
    std::string text;
    formatter.format(Poco::Message("mvi", "auth: a generated password", priority), text);
    return text;
}

TEST(JournalFormatter, PrefixesEachLineWithItsSyslogPriorityAndNoTime) {
    EXPECT_EQ(formatted(Poco::Message::PRIO_WARNING), "<4>Warning mvi: auth: a generated password");
    EXPECT_EQ(formatted(Poco::Message::PRIO_ERROR), "<3>Error mvi: auth: a generated password");
    EXPECT_EQ(formatted(Poco::Message::PRIO_INFORMATION),
              "<6>Information mvi: auth: a generated password");
    EXPECT_EQ(formatted(Poco::Message::PRIO_FATAL), "<1>Fatal mvi: auth: a generated password");
    // syslog has no level below debug.
    EXPECT_EQ(formatted(Poco::Message::PRIO_TRACE), "<7>Trace mvi: auth: a generated password");
}

TEST(JournalFormatter, KnowsTheJournalStreamByItsDeviceAndInode) {
    char path[] = "/tmp/mvi-journal-test.XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    struct stat status {};
    ASSERT_EQ(::fstat(fd, &status), 0);
    const std::string same = std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino);
    const std::string other =
        std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino + 1);

    EXPECT_TRUE(JournalFormatter::isJournalStream(same.c_str(), fd));
    // Inherited from a parent whose standard error was the journal, but this one's is not.
    EXPECT_FALSE(JournalFormatter::isJournalStream(other.c_str(), fd));
    EXPECT_FALSE(JournalFormatter::isJournalStream(nullptr, fd));
    EXPECT_FALSE(JournalFormatter::isJournalStream("", fd));
    EXPECT_FALSE(JournalFormatter::isJournalStream("12345", fd));
    EXPECT_FALSE(JournalFormatter::isJournalStream("a:b", fd));
    ::close(fd);
    ::unlink(path);
}

}  // namespace
}  // namespace mvi::host
