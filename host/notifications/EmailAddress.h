#pragma once

#include <string_view>

namespace mvi::host {

/// True when `address` is a plain e-mail address (`local@domain`) that can be handed to an SMTP
/// server as it is: at most 254 bytes, one `@`, a local part of at most 64 bytes without spaces,
/// control characters, brackets, quotes, commas, semicolons or colons and without an empty
/// dot-separated part, and a domain of dot-separated labels made of letters, digits and `-`
/// (not at either end of a label). Display names (`Ops <ops@example.com>`), lists and quoted
/// local parts are refused.
bool isEmailAddress(std::string_view address);

}  // namespace mvi::host
