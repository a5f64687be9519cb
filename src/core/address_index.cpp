#include "core/address_index.hpp"

#include <atomic>

#include "core/config.hpp"
#include "core/pools.hpp"

namespace lockdep {
namespace {

// Open addressing on (number + 1); a slot, once claimed, keeps its number and
// only its count goes up and down, so lock-free readers never see a slot
// change identity. Plain arrays read through atomic_ref: a std::atomic array
// would be value-initialised by a load-time constructor, touching all of it.
template <uint32_t Size>
struct count_table {
  uintptr_t key_words[Size];
  uint32_t count_words[Size];
  uint32_t claimed;

  static std::atomic_ref<uintptr_t> key(uintptr_t &w) { return std::atomic_ref<uintptr_t>(w); }
  static std::atomic_ref<uint32_t> count(uint32_t &w) { return std::atomic_ref<uint32_t>(w); }

  static uint32_t slot_of(uintptr_t n) {
    return static_cast<uint32_t>((n * 0x9E3779B97F4A7C15ull) >> 40) & (Size - 1);
  }

  uint32_t *find(uintptr_t n) {
    const uintptr_t wanted = n + 1;
    for (uint32_t i = 0, s = slot_of(n); i < Size; ++i, s = (s + 1) & (Size - 1)) {
      const uintptr_t k = key(key_words[s]).load(std::memory_order_acquire);
      if (k == wanted) return &count_words[s];
      if (!k) return nullptr;
    }
    return nullptr;
  }

  bool add(uintptr_t n) {
    if (uint32_t *c = find(n)) {
      count(*c).fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    if (claimed >= Size / 2 + Size / 4) return false;  // keep probes short
    for (uint32_t s = slot_of(n);; s = (s + 1) & (Size - 1)) {
      if (key(key_words[s]).load(std::memory_order_relaxed)) continue;
      count(count_words[s]).store(1, std::memory_order_relaxed);
      key(key_words[s]).store(n + 1, std::memory_order_release);
      ++claimed;
      return true;
    }
  }

  void remove(uintptr_t n) {
    if (uint32_t *c = find(n)) count(*c).fetch_sub(1, std::memory_order_relaxed);
  }

  uint32_t get(uintptr_t n) {
    uint32_t *c = find(n);
    return c ? count(*c).load(std::memory_order_relaxed) : 0;
  }
};

count_table<kMaxLockPages> g_pages;
count_table<kMaxLockRegions> g_regions;

}  // namespace

bool address_index_add(uintptr_t addr) {
  if (!g_pages.add(addr >> kPageShift) || !g_regions.add(addr >> kRegionShift)) {
    pool_exhausted(pool::lock_pages);
    return false;
  }
  return true;
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
