// The dependency graph: "A was held while B was taken" edges between lock
// classes, in a static pool, with the kernel's read/recursive-read kinds.
// Only ever read or written under the graph lock, so an edge can be freed
// at once when its class is zapped (unlike classes and chains, which
// lock-free readers may still be looking at).
#pragma once

#include <cstdint>

namespace lockdep {

// Dependency kinds, as the kernel's: E = the earlier lock is held
// exclusively, S = shared; R = the later lock is a recursive reader,
// N = anything else (writer or non-recursive reader).
enum : uint8_t {
  kDepSR = 1u << 0,
  kDepER = 1u << 1,
  kDepSN = 1u << 2,
  kDepEN = 1u << 3,
};

// Lock modes as stored in held locks: 0 write, 1 read, 2 recursive read.
inline uint8_t dep_kind(uint8_t prev_read, uint8_t next_read) {
  return static_cast<uint8_t>(1u << ((prev_read == 0) + ((next_read != 2) << 1)));
}

struct lock_dep {
  uint32_t from, to;                  // class indices
  uint32_t after_next, after_prev;    // in from's list of later locks
  uint32_t before_next, before_prev;  // in to's list of earlier locks
  uint32_t after_pos, before_pos;     // places in the edge blocks (dependency_graph.cpp)
  uint32_t hash_next;
  uint32_t trace;  // where it was first recorded
  uint8_t mask;    // kDep* bits seen
  // Added while a (non-deadlocking) path next -> ... -> prev existed: the
  // topological order cannot hold it (see check_new_dependency()).
  uint8_t against_order;
};

// Without the graph lock: brings into cache what checking and adding
// from -> to will touch first (its hash bucket, list heads, order), while
// the caller does other work before taking the lock.
void prefetch_dependency(uint32_t from, uint32_t to);

// All under the graph lock. Dependency ids start at 1; 0 is "none".
void dependency_graph_remove_class(uint32_t class_idx);
uint32_t find_dependency(uint32_t from, uint32_t to);
const lock_dep &dependency_at(uint32_t id);
// 0 when the pool is exhausted (the BUG line has been printed).
uint32_t add_dependency(uint32_t from, uint32_t to, uint8_t mask, uint32_t trace,
                        bool against_order = false);
void add_dependency_kind(uint32_t id, uint8_t mask);
uint64_t dependency_count();
// First dependency in `from`'s list of later locks (0: none); the list goes
// on through lock_dep::after_next.
uint32_t first_dependency_from(uint32_t from);
// First dependency in `to`'s list of earlier locks (0: none); the list goes
// on through lock_dep::before_next.
uint32_t first_dependency_to(uint32_t to);

// Tests: do the edge blocks of `cls` hold exactly its linked dependencies?
bool dependency_lists_agree(uint32_t cls);

// Breadth-first search for a strong path next -> ... -> prev: one that, with
// the new edge prev -> next, closes a cycle that can deadlock. Returns its
// length in edges (0: none) and stores the edge ids, from `next`'s edge to
// the edge into `prev`, in `path` (room for kMaxClasses ids).
uint32_t find_strong_path(uint32_t next, uint8_t next_read, uint32_t prev, uint8_t prev_read,
                          uint32_t *path);

// The check for a new dependency prev -> next (or a new kind of an existing
// one), with the graph's topological order (Pearce & Kelly 2006, as
// Abseil's GraphCycles): ord[from] < ord[to] for every dependency not marked
// against_order. A dependency that agrees with the order cannot close a
// cycle and costs no search; otherwise only the affected region is searched
// (forward from `next` below ord[prev], backward from `prev` above
// ord[next]) and, when no path closes, reordered.
//
// Read/recursive-read rules let non-deadlocking cycles into the graph, and
// no order exists for a cycle. Such a dependency is added against_order and
// counted; while the count is non-zero, every new dependency also runs the
// full search, as before the order existed (the order is still maintained
// for the other dependencies, so it is valid again once the count drops to
// zero when those dependencies are zapped).
//
// With `guards` (the new dependency's, see guard_sets.hpp), only a cycle
// that is feasible counts: a strong path whose cycle is gated is passed
// over (feasible_path() looks for another), and the dependency is then
// added like one that closes a non-deadlocking read cycle: against the
// order, when the path ran against it.
//
// Returns the strong path's length like find_strong_path() (0: none; the
// caller then adds the dependency, against_order if `against_order` is set).
struct guard_set;
uint32_t check_new_dependency(uint32_t prev, uint8_t prev_read, uint32_t next, uint8_t next_read,
                              uint32_t *path, bool &against_order,
                              const guard_set *guards = nullptr);

// Is every dependency in agreement with the topological order? Then the
// graph has no cycle at all, and a known dependency closes none: its guard
// set shrinking (guard_sets.hpp) needs no search.
bool dependency_graph_acyclic();

// Statistics for benchmarks and tests.
struct order_counts {
  uint64_t fast, reordered, region_nodes, full_searches, against_order;
};
order_counts dependency_order_counts();

}  // namespace lockdep
