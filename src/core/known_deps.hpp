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
// A dependency with a guard set (guard_sets.hpp) is known to a reader only
// together with its guards, when it has at most kKnownDepGuards of them:
// the stack must hold them all (for writing) for the dependency's guard
// set to stay as it is; otherwise the stack is validated and the guard set
// intersected. Guards are two more words beside the slot; the first says
// how many there are, a guard set that would not fit publishes none (and
// so is never known without the graph lock). A guard set only shrinks, or
// starts afresh when one of its guards died: a reader that sees the words
// mid-change sees the old guards (a superset, or one that names a dead
// class, which no stack holds) or the new ones, never too few.
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

inline constexpr uint32_t kKnownDepGuards = 2;
struct known_guards {
  uint32_t n;
  uint32_t cls[kKnownDepGuards];
  uint32_t gen[kKnownDepGuards];
};

// Under the graph lock: from -> to exists with (at least) the kinds `mask`,
// with these guards (nullptr: none).
struct guard_set;
void known_dep_publish(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen, uint8_t mask,
                       const guard_set *guards = nullptr);

// Without locks: is from -> to known with one of the kinds in `kind`? Then
// `guards` are the locks a stack must hold for that to stay true (n == 0:
// none; see stack_holds_guards()).
bool known_dep_has(uint32_t from, uint32_t from_gen, uint32_t to, uint32_t to_gen, uint8_t kind,
                   known_guards &guards);

struct known_dep_counts {
  uint64_t entries, clears;
};
known_dep_counts known_dep_stats();

}  // namespace lockdep
