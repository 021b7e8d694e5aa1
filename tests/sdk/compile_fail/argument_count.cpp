// A braced list of argument names is counted against the function's arguments.
// expect-error: static assertion failed: mvi: give the entrypoint one argument name per argument
// expect-note: the comparison reduces to '(2 == 1)'
#include <mvi/service.hpp>

MVI_SERVICE(service) {
#ifdef MVI_MISTAKE
    service.entrypoint("add", {"a", "b"}, [](int a) { return a; });
#else
    service.entrypoint("add", {"a", "b"}, [](int a, int b) { return a + b; });
#endif
}
