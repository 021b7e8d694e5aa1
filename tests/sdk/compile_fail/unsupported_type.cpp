// A type the SDK has no JSON form and no schema for is named by the compiler.
// expect-error: static assertion failed: mvi: unsupported type for an argument, result or parameter
// (the note below names it), use std::string expect-note: 'mvi::supported_type<std:: expect-note:
// list<int> >::value' evaluates to false
#include <mvi/service.hpp>

#include <list>
#include <vector>

MVI_SERVICE(service) {
#ifdef MVI_MISTAKE
    service.entrypoint("count", {"values"},
                       [](const std::list<int>& values) { return values.size(); });
#else
    service.entrypoint("count", {"values"},
                       [](const std::vector<int>& values) { return values.size(); });
#endif
}
