#ifndef MVI_HOST_CORE_VALIDATIONERROR_H
#define MVI_HOST_CORE_VALIDATIONERROR_H

#include <mvi/validation.hpp>

namespace mvi::host {

/// One problem found while validating a value against a schema, in the shape of one element of
/// the `detail` list of a 422 answer: {loc, msg, type}. The SDK's type, so that the host and the
/// fake host of the SDK report problems identically.
using ValidationError = mvi::validation::ValidationError;

}  // namespace mvi::host

#endif  // MVI_HOST_CORE_VALIDATIONERROR_H
