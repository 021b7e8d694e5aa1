// ServiceLookup: a service or version from a routing snapshot, or the 404 every route gives.

#include "plugin/ServiceLookup.h"

#include <gtest/gtest.h>

#include <string>

namespace mvi::host {
namespace {

/// The detail of the HttpError `lookup` throws; fails when it throws none or another status.
template <typename Lookup>
std::string notFound(Lookup lookup) {
    try {
        lookup();
    } catch (const HttpError& error) {
        EXPECT_EQ(error.status(), 404);
        return error.detail().get<std::string>();
    }
    ADD_FAILURE() << "no 404";
    return "";
}

TEST(ServiceLookup, UnknownNameOrVersionIs404NamingIt) {
    ServiceRegistry::Table table;
    table["hello"];
    EXPECT_EQ(notFound([&] { ServiceLookup::route(table, "nobody"); }),
              "service 'nobody' not found");
    EXPECT_EQ(notFound([&] { ServiceLookup::version(table, "nobody", "1.0.0"); }),
              "service 'nobody' not found");
    EXPECT_EQ(notFound([&] { ServiceLookup::version(table, "hello", "2.0.0"); }),
              "service 'hello' has no version 2.0.0");
}

TEST(ServiceLookup, NoVersionMeansTheMainOne) {
    ServiceRegistry::Table table;
    table["hello"];
    EXPECT_EQ(notFound([&] { ServiceLookup::version(table, "hello", ""); }),
              "service hello has no main version; name the version");
}

TEST(ServiceLookup, FindsTheEntryOfAName) {
    ServiceRegistry::Table table;
    table["hello"].versions["1.0.0"] = nullptr;
    EXPECT_EQ(&ServiceLookup::route(table, "hello"), &table.at("hello"));
    EXPECT_NO_THROW(ServiceLookup::version(table, "hello", "1.0.0"));
}

TEST(ServiceLookup, QuotesLongNamesBounded) {
    std::string detail = ServiceLookup::unknownService(std::string(10000, 'x')).detail();
    EXPECT_LT(detail.size(), 1000U);
    EXPECT_EQ(ServiceLookup::unknownVersion("hello", "9.9.9").status(), 404);
}

}  // namespace
}  // namespace mvi::host
