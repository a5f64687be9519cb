// Dependencies known to be in the graph, readable without any lock: lets a
// held-lock stack that the chain cache has not seen be validated without
// the graph lock when every dependency it needs is already recorded (a
// server taking random subsets of many locks produces new stacks far more
// often than new dependencies).
//
// An open-addressed table of 64-bit words: a fingerprint of (from class,
// its generation, to class, its generation) and the kind mask. Written only
// under the graph lock, read with relaxed atomic loads. Generations change
// when a class is registered and when it is zapped, so an entry of a dead
// class never matches a live one and entries are never removed; when the
// table gets too full it is cleared, and readers fall back to the graph
// lock until the dependencies are published again.
//
// A dependency with a guard set (guard_sets.hpp) is published as guarded
// and is not "known" to readers: a stack that records it is validated, so
// that a guard set that would shrink is intersected. Guard sets only
// shrink, so the mark only ever goes from set to clear, and a reader that
// sees it late takes the slow path once more, which is harmless.
//
// A fingerprint collision makes an unknown dependency look known: that
// stack's check is skipped (a possible missed report), never a false
// report. With 59-bit fingerprints and at most kKnownDepProbes probes a
// lookup, that is about one in 2^55 lookups.
#pragma once

#include <cstdint>

namespace lockdep {

inline constexpr uint32_t kKnownDepSlotsBits = 22;  // 32 MiB reserved, touched as used
inline constexpr uint32_t kKnownDepProbes = 16;

// Under the graph lock: from -> to exists with (at least) the kinds `mask`,
// and has guards or not.
void known_dep_publish(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen, uint8_t mask,
                       bool guarded = false);

// Without locks: is from -> to known, without guards, with one of the
// kinds in `kind`?
bool known_dep_has(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen, uint8_t kind);

struct known_dep_counts {
  uint64_t entries, clears;
};
known_dep_counts known_dep_stats();

}  // namespace lockdep
