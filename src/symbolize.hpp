// Turning a code address into "function+0xoff/0xsize [module]" for reports.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lockdep {

// Writes a NUL-terminated description of `addr` into buf; never allocates.
void symbolize(uintptr_t addr, char *buf, size_t len);

}  // namespace lockdep
