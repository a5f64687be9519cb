// Turning a code address into "function+0xoff/0xsize [module]" for reports.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lockdep {

// Writes a NUL-terminated description of `addr` into buf; never allocates.
void symbolize(uintptr_t addr, char *buf, size_t len);

// Names a lock by its address: the variable for static storage
// ("g_table_lock", "g_locks+0x28"), otherwise the address and the function
// that first took it ("0x5581c0a3e2a0@worker_main").
void describe_lock(uintptr_t addr, uintptr_t first_ip, char *buf, size_t len);

}  // namespace lockdep
