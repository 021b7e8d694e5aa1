#include "http/StreamAnswer.h"

#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <ostream>
#include <string>

#include "front/Exchange.h"

namespace mvi::host {
namespace {

/// How often a thread writing a stream with nothing to send checks that its client is there.
constexpr std::chrono::milliseconds kStreamWake(1000);

}  // namespace

bool clientLeft(Poco::Net::HTTPServerRequest& request) {
    Poco::Net::StreamSocket* client = nullptr;
    if (auto* served = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
        client = &served->socket();
    } else if (auto* read = dynamic_cast<front::Request*>(&request)) {
        client = &read->socket();
    } else {
        return false;
    }
    try {
        Poco::Net::StreamSocket& socket = *client;
        if (!socket.poll(Poco::Timespan(0),
                         Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
            return false;
        }
        // Readable with nothing to read: the peer closed the connection.
        return socket.available() <= 0;
    } catch (const Poco::Exception&) {
        return true;
    }
}

void sendStream(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                std::shared_ptr<StreamFeed> feed) {
    if (auto* fed = dynamic_cast<front::Response*>(&response)) {
        fed->sendFeed(std::move(feed));
        return;
    }
    response.setKeepAlive(false);
    if (response.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1) {
        response.setChunkedTransferEncoding(true);
    }
    std::ostream& out = response.send();
    out.flush();
    std::string bytes;
    while (out.good()) {
        bytes.clear();
        StreamFeed::Take taken = feed->wait(bytes, kStreamWake);
        if (!bytes.empty()) {
            out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            out.flush();
        }
        if (taken == StreamFeed::Take::Ended) {
            return;
        }
        if (taken == StreamFeed::Take::Waiting && clientLeft(request)) {
            break;
        }
    }
    feed->close();
}

}  // namespace mvi::host
