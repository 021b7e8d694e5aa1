#include "core/Tls.h"

#include <Poco/Net/InvalidCertificateHandler.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/SharedPtr.h>

#include <mutex>

namespace mvi::host {

void initializeTls() {
    static std::once_flag once;
    std::call_once(once, [] {
        Poco::Net::initializeSSL();
        // A certificate that fails a check is refused, never asked about on a console.
        Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject(
            new Poco::Net::RejectCertificateHandler(false));
        Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, nullptr);
    });
}

}  // namespace mvi::host
