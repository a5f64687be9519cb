#include "core/known_deps.hpp"

#include <sys/mman.h>

#include <atomic>

namespace lockdep {
namespace {

constexpr uint32_t kSlots = 1u << kKnownDepSlotsBits;
constexpr uint32_t kClearAt = kSlots / 4 * 3;
constexpr uint64_t kMaskBits = 0xF;

// 2 MiB aligned, so that it can be backed by huge pages (see kHugeAt).
alignas(1 << 21) std::atomic<uint64_t> g_table[kSlots];
uint32_t g_entries;  // under the graph lock
uint64_t g_clears;
// Lookups land on random slots: with 4 KiB pages nearly every one is a TLB
// miss as well as a cache miss. Once the table holds enough entries to
// have touched nearly every page anyway (8 a page), huge pages cost no
// memory: the table is cleared (as when it is full) and refills in huge
// pages. Collapsing the pages in place (MADV_COLLAPSE) would stall every
// thread for a hundred milliseconds; khugepaged alone takes minutes.
constexpr uint32_t kHugeAt = kSlots / 64;
bool g_huge_tried;

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct probe {
  uint32_t slot;
  uint64_t fingerprint;  // never 0: 0 is an empty slot
};

probe locate(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen) {
  const uint64_t a = from | (uint64_t{from_gen} << 32);
  const uint64_t b = to | (uint64_t{to_gen} << 32);
  const uint64_t h = mix(a + 0x9E3779B97F4A7C15ull) ^ mix(b ^ 0xD6E8FEB86659FD93ull);
  uint64_t fp = mix(h ^ 0xA0761D6478BD642Full) & ~kMaskBits;
  if (!fp) fp = kMaskBits + 1;
  return {static_cast<uint32_t>(h) & (kSlots - 1), fp};
}

// Dropping the pages gives them back too; a reader meanwhile sees old
// words or zeros, both fine.
void clear_table() {
  if (madvise(g_table, sizeof g_table, MADV_DONTNEED) != 0)
    for (auto &w : g_table) w.store(0, std::memory_order_relaxed);
  g_entries = 0;
  ++g_clears;
}

}  // namespace

void known_dep_publish(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen,
                       uint8_t mask) {
  const probe p = locate(from, from_gen, to, to_gen);
  for (uint32_t i = 0; i < kKnownDepProbes; ++i) {
    std::atomic<uint64_t> &w = g_table[(p.slot + i) & (kSlots - 1)];
    const uint64_t v = w.load(std::memory_order_relaxed);
    if (v && (v & ~kMaskBits) != p.fingerprint) continue;
    if (!v) {
      if (g_entries >= kClearAt) {
        clear_table();
        known_dep_publish(from, from_gen, to, to_gen, mask);
        return;
      }
      if (g_entries == kHugeAt && !g_huge_tried) {
        g_huge_tried = true;
        if (madvise(g_table, sizeof g_table, MADV_HUGEPAGE) == 0) {
          clear_table();
          known_dep_publish(from, from_gen, to, to_gen, mask);
          return;
        }
      }
      ++g_entries;
    }
    w.store(p.fingerprint | ((v | mask) & kMaskBits), std::memory_order_relaxed);
    return;
  }
  // A crowded run of slots: this dependency stays on the graph-lock path.
}

bool known_dep_has(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen, uint8_t kind) {
  const probe p = locate(from, from_gen, to, to_gen);
  for (uint32_t i = 0; i < kKnownDepProbes; ++i) {
    const uint64_t v = g_table[(p.slot + i) & (kSlots - 1)].load(std::memory_order_relaxed);
    if (!v) return false;
    if ((v & ~kMaskBits) == p.fingerprint) return (v & kind) != 0;
  }
  return false;
}

known_dep_counts known_dep_stats() { return {g_entries, g_clears}; }

}  // namespace lockdep
