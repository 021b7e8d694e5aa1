#pragma once

namespace mvi::host {

/// Makes the process ready for OpenSSL through Poco: the HTTPS listener and the mailer's
/// STARTTLS both call it first (once; later calls do nothing). A certificate that fails a check
/// is refused, never asked about on a console.
void initializeTls();

}  // namespace mvi::host
