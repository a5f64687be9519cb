// The pools that hold real state, classes and dependencies, are sized at
// start-up by options (max_classes=, max_dependencies=) within their static
// reservation (core/config.hpp): storage is reserved once, and a limit
// below it bounds what a program may use. The caches (chains) evict
// instead and need no limit.
#pragma once

#include "core/pools.hpp"

namespace lockdep {

// Sets the limits from current_options(); 0 there means the whole
// reservation.
void apply_pool_options();

// The option that sizes `p` ("max_dependencies"), or nullptr.
const char *pool_option_name(pool p);

}  // namespace lockdep
