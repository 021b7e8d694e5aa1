#include "http/RouteTable.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace mvi::host {

void RouteTable::add(const std::string& method, const std::string& pattern, Access access,
                     Factory factory) {
    if (pattern.empty() || pattern.front() != '/') {
        throw std::invalid_argument(
            fmt::format("route pattern '{}' does not start with /", pattern));
    }
    Path parsed;
    std::set<std::string> names;
    for (const std::string& text : segments(pattern)) {
        Segment segment{text, Kind::Literal};
        if (parsed.endsWithRest()) {
            throw std::invalid_argument(fmt::format(
                "route pattern '{}': a rest parameter must be the last segment", pattern));
        }
        if (text.front() == '{' || text.back() == '}') {
            if (text.size() < 3 || text.front() != '{' || text.back() != '}') {
                throw std::invalid_argument(
                    fmt::format("route pattern '{}': malformed parameter '{}'", pattern, text));
            }
            std::string name = text.substr(1, text.size() - 2);
            Kind kind = Kind::Parameter;
            if (name.size() > 3 && name.compare(name.size() - 3, 3, "...") == 0) {
                name.resize(name.size() - 3);
                kind = Kind::Rest;
            }
            if (name.empty() || name.find_first_of("{}.") != std::string::npos) {
                throw std::invalid_argument(
                    fmt::format("route pattern '{}': malformed parameter '{}'", pattern, text));
            }
            segment = {std::move(name), kind};
            if (!names.insert(segment.text).second) {
                throw std::invalid_argument(fmt::format(
                    "route pattern '{}' names parameter '{}' twice", pattern, segment.text));
            }
        }
        parsed.segments.push_back(std::move(segment));
    }
    auto sameShape = [&parsed](const Path& path) {
        if (path.segments.size() != parsed.segments.size()) {
            return false;
        }
        for (std::size_t i = 0; i < path.segments.size(); ++i) {
            const Segment& a = path.segments[i];
            const Segment& b = parsed.segments[i];
            if (a.kind != b.kind || (a.kind == Kind::Literal && a.text != b.text)) {
                return false;
            }
        }
        return true;
    };
    for (Path& path : paths_) {
        if (!sameShape(path)) {
            continue;
        }
        for (std::size_t i = 0; i < path.segments.size(); ++i) {
            if (path.segments[i].text != parsed.segments[i].text) {
                throw std::invalid_argument(
                    fmt::format("route pattern '{}' is '{}' under other parameter names", pattern,
                                path.routes.front().pattern));
            }
        }
        for (const Route& route : path.routes) {
            if (route.method == method) {
                throw std::invalid_argument(
                    fmt::format("route {} {} is declared twice", method, pattern));
            }
        }
        path.routes.push_back({method, pattern, access, std::move(factory)});
        return;
    }
    parsed.routes.push_back({method, pattern, access, std::move(factory)});
    paths_.push_back(std::move(parsed));
}

RouteTable::Match RouteTable::match(const std::string& method,
                                    const std::vector<std::string>& segments) const {
    const Path* best = nullptr;
    for (const Path& path : paths_) {
        if (matches(path, segments) && (best == nullptr || moreSpecific(path, *best))) {
            best = &path;
        }
    }
    Match match;
    if (best == nullptr) {
        return match;
    }
    match.pathFound = true;
    for (std::size_t i = 0; i < best->segments.size(); ++i) {
        const Segment& segment = best->segments[i];
        if (segment.kind == Kind::Parameter) {
            match.parameters[segment.text] = segments[i];
        } else if (segment.kind == Kind::Rest) {
            std::string rest = segments[i];
            for (std::size_t j = i + 1; j < segments.size(); ++j) {
                rest += '/';
                rest += segments[j];
            }
            match.parameters[segment.text] = std::move(rest);
        }
    }
    bool allPublic = true;
    for (const Route& route : best->routes) {
        match.allowed += (match.allowed.empty() ? "" : ",") + route.method;
        allPublic = allPublic && route.access == Access::Public;
        if (route.method == method) {
            match.route = &route;
        }
    }
    match.isPublic_ = match.route != nullptr ? match.route->access == Access::Public : allPublic;
    return match;
}

std::vector<std::string> RouteTable::segments(const std::string& path) {
    std::vector<std::string> parts;
    std::string current;
    for (char c : path) {
        if (c != '/') {
            current += c;
        } else if (!current.empty()) {
            parts.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) {
        parts.push_back(std::move(current));
    }
    return parts;
}

bool RouteTable::matches(const Path& path, const std::vector<std::string>& segments) {
    if (path.endsWithRest() ? segments.size() < path.segments.size()
                            : segments.size() != path.segments.size()) {
        return false;
    }
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const Segment& segment = path.segments[std::min(i, path.segments.size() - 1)];
        if (segment.kind == Kind::Literal ? segment.text != segments[i]
                                          : segments[i].rfind('~', 0) == 0) {
            return false;
        }
    }
    return true;
}

bool RouteTable::moreSpecific(const Path& a, const Path& b) {
    const std::size_t common = std::min(a.segments.size(), b.segments.size());
    for (std::size_t i = 0; i < common; ++i) {
        if (a.segments[i].kind != b.segments[i].kind) {
            return a.segments[i].kind < b.segments[i].kind;
        }
    }
    // Alike as far as both go: the one without a rest parameter is the exact one.
    return !a.endsWithRest() && b.endsWithRest();
}

}  // namespace mvi::host
