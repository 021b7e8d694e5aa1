// A struct of the service's own needs MVI_STRUCT to be an argument, result or parameter.
// expect-error: static assertion failed: mvi: declare this struct with MVI_STRUCT(Type, fields...)
// expect-note: 'mvi::declared_with_MVI_STRUCT<shop::Point>::value' evaluates to false
#include <mvi/service.hpp>

namespace shop {
struct Point {
    int x = 0;
    int y = 0;
};
#ifndef MVI_MISTAKE
MVI_STRUCT(Point, x, y);
#endif
}  // namespace shop

MVI_SERVICE(service) {
    service.entrypoint("norm", {"point"},
                       [](const shop::Point& point) { return point.x + point.y; });
}
