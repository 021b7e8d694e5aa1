#include "core/CallChain.h"

#include <utility>

namespace mvi::host {
namespace {

// The host is not a plugin: a thread_local with a destructor is fine here.
std::vector<std::string>& chainOfThisThread() {
    thread_local std::vector<std::string> chain;
    return chain;
}

}  // namespace

const std::vector<std::string>& CallChain::current() {
    return chainOfThisThread();
}

CallChain::Scope::Scope(std::vector<std::string> chain)
    : previous_(std::exchange(chainOfThisThread(), std::move(chain))) {}

CallChain::Scope::~Scope() {
    chainOfThisThread() = std::move(previous_);
}

std::string CallChain::describe(const std::vector<std::string>& chain) {
    std::string text;
    for (const auto& link : chain) {
        if (!text.empty()) {
            text += " -> ";
        }
        text += link;
    }
    return text;
}

}  // namespace mvi::host
