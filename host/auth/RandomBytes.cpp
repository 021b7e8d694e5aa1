#include "auth/RandomBytes.h"

#include <Poco/DigestEngine.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mvi::host {

std::string randomBytes(std::size_t count) {
    std::string bytes(count, '\0');
    std::size_t filled = 0;
    while (filled < count) {
        ssize_t got = getrandom(bytes.data() + filled, count - filled, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::runtime_error(std::string("cannot read random bytes: ") +
                                     std::strerror(errno));
        }
        filled += static_cast<std::size_t>(got);
    }
    return bytes;
}

std::string randomHex(std::size_t count) {
    std::string bytes = randomBytes(count);
    return Poco::DigestEngine::digestToHex(Poco::DigestEngine::Digest(bytes.begin(), bytes.end()));
}

}  // namespace mvi::host
