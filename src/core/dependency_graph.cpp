#include "core/dependency_graph.hpp"

#include <algorithm>
#include <bit>

#include "core/config.hpp"
#include "core/pools.hpp"

namespace lockdep {
namespace {

lock_dep g_deps[kMaxDependencies + 1];  // [0] unused: 0 means "none"
uint32_t g_dep_hash[kDependencyHashSize];
uint32_t g_after_head[kMaxClasses];
uint32_t g_before_head[kMaxClasses];
uint32_t g_free_list;       // threaded through after_next
uint32_t g_high_water = 1;  // next never-used id
uint64_t g_in_use;

// Breadth-first search state. Each (class, arrived-by-recursive-read) pair
// is queued at most once per search, so the queue cannot overflow.
struct bfs_node {
  uint32_t cls;
  uint32_t parent;  // queue position
  uint32_t dep;     // edge that reached this node
  uint8_t only_xr;  // reached only through -(*R)-> edges
};
bfs_node g_queue[2 * kMaxClasses];
uint32_t g_seen[2][kMaxClasses];
uint32_t g_search_gen;

// The topological order. A class with dependencies always holds an ord
// handed out by the two counters or permuted by a reorder, so ords of such
// classes are distinct; a class with none may hold anything (it constrains
// nothing), so registration and zap need no work here. A class with no
// earlier locks may move below every ord and one with no later locks above
// every ord: that keeps insertion of a chain or of a DAG, in either
// direction, free of searches.
uint64_t g_ord[kMaxClasses];
uint64_t g_ord_low = uint64_t{1} << 63;
uint64_t g_ord_high = uint64_t{1} << 63;
uint64_t g_against_order;  // dependencies the order does not hold

// Affected region of one reorder: forward set F, backward set B.
uint32_t g_fwd[kMaxClasses];
uint32_t g_bwd[kMaxClasses];
uint64_t g_region_ords[kMaxClasses];
uint32_t g_fwd_mark[kMaxClasses];
uint32_t g_bwd_mark[kMaxClasses];
uint32_t g_region_gen;

order_counts g_order_counts;

// The hash in use is the first 2^g_dep_hash_bits buckets of g_dep_hash,
// doubled as dependencies accumulate: a program with few live dependencies
// touches few of its pages.
constexpr uint32_t kMinDepHashBits = 10;
constexpr uint32_t kMaxDepHashBits = std::countr_zero(kDependencyHashSize);
uint32_t g_dep_hash_bits = kMinDepHashBits;

uint32_t dep_hash_at(uint32_t from, uint32_t to, uint32_t bits) {
  uint64_t h = (uint64_t{from} << 32 | to) * 0x9E3779B97F4A7C15ull;
  return static_cast<uint32_t>(h >> 40) & ((1u << bits) - 1);
}
uint32_t dep_hash(uint32_t from, uint32_t to) { return dep_hash_at(from, to, g_dep_hash_bits); }

// Every bucket b splits into b and b + 2^bits.
void grow_dep_hash() {
  const uint32_t half = 1u << g_dep_hash_bits;
  for (uint32_t b = 0; b < half; ++b) {
    uint32_t *link = &g_dep_hash[b];
    while (const uint32_t id = *link) {
      lock_dep &d = g_deps[id];
      if (dep_hash_at(d.from, d.to, g_dep_hash_bits + 1) == b) {
        link = &d.hash_next;
        continue;
      }
      *link = d.hash_next;
      d.hash_next = g_dep_hash[b + half];
      g_dep_hash[b + half] = id;
    }
  }
  ++g_dep_hash_bits;
}

void unlink_dependency(uint32_t id) {
  lock_dep &d = g_deps[id];
  if (d.after_prev)
    g_deps[d.after_prev].after_next = d.after_next;
  else
    g_after_head[d.from] = d.after_next;
  if (d.after_next) g_deps[d.after_next].after_prev = d.after_prev;

  if (d.before_prev)
    g_deps[d.before_prev].before_next = d.before_next;
  else
    g_before_head[d.to] = d.before_next;
  if (d.before_next) g_deps[d.before_next].before_prev = d.before_prev;

  if (d.against_order) --g_against_order;

  uint32_t *link = &g_dep_hash[dep_hash(d.from, d.to)];
  while (*link != id) link = &g_deps[*link].hash_next;
  *link = d.hash_next;

  d = lock_dep{};
  d.after_next = g_free_list;
  g_free_list = id;
  --g_in_use;
}

}  // namespace

void dependency_graph_remove_class(uint32_t class_idx) {
  while (g_after_head[class_idx]) unlink_dependency(g_after_head[class_idx]);
  while (g_before_head[class_idx]) unlink_dependency(g_before_head[class_idx]);
}

uint32_t find_dependency(uint32_t from, uint32_t to) {
  for (uint32_t id = g_dep_hash[dep_hash(from, to)]; id; id = g_deps[id].hash_next)
    if (g_deps[id].from == from && g_deps[id].to == to) return id;
  return 0;
}

const lock_dep &dependency_at(uint32_t id) { return g_deps[id]; }

uint32_t add_dependency(uint32_t from, uint32_t to, uint8_t mask, uint32_t trace,
                        bool against_order) {
  uint32_t id;
  if (g_in_use >= pool_limit(pool::dependencies)) {
    pool_exhausted(pool::dependencies);
    return 0;
  }
  if (g_free_list) {
    id = g_free_list;
    g_free_list = g_deps[id].after_next;
  } else {
    id = g_high_water++;
  }
  ++g_in_use;
  lock_dep &d = g_deps[id];
  d = lock_dep{};
  d.from = from;
  d.to = to;
  d.mask = mask;
  d.trace = trace;
  d.against_order = against_order;
  if (against_order) ++g_against_order;

  d.after_next = g_after_head[from];
  if (d.after_next) g_deps[d.after_next].after_prev = id;
  g_after_head[from] = id;

  d.before_next = g_before_head[to];
  if (d.before_next) g_deps[d.before_next].before_prev = id;
  g_before_head[to] = id;

  uint32_t &bucket = g_dep_hash[dep_hash(from, to)];
  d.hash_next = bucket;
  bucket = id;
  if (g_in_use > (uint64_t{2} << g_dep_hash_bits) && g_dep_hash_bits < kMaxDepHashBits)
    grow_dep_hash();
  return id;
}

void add_dependency_kind(uint32_t id, uint8_t mask) { g_deps[id].mask |= mask; }

uint64_t dependency_count() { return g_in_use; }

uint32_t first_dependency_from(uint32_t from) { return g_after_head[from]; }

namespace {

// find_strong_path() over classes whose ord is in [lo, hi].
uint32_t strong_path_in(uint32_t next, uint8_t next_read, uint32_t prev, uint8_t prev_read,
                        uint32_t *path, uint64_t lo, uint64_t hi) {
  if (++g_search_gen == 0) {  // wrapped: forget every mark
    for (auto &row : g_seen)
      for (auto &s : row) s = 0;
    g_search_gen = 1;
  }
  const uint32_t gen = g_search_gen;
  uint32_t head = 0, tail = 0;
  // Arriving at `next` through prev -> next: if `next` is a recursive
  // reader that edge is -(*R)->, and -(*R)-> -(S*)-> is not a strong path.
  const uint8_t root_xr = next_read == 2;
  g_queue[tail++] = {next, UINT32_MAX, 0, root_xr};
  g_seen[root_xr][next] = gen;

  while (head < tail) {
    const uint32_t pos = head++;
    const bfs_node node = g_queue[pos];
    for (uint32_t id = g_after_head[node.cls]; id; id = g_deps[id].after_next) {
      const lock_dep &d = g_deps[id];
      uint8_t mask = d.mask;
      if (node.only_xr) mask &= static_cast<uint8_t>(~(kDepSR | kDepSN));
      if (!mask) continue;
      const uint8_t only_xr = !(mask & (kDepSN | kDepEN));
      if (g_seen[only_xr][d.to] == gen) continue;
      if (g_ord[d.to] < lo || g_ord[d.to] > hi) continue;
      g_seen[only_xr][d.to] = gen;
      g_queue[tail] = {d.to, pos, id, only_xr};
      // prev -> next closes the cycle unless both the new edge starts from
      // a reader and the path ends in a recursive read (-(S*)- after -(*R)-).
      if (d.to == prev && (prev_read == 0 || !only_xr)) {
        uint32_t len = 0;
        for (uint32_t p = tail; g_queue[p].parent != UINT32_MAX; p = g_queue[p].parent) ++len;
        uint32_t i = len;
        for (uint32_t p = tail; g_queue[p].parent != UINT32_MAX; p = g_queue[p].parent)
          path[--i] = g_queue[p].dep;
        return len;
      }
      ++tail;
    }
  }
  return 0;
}

void next_region_gen() {
  if (++g_region_gen == 0) {
    for (auto &m : g_fwd_mark) m = 0;
    for (auto &m : g_bwd_mark) m = 0;
    g_region_gen = 1;
  }
}

// Forward from `next` over ordered dependencies, classes below ord[prev].
// Returns false when it reaches `prev`: a path next -> ... -> prev exists.
bool collect_forward(uint32_t next, uint32_t prev, uint32_t &n) {
  const uint64_t bound = g_ord[prev];
  const uint32_t gen = g_region_gen;
  n = 0;
  g_fwd[n++] = next;
  g_fwd_mark[next] = gen;
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t id = g_after_head[g_fwd[i]]; id; id = g_deps[id].after_next) {
      const lock_dep &d = g_deps[id];
      if (d.against_order) continue;
      if (d.to == prev) return false;
      if (g_fwd_mark[d.to] == gen || g_ord[d.to] > bound) continue;
      g_fwd_mark[d.to] = gen;
      g_fwd[n++] = d.to;
    }
  }
  return true;
}

