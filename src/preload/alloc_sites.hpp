// Where each live heap block was allocated: the call site of malloc,
// calloc, realloc, posix_memalign, aligned_alloc, memalign or operator new,
// kept in static tables so that a lock's class can name the allocation
// site of the block it lives in. Nothing here allocates.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lockdep::preload {

// Recording is off until classes=site turns it on (after the options).
extern bool g_record_alloc_sites;

// A block [start, ...) was allocated by the call returning to `ip`.
void alloc_site_record(const void *start, uintptr_t ip);
// The block at `start` is freed.
void alloc_site_forget(const void *start);

// The recorded block that holds `addr`, looking back at most
// kMaxInteriorOffset bytes for its start; false if none.
inline constexpr uintptr_t kMaxInteriorOffset = 4096;
bool alloc_site_lookup(uintptr_t addr, uintptr_t *site_ip, uintptr_t *block_start);

// Code addresses as small numbers (1..65535; 0: the table is full), shared
// with the init-site table: allocation and init call sites.
uint32_t code_site_number(uintptr_t ip);
uintptr_t code_site(uint32_t number);

// Allocation sites seen so far (a statistic).
uint64_t alloc_sites_known();

// Blocks handed out while dlsym() bootstraps (before the real allocator is
// known) come from a static buffer: free() and realloc() must not pass them on.
bool bootstrap_block(const void *p);
size_t bootstrap_block_size(const void *p);

}  // namespace lockdep::preload
