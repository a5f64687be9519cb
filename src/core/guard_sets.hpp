// Guard sets (gate locks): a cycle whose dependencies were all taken under
// one common exclusive lock cannot deadlock (Havelund 2000; Bensalem &
// Havelund 2005; iGoodlock, Joshi et al. 2009), so it is not reported.
//
// Each dependency keeps the locks that were held exclusively whenever it
// was observed, other than its two ends: the intersection over every
// observation. It is stored as at most kMaxGuards (class, generation)
// pairs per dependency, in a static array beside the graph's pool:
// - bounded and allocation-free, and exact: a guard is a class in one life
//   (a slot's next occupant never matches), with no signature to collide;
// - an intersection only shrinks, so the first observation bounds the set.
//   When it has more guard candidates than fit, the outermost ones are
//   kept (a gate is taken first). Dropping a guard errs towards reporting:
//   a cycle may be reported that more room would have shown to be gated,
//   never the reverse.
// Only a lock that is its own class can guard: its class key is the lock
// itself (every pthread lock in preload mode, a keyless map through the
// API). A class shared by several locks says nothing about which one a
// thread held, so it never guards. A read hold never guards either: two
// readers can both be inside.
//
// Observation happens when a held stack is validated (a chain cache miss).
// The chain key names every held lock's class, generation and read mode,
// which are all the guard set depends on, so a chain cache hit is a stack
// whose guards were intersected already: the hot path does no guard work.
// The lock-free "every dependency known" shortcut (known_deps.hpp) takes a
// dependency with guards as known only when the stack holds all of them
// (and at most two are published): otherwise its stack is validated, so a
// guard set that would shrink is noticed.
//
// A cycle (the new dependency and a path back) is feasible, and reported,
// only when it can be cut into two non-empty runs of consecutive
// dependencies whose guards are disjoint. Pairwise disjointness of single
// dependencies would be wrong here: the graph records a dependency only
// from the nearest held lock, so consecutive dependencies of one thread's
// stack (G, A, B, C records A->B under G and B->C under G and A) share
// that thread's guards, and a real deadlock against C, A would be missed.
// For a cycle of two dependencies both rules are the same.
//
// The graph's breadth-first search finds the shortest strong path; when
// its cycle is gated, a depth-first search over the strong paths (each
// (class, reached-by-recursive-reads) state at most once per path) looks
// for a feasible one, within kGuardSearchBudget steps; past that the cycle
// is taken as gated, and counted (print_stats).
//
// The topological order (dependency_graph.hpp) treats a dependency whose
// cycles are all gated like one that closes a non-deadlocking read cycle,
// as the kernel's rules already require: the graph now has a cycle, which
// no order holds, so the dependency is added against the order, and while
// any such dependency exists the searches that the order would skip are
// run (unless the new dependency's first lock has no earlier locks or its
// second no later ones: then no path can close). The order of the other
// dependencies is kept, and is exact again once those are zapped.
//
// A guard whose class has died (the gate was destroyed) makes its
// dependency unusable for cycles until it is observed again, which starts
// its guard set afresh: a dependency observed only under a lock that no
// longer exists says nothing about the locks alive now.
#pragma once

#include <cstdint>

#include "core/thread_state.hpp"

namespace lockdep {

inline constexpr uint32_t kMaxGuards = 4;

struct guard_set {
  uint32_t n;
  uint32_t cls[kMaxGuards];
  uint32_t gen[kMaxGuards];

  bool has(uint32_t c, uint32_t g) const {
    for (uint32_t i = 0; i < n; ++i)
      if (cls[i] == c && gen[i] == g) return true;
    return false;
  }
};

// The guards of prev -> next in `t`'s held stack (with or without the
// graph lock):
// the locks held for writing, live, each its own class, other than the
// two ends; the outermost kMaxGuards.
void stack_guards(const thread_state &t, const held_lock &prev, const held_lock &next,
                  guard_set &out);

// Without locks, under RCU: would prev -> next in `t`'s stack keep all of
// `guards` (as known_dep_has() gives them), so that its guard set stays
// as it is?
struct known_guards;
bool stack_holds_guards(const thread_state &t, const held_lock &prev, const held_lock &next,
                        const known_guards &guards);

// Under the graph lock, by dependency id.
const guard_set &dependency_guards(uint32_t id);
// A dependency just added: its first observation.
void set_dependency_guards(uint32_t id, const guard_set &g);
// A dependency observed again: intersect (start afresh when one of its
// guards died). True when the set changed: cycles through it must be
// checked again.
bool observe_dependency_guards(uint32_t id, const guard_set &g);
// Has one of the dependency's guards died?
bool dependency_guard_dead(uint32_t id);

// Can the cycle of these guard sets (in cycle order) be cut into two
// non-empty runs of consecutive sets whose guards are disjoint? A cycle
// longer than kMaxCheckedCycle counts as feasible (it is reported).
inline constexpr uint32_t kMaxCheckedCycle = 4096;
bool cycle_feasible(const guard_set *const *sets, uint32_t n);

// Called by the graph's cycle search with a strong path next -> ... ->
// prev of `len` dependencies (len > 0) that closes a cycle with a new
// dependency guarded by `guards`. Returns `len` if that cycle is feasible;
// otherwise searches, within a budget, for another strong path whose
// cycle is, and returns its length (its ids in `path`), or 0.
uint32_t feasible_path(uint32_t len, uint32_t next, uint8_t next_read, uint32_t prev,
                       uint8_t prev_read, const guard_set &guards, uint32_t *path);

// A known dependency's guard set shrank: the length of a feasible strong
// path back from its `to` to its `from` that closes a cycle with it, for
// any of its kinds (0: none), ids in `path`.
uint32_t recheck_dependency(uint32_t id, uint32_t *path);

// Work units (dependencies followed) one search for a feasible path may
// spend; past it, the cycle is taken as gated (not reported) and counted.
inline constexpr uint32_t kGuardSearchBudget = 1u << 16;

struct guard_counts {
  uint64_t gated_cycles;      // strong cycles not reported: every path gated
  uint64_t searches;          // searches past an infeasible shortest path
  uint64_t search_steps;      // dependencies they followed
  uint64_t budget_exhausted;  // searches that gave up
  uint64_t rechecks;          // guard sets that shrank
};
guard_counts guard_stats();  // under the graph lock

}  // namespace lockdep