// Backward from `prev` over ordered dependencies, classes above ord[next].
// Called only when the forward search did not reach `prev`, so the two
// sets are disjoint.
void collect_backward(uint32_t prev, uint32_t next, uint32_t &n) {
  const uint64_t bound = g_ord[next];
  const uint32_t gen = g_region_gen;
  n = 0;
  g_bwd[n++] = prev;
  g_bwd_mark[prev] = gen;
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t id = g_before_head[g_bwd[i]]; id; id = g_deps[id].before_next) {
      const lock_dep &d = g_deps[id];
      if (d.against_order) continue;
      if (g_bwd_mark[d.from] == gen || g_ord[d.from] < bound) continue;
      g_bwd_mark[d.from] = gen;
      g_bwd[n++] = d.from;
    }
  }
}

// Pearce-Kelly: the region's ords, reused in increasing order, first for
// the backward set, then for the forward set, each keeping its own order.
void reorder(uint32_t nf, uint32_t nb) {
  auto by_ord = [](uint32_t a, uint32_t b) { return g_ord[a] < g_ord[b]; };
  std::sort(g_fwd, g_fwd + nf, by_ord);
  std::sort(g_bwd, g_bwd + nb, by_ord);
  uint32_t n = 0;
  for (uint32_t i = 0; i < nb; ++i) g_region_ords[n++] = g_ord[g_bwd[i]];
  for (uint32_t i = 0; i < nf; ++i) g_region_ords[n++] = g_ord[g_fwd[i]];
  std::sort(g_region_ords, g_region_ords + n);
  n = 0;
  for (uint32_t i = 0; i < nb; ++i) g_ord[g_bwd[i]] = g_region_ords[n++];
  for (uint32_t i = 0; i < nf; ++i) g_ord[g_fwd[i]] = g_region_ords[n++];
  g_order_counts.region_nodes += nf + nb;
}

