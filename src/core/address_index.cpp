#include "core/address_index.hpp"

#include <atomic>

namespace lockdep {
namespace {

// Direct-mapped counters: a page (or region) number selects its counter
// modulo the table size. Two pages that share a counter only make it too
// high, so a check may scan memory that holds no lock but never skips one
// that does. Nothing is claimed, so nothing runs out, however many
// different pages a long-running program puts its locks in over time.
// Plain arrays read through atomic_ref: a std::atomic array would be
// value-initialised by a load-time constructor, touching all of it; here a
// counter costs resident memory only once a lock lives near it.
template <uint32_t Bits>
struct counter_table {
  static constexpr uintptr_t kMask = (uintptr_t{1} << Bits) - 1;
  uint32_t words[uintptr_t{1} << Bits];

  std::atomic_ref<uint32_t> at(uintptr_t n) { return std::atomic_ref<uint32_t>(words[n & kMask]); }
  void add(uintptr_t n) { at(n).fetch_add(1, std::memory_order_relaxed); }
  void remove(uintptr_t n) { at(n).fetch_sub(1, std::memory_order_relaxed); }
  uint32_t get(uintptr_t n) { return at(n).load(std::memory_order_relaxed); }
};

// 2^22 pages alias every 16 GiB, 2^18 regions every 512 GiB: 16 MiB and
// 1 MiB of address space reserved, a few pages of it touched in practice.
counter_table<22> g_pages;
counter_table<18> g_regions;

}  // namespace

void address_index_add(uintptr_t addr) {
  g_pages.add(addr >> kPageShift);
  g_regions.add(addr >> kRegionShift);
}

void address_index_remove(uintptr_t addr) {
  g_pages.remove(addr >> kPageShift);
  g_regions.remove(addr >> kRegionShift);
}

uint32_t address_index_page_count(uintptr_t page_number) { return g_pages.get(page_number); }
uint32_t address_index_region_count(uintptr_t region_number) {
  return g_regions.get(region_number);
}

bool address_range_may_hold_locks(uintptr_t lo, uintptr_t hi) {
  if (lo >= hi) return false;
  for (uintptr_t r = lo >> kRegionShift; r <= (hi - 1) >> kRegionShift; ++r)
    if (g_regions.get(r)) return true;
  return false;
}

}  // namespace lockdep
