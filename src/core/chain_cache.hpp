// The chain cache: a 64-bit key for every held-lock stack that has been
// validated. A stack seen before is a hash hit under RCU and costs no graph
// work and no graph lock.
#pragma once

#include <cstdint>

#include "core/config.hpp"
#include "support/bitmap.hpp"

namespace lockdep {

// Identity of one held lock inside a chain: class, read mode, and the
// class's generation, so that a chain cached with a class that was later
// zapped can never match a stack holding the slot's next occupant.
// The trylock bit is part of it: which dependencies a stack records depends
// on which of its locks were trylocks, so a stack validated with a blocking
// lock must not stand for the same classes taken with a trylock, and back.
inline uint64_t hlock_id(uint32_t class_idx, uint8_t read, bool trylock, uint32_t generation) {
  return class_idx | (uint64_t{read} << kMaxClassesBits) |
         (uint64_t{trylock} << (kMaxClassesBits + 2)) | (uint64_t{generation} << 32);
}
inline uint32_t hlock_class(uint64_t id) { return static_cast<uint32_t>(id) & (kMaxClasses - 1); }

inline uint64_t iterate_chain_key(uint64_t key, uint64_t id) {
  uint64_t z = key + 0x9E3779B97F4A7C15ull + id;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Under rcu_read_lock().
bool chain_lookup(uint64_t key);

// Under the graph lock. `ids` are the hlock_id()s of the whole held stack.
// Returns false when the stack was not cached: the pool was full, so every
// cached chain was evicted (the cache refills once their slots have passed
// a grace period). The validator stays on.
bool chain_add(uint64_t key, const uint64_t *ids, uint32_t n);

void chain_cache_invalidate_class(uint32_t class_idx);
// Under the graph lock: does a cached chain contain this class slot?
bool chain_cache_names_class(uint32_t class_idx);
void release_chain_slots(static_bitmap<kMaxChains> &pending);

struct chain_counts {
  uint64_t in_use, hlocks, evictions;
};
chain_counts chain_cache_counts();

}  // namespace lockdep
