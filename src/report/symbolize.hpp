// Turning a code address into "function+0xoff/0xsize [module]" for reports.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lockdep {

// Writes a NUL-terminated description of `addr` into buf; never allocates.
void symbolize(uintptr_t addr, char *buf, size_t len);

// Where a code address lies, for symbolizing outside the process: the
// module's path (the executable's from /proc/self/exe, so the path stays
// right whatever argv[0] or the working directory) and the address's
// offset from the module's load bias (its ELF virtual address, what
// addr2line and libdw take). `function` is the in-process name, demangled
// without parameters, or empty. False when no module holds the address.
struct frame_location {
  char module[1024];
  uintptr_t offset;
  char function[256];
};
bool locate_frame(uintptr_t addr, frame_location *out);

// Names a lock by its address: the variable for static storage
// ("g_table_lock", "g_locks+0x28"), otherwise the address and the function
// that first took it ("0x5581c0a3e2a0@worker_main").
void describe_lock(uintptr_t addr, uintptr_t first_ip, char *buf, size_t len);

}  // namespace lockdep
