// Where each live heap block was allocated: the call site of malloc,
// calloc, realloc, posix_memalign, aligned_alloc, memalign or operator new,
// kept in static tables so that a lock's class can name the allocation
// site of the block it lives in. Nothing here allocates.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace lockdep::preload {

// Recording runs from the first allocation; start-up turns it off unless
// classes=site.
extern bool g_record_alloc_sites;

// A block [start, start + size) was allocated by the call returning to `ip`.
void alloc_site_record(const void *start, size_t size, uintptr_t ip);
// realloc() grew the block at `start` in place to `size` usable bytes.
void alloc_site_grown(const void *start, size_t size);
// The block at `start`, of `size` usable bytes, is freed.
void alloc_site_forget(const void *start, size_t size);

// The recorded block that holds `addr`; false if none. A block's start is
// looked for up to kMaxInteriorOffset bytes back; blocks larger than that
// (up to kMaxIndexedBlock) are found through an index of their pages.
inline constexpr uintptr_t kMaxInteriorOffset = 4096;
inline constexpr size_t kMaxIndexedBlock = size_t{256} << 20;
//
// A table slot whose record was displaced by another's (a collision while
// both blocks lived) is marked lost for good: a lookup that meets such a
// mark where the block could have started does not know, and says so. A
// lock's class must never depend on what the tables happened to keep.
enum class lookup_result { found, absent, unknown };
lookup_result alloc_site_lookup(uintptr_t addr, uintptr_t *site_ip, uintptr_t *block_start);

// Table words: address << 16 | lost mark | code site number (15 bits).
inline constexpr uint64_t kLostMark = 1u << 15;
inline constexpr uint64_t kSiteMask = kLostMark - 1;
// Stores `entry` in `slot`, marking the slot lost when it displaces another
// address's record (or was lost before).
void store_entry(std::atomic<uint64_t> &slot, uint64_t entry);
void clear_entry(std::atomic<uint64_t> &slot, uintptr_t addr);

// Code addresses as small numbers (1..32767; 0: the table is full), shared
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
