#include "core/known_deps.hpp"

#include <sys/mman.h>

#include <atomic>

#include "core/dependency_graph.hpp"

namespace lockdep {
namespace {

constexpr uint32_t kSlots = 1u << kKnownDepSlotsBits;
constexpr uint64_t kMaskBits = 0xF;

alignas(4096) std::atomic<uint64_t> g_table[kSlots];
uint32_t g_entries;  // under the graph lock
uint64_t g_clears;

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
  uint64_t fp = mix(h ^ 0xA0761D6478BD642Full) & ~kMaskBits;
  if (!fp) fp = kMaskBits + 1;
  return {static_cast<uint32_t>(h) & ((1u << bits) - 1), fp};
}

// Dropping the pages gives them back too; a reader meanwhile sees old
// words or zeros, both fine.
void clear_table() {
  const uint32_t used = 1u << g_slots_bits.load(std::memory_order_relaxed);
  if (madvise(g_table, used * sizeof g_table[0], MADV_DONTNEED) != 0)
    for (uint32_t i = 0; i < used; ++i) g_table[i].store(0, std::memory_order_relaxed);
  // Room for four times the live dependencies: the next clear is as far
  // away as the live set is large.
  uint32_t bits = kMinSlotsBits;
  while (bits < kKnownDepSlotsBits && (uint64_t{1} << bits) < 4 * dependency_count()) ++bits;
  g_slots_bits.store(bits, std::memory_order_relaxed);
  g_entries = 0;
  ++g_clears;
}

}  // namespace

void known_dep_publish(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen,
                       uint8_t mask) {
  const uint32_t bits = g_slots_bits.load(std::memory_order_relaxed);
  const probe p = locate(from, from_gen, to, to_gen, bits);
  for (uint32_t i = 0; i < kKnownDepProbes; ++i) {
    std::atomic<uint64_t> &w = g_table[(p.slot + i) & ((1u << bits) - 1)];
    const uint64_t v = w.load(std::memory_order_relaxed);
    if (v && (v & ~kMaskBits) != p.fingerprint) continue;
    if (!v) {
      if (g_entries >= (1u << bits) / 4 * 3) {
        clear_table();
        known_dep_publish(from, from_gen, to, to_gen, mask);
        return;
      }
      ++g_entries;
    }
    w.store(p.fingerprint | ((v | mask) & kMaskBits), std::memory_order_relaxed);
    return;
  }
  // A crowded run of slots: this dependency stays on the graph-lock path.
}

bool known_dep_has(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen, uint8_t kind) {
  const uint32_t bits = g_slots_bits.load(std::memory_order_relaxed);
  const probe p = locate(from, from_gen, to, to_gen, bits);
  for (uint32_t i = 0; i < kKnownDepProbes; ++i) {
    const uint64_t v = g_table[(p.slot + i) & ((1u << bits) - 1)].load(std::memory_order_relaxed);
    if (!v) return false;
    if ((v & ~kMaskBits) == p.fingerprint) return (v & kind) != 0;
  }
  return false;
}

known_dep_counts known_dep_stats() { return {g_entries, g_clears}; }

}  // namespace lockdep
