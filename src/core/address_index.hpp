// Which memory pages hold the key of a live lock class. free(), realloc()
// and munmap() must forget every lock inside the memory they release; this
// index lets an ordinary free() of memory with no locks in it cost one or two
// counter reads. Updated under the graph lock, read without any lock; it
// never runs out (see address_index.cpp).
#pragma once

#include <cstdint>

namespace lockdep {

// Under the graph lock.
void address_index_add(uintptr_t addr);
void address_index_remove(uintptr_t addr);

// Lock-free: may [lo, hi) contain the key of a live class?
bool address_range_may_hold_locks(uintptr_t lo, uintptr_t hi);

// Calls f(page_start) for every page in [lo, hi) that holds a live key.
template <class F>
void for_each_lock_page(uintptr_t lo, uintptr_t hi, F &&f);

inline constexpr uintptr_t kPageShift = 12;
inline constexpr uintptr_t kRegionShift = 21;

uint32_t address_index_page_count(uintptr_t page_number);
uint32_t address_index_region_count(uintptr_t region_number);

template <class F>
void for_each_lock_page(uintptr_t lo, uintptr_t hi, F &&f) {
  if (lo >= hi) return;
  for (uintptr_t r = lo >> kRegionShift; r <= (hi - 1) >> kRegionShift; ++r) {
    if (!address_index_region_count(r)) continue;
    const uintptr_t first = r << (kRegionShift - kPageShift);
    const uintptr_t last = first + (uintptr_t{1} << (kRegionShift - kPageShift)) - 1;
    const uintptr_t from = first > (lo >> kPageShift) ? first : lo >> kPageShift;
    const uintptr_t to = last < ((hi - 1) >> kPageShift) ? last : (hi - 1) >> kPageShift;
    for (uintptr_t p = from; p <= to; ++p)
      if (address_index_page_count(p)) f(p << kPageShift);
  }
}

}  // namespace lockdep
