#pragma once

#include <cstddef>
#include <string>

namespace mvi::host {

/// `count` bytes from the operating system's random source (getrandom(2)), fit for secrets.
/// Throws std::runtime_error when the source fails.
std::string randomBytes(std::size_t count);

/// `count` random bytes written as 2 * `count` lowercase hexadecimal digits.
std::string randomHex(std::size_t count);

}  // namespace mvi::host