bool has_no_dependencies(uint32_t c) { return !g_after_head[c] && !g_before_head[c]; }

}  // namespace

uint32_t find_strong_path(uint32_t next, uint8_t next_read, uint32_t prev, uint8_t prev_read,
                          uint32_t *path) {
  return strong_path_in(next, next_read, prev, prev_read, path, 0, UINT64_MAX);
}

uint32_t check_new_dependency(uint32_t prev, uint8_t prev_read, uint32_t next, uint8_t next_read,
                              uint32_t *path, bool &against_order) {
  against_order = false;
  if (prev == next) return find_strong_path(next, next_read, prev, prev_read, path);
  // Classes that gain their first dependency, or that have nothing on the
  // side that would constrain a move, go to the ends of the order.
  if (has_no_dependencies(prev) || (!g_before_head[prev] && g_ord[prev] > g_ord[next]))
    g_ord[prev] = --g_ord_low;
  if (has_no_dependencies(next) || (!g_after_head[next] && g_ord[prev] > g_ord[next]))
    g_ord[next] = ++g_ord_high;

  if (g_ord[prev] < g_ord[next]) {
    if (!g_against_order) {
      ++g_order_counts.fast;
      return 0;
    }
    ++g_order_counts.full_searches;
    return find_strong_path(next, next_read, prev, prev_read, path);
  }

  next_region_gen();
  uint32_t nf;
  if (!collect_forward(next, prev, nf)) {
    // A path next -> ... -> prev: a cycle, deadlocking or not. With every
    // dependency ordered, the path lies within [ord[next], ord[prev]].
    uint32_t len;
    if (!g_against_order) {
      len = strong_path_in(next, next_read, prev, prev_read, path, g_ord[next], g_ord[prev]);
    } else {
      ++g_order_counts.full_searches;
      len = find_strong_path(next, next_read, prev, prev_read, path);
    }
    if (!len) {
      against_order = true;
      ++g_order_counts.against_order;
    }
    return len;
  }
  if (g_against_order) {
    ++g_order_counts.full_searches;
    if (const uint32_t len = find_strong_path(next, next_read, prev, prev_read, path)) return len;
  }
  uint32_t nb;
  collect_backward(prev, next, nb);
  reorder(nf, nb);
  ++g_order_counts.reordered;
  return 0;
}

order_counts dependency_order_counts() { return g_order_counts; }

}  // namespace lockdep
