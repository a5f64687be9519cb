#include "core/known_deps.hpp"

#include <sys/mman.h>

#include <atomic>

#include "core/config.hpp"
#include "core/dependency_graph.hpp"
#include "core/guard_sets.hpp"

namespace lockdep {
namespace {

constexpr uint32_t kSlots = 1u << kKnownDepSlotsBits;
constexpr uint64_t kMaskBits = 0xF;
constexpr uint64_t kGuardedBit = 0x10;
constexpr uint64_t kLowBits = kMaskBits | kGuardedBit;  // below the fingerprint

// 2 MiB aligned, so that it can be backed by huge pages (see kHugeAt).
alignas(1 << 21) std::atomic<uint64_t> g_table[kSlots];
// The guards of a guarded slot: class | generation << 20, kValid, and in
// the first word kTwo when the second is used too; 0 when none are
// published (too many, or not yet).
alignas(4096) std::atomic<uint64_t> g_guard_words[kKnownDepGuards][kSlots];
constexpr uint64_t kValid = uint64_t{1} << 63;
constexpr uint64_t kTwo = uint64_t{1} << 62;
static_assert(kMaxClassesBits + 32 <= 62);

uint64_t guard_word(const guard_set &g, uint32_t i) {
  return kValid | (uint64_t{g.gen[i]} << kMaxClassesBits) | g.cls[i];
}

// Second word first, then the first (release): a reader that sees the new
// first word sees the second word it needs.
void publish_guards(uint32_t slot, const guard_set *g) {
  uint64_t first = 0;
  if (g && g->n && g->n <= kKnownDepGuards) {
    first = guard_word(*g, 0);
    if (g->n == 2) {
      first |= kTwo;
      const uint64_t second = guard_word(*g, 1);
      if (g_guard_words[1][slot].load(std::memory_order_relaxed) != second)
        g_guard_words[1][slot].store(second, std::memory_order_relaxed);
    }
  }
  if (g_guard_words[0][slot].load(std::memory_order_relaxed) != first)
    g_guard_words[0][slot].store(first, std::memory_order_release);
}
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

// The table in use is the first 2^bits slots, sized at each clear for the
// dependencies then live: entries of dead classes are never removed, so a
// program whose locks come and go would otherwise fill (and fault in) the
// whole reservation between clears. A reader that uses a size from before
// a clear only misses.
constexpr uint32_t kMinSlotsBits = 10;  // 8 KiB: whole pages
std::atomic<uint32_t> g_slots_bits{kMinSlotsBits};

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct probe {
  uint32_t slot;
  uint64_t fingerprint;  // never 0: 0 is an empty slot
};

probe locate(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen, uint32_t bits) {
  const uint64_t a = from | (uint64_t{from_gen} << 32);
  const uint64_t b = to | (uint64_t{to_gen} << 32);
  const uint64_t h = mix(a + 0x9E3779B97F4A7C15ull) ^ mix(b ^ 0xD6E8FEB86659FD93ull);
  uint64_t fp = mix(h ^ 0xA0761D6478BD642Full) & ~kLowBits;
  if (!fp) fp = kLowBits + 1;
  return {static_cast<uint32_t>(h) & ((1u << bits) - 1), fp};
}

// Dropping the pages gives them back too; a reader meanwhile sees old
// words or zeros, both fine.
void clear_table() {
  const uint32_t used = 1u << g_slots_bits.load(std::memory_order_relaxed);
  if (madvise(g_table, used * sizeof g_table[0], MADV_DONTNEED) != 0)
    for (uint32_t i = 0; i < used; ++i) g_table[i].store(0, std::memory_order_relaxed);
  for (auto &row : g_guard_words)
    if (madvise(row, used * sizeof row[0], MADV_DONTNEED) != 0)
      for (uint32_t i = 0; i < used; ++i) row[i].store(0, std::memory_order_relaxed);
  // Room for four times the live dependencies: the next clear is as far
  // away as the live set is large.
  uint32_t bits = kMinSlotsBits;
  while (bits < kKnownDepSlotsBits && (uint64_t{1} << bits) < 4 * dependency_count()) ++bits;
  g_slots_bits.store(bits, std::memory_order_relaxed);
  g_entries = 0;
  ++g_clears;
}

}  // namespace

void known_dep_publish(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen, uint8_t mask,
                       const guard_set *guards) {
  const bool guarded = guards && guards->n;
  const uint32_t bits = g_slots_bits.load(std::memory_order_relaxed);
  const uint32_t slots_mask = (1u << bits) - 1;
  const probe p = locate(from, from_gen, to, to_gen, bits);
  for (uint32_t i = 0; i < kKnownDepProbes; ++i) {
    std::atomic<uint64_t> &w = g_table[(p.slot + i) & slots_mask];
    const uint64_t v = w.load(std::memory_order_relaxed);
    if (v && (v & ~kLowBits) != p.fingerprint) continue;
    if (!v) {
      if (g_entries >= (slots_mask + 1) / 4 * 3) {
        clear_table();
        known_dep_publish(from, from_gen, to, to_gen, mask, guards);
        return;
      }
      if (g_entries == kHugeAt && !g_huge_tried) {
        g_huge_tried = true;
        if (madvise(g_table, sizeof g_table, MADV_HUGEPAGE) == 0) {
          clear_table();
          known_dep_publish(from, from_gen, to, to_gen, mask, guards);
          return;
        }
      }
      ++g_entries;
    }
    if (guarded) publish_guards((p.slot + i) & slots_mask, guards);
    w.store(p.fingerprint | ((v | mask) & kMaskBits) | (guarded ? kGuardedBit : 0),
            std::memory_order_relaxed);
    return;
  }
  // A crowded run of slots: this dependency stays on the graph-lock path.
}

bool known_dep_has(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen, uint8_t kind,
                   known_guards &guards) {
  const uint32_t bits = g_slots_bits.load(std::memory_order_relaxed);
  const probe p = locate(from, from_gen, to, to_gen, bits);
  for (uint32_t i = 0; i < kKnownDepProbes; ++i) {
    const uint32_t slot = (p.slot + i) & ((1u << bits) - 1);
    const uint64_t v = g_table[slot].load(std::memory_order_relaxed);
    if (!v) return false;
    if ((v & ~kLowBits) != p.fingerprint) continue;
    if (!(v & kind)) return false;
    guards.n = 0;
    if (!(v & kGuardedBit)) return true;
    const uint64_t first = g_guard_words[0][slot].load(std::memory_order_acquire);
    if (!first) return false;
    const uint64_t words[2] = {
        first, first & kTwo ? g_guard_words[1][slot].load(std::memory_order_relaxed) : 0};
    for (uint64_t w : words) {
      if (!w) break;
      guards.cls[guards.n] = static_cast<uint32_t>(w) & (kMaxClasses - 1);
      guards.gen[guards.n] = static_cast<uint32_t>(w >> kMaxClassesBits);
      ++guards.n;
    }
    // A first word that says two, beside a second word cleared meanwhile.
    return (first & kTwo) == 0 || guards.n == 2;
  }
  return false;
}

known_dep_counts known_dep_stats() { return {g_entries, g_clears}; }

}  // namespace lockdep
