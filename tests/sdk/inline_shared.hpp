// A struct shared by the two translation units of the inline test.
#ifndef MVI_TESTS_SDK_INLINE_SHARED_HPP
#define MVI_TESTS_SDK_INLINE_SHARED_HPP

#include <mvi/schema.hpp>

#include <string>
#include <vector>

namespace inline_test {

/// A record with a name and tags.
struct Record {
    std::string name;
    std::vector<std::string> tags;
};
MVI_STRUCT(Record, name, tags);

}  // namespace inline_test

#endif  // MVI_TESTS_SDK_INLINE_SHARED_HPP
