// A function with arguments needs their names (or one MVI_STRUCT holding them).
// expect-error: static assertion failed: mvi: name the entrypoint's arguments
// expect-note: the comparison reduces to '(1 == 0)'
#include <mvi/service.hpp>

MVI_SERVICE(service) {
#ifdef MVI_MISTAKE
    service.entrypoint("twice", [](int a) { return 2 * a; });
#else
    service.entrypoint("twice", {"a"}, [](int a) { return 2 * a; });
#endif
}
