#include "core/dependency_graph.hpp"

#include <algorithm>
#include <bit>

#include "core/config.hpp"
#include "core/guard_sets.hpp"
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

// Each class's lists of later and earlier locks are kept twice: linked
// through the dependencies (after_next, before_next: for code outside this
// file), and as blocks of edges that fill a cache line, which the searches
// below read: a line per seven edges rather than a cache miss per edge (a
// class in a many-lock server has hundreds of them). An edge holds what the searches need: the
// other class, the dependency id (for the path of a report) and the kinds. Only the head block of a
// list is partly filled; a removed edge is replaced by the head's last one.
struct edge {
  uint64_t bits;
  uint32_t cls() const { return static_cast<uint32_t>(bits) & (kMaxClasses - 1); }
  uint32_t dep() const { return static_cast<uint32_t>(bits >> kMaxClassesBits) & kDepIdMask; }
  uint8_t mask() const { return static_cast<uint8_t>(bits >> kMaskShift) & 0xF; }
  bool against_order() const { return (bits >> kAgainstShift) & 1; }
  static constexpr uint32_t kDepIdBits = 23;
  static constexpr uint32_t kDepIdMask = (1u << kDepIdBits) - 1;
  static constexpr uint32_t kMaskShift = kMaxClassesBits + kDepIdBits;
  static constexpr uint32_t kAgainstShift = kMaskShift + 4;
};
static_assert(kMaxDependencies < (1u << edge::kDepIdBits));
static_assert(edge::kAgainstShift < 64);

constexpr uint32_t kEdgesPerBlock = 7;
struct alignas(64) edge_block {
  uint32_t next;   // the next block of the list; 0: none
  uint32_t count;  // edges in use
  edge edges[kEdgesPerBlock];
};
static_assert(sizeof(edge_block) == 64);
// Enough that it never runs out: every dependency is in two lists, and
// every list has at most one block that is not full.
constexpr uint32_t kMaxEdgeBlocks = 2 * kMaxDependencies / kEdgesPerBlock + 2 * kMaxClasses + 2;
edge_block g_blocks[kMaxEdgeBlocks];  // [0] unused: 0 means "none"
uint32_t g_block_free_list;           // threaded through next
uint32_t g_block_high_water = 1;
uint32_t g_after_blocks[kMaxClasses];  // head blocks
uint32_t g_before_blocks[kMaxClasses];

// An edge's place: block * 8 + index.
constexpr uint32_t kPosShift = 3;
static_assert(kEdgesPerBlock < (1u << kPosShift));
static_assert(uint64_t{kMaxEdgeBlocks} << kPosShift < (uint64_t{1} << 32));

edge make_edge(uint32_t cls, uint32_t dep, uint8_t mask, bool against_order) {
  return {cls | (uint64_t{dep} << kMaxClassesBits) | (uint64_t{mask} << edge::kMaskShift) |
          (uint64_t{against_order} << edge::kAgainstShift)};
}

edge &edge_at(uint32_t pos) { return g_blocks[pos >> kPosShift].edges[pos & 7]; }

// Adds to the list at `head`; returns the edge's place.
uint32_t list_add(uint32_t &head, edge e) {
  if (!head || g_blocks[head].count == kEdgesPerBlock) {
    uint32_t b;
    if (g_block_free_list) {
      b = g_block_free_list;
      g_block_free_list = g_blocks[b].next;
    } else {
      b = g_block_high_water++;
    }
    g_blocks[b].next = head;
    g_blocks[b].count = 0;
    head = b;
  }
  edge_block &h = g_blocks[head];
  h.edges[h.count] = e;
  return (head << kPosShift) | h.count++;
}

// Removes the edge at `pos` from the list at `head`: the head's last edge
// moves into its place, and `moved(dep, new_pos)` tells that edge's owner.
template <class F>
void list_remove(uint32_t &head, uint32_t pos, F moved) {
  edge_block &h = g_blocks[head];
  const uint32_t last = (head << kPosShift) | (h.count - 1);
  if (last != pos) {
    edge_at(pos) = edge_at(last);
    moved(edge_at(pos).dep(), pos);
  }
  if (--h.count == 0) {
    const uint32_t empty = head;
    head = h.next;
    g_blocks[empty].next = g_block_free_list;
    g_block_free_list = empty;
  }
}

// Calls fn(edge) for each edge of the list at `head`; stops when it
// returns false.
template <class F>
bool for_each_edge(uint32_t head, F fn) {
  for (uint32_t b = head; b; b = g_blocks[b].next) {
    const edge_block &blk = g_blocks[b];
    for (uint32_t i = 0; i < blk.count; ++i)
      if (!fn(blk.edges[i])) return false;
  }
  return true;
}

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

  list_remove(g_after_blocks[d.from], d.after_pos,
              [](uint32_t moved, uint32_t pos) { g_deps[moved].after_pos = pos; });
  list_remove(g_before_blocks[d.to], d.before_pos,
              [](uint32_t moved, uint32_t pos) { g_deps[moved].before_pos = pos; });

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

void prefetch_dependency(uint32_t from, uint32_t to) {
  // Addresses only: nothing is read without the graph lock.
  __builtin_prefetch(&g_dep_hash[dep_hash(from, to)]);
  __builtin_prefetch(&g_after_head[from]);
  __builtin_prefetch(&g_before_head[to]);
  __builtin_prefetch(&g_after_blocks[from]);
  __builtin_prefetch(&g_before_blocks[to]);
  __builtin_prefetch(&g_ord[from]);
  __builtin_prefetch(&g_ord[to]);
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

  d.after_pos = list_add(g_after_blocks[from], make_edge(to, id, mask, against_order));
  d.before_pos = list_add(g_before_blocks[to], make_edge(from, id, mask, against_order));

  uint32_t &bucket = g_dep_hash[dep_hash(from, to)];
  d.hash_next = bucket;
  bucket = id;
  if (g_in_use > (uint64_t{2} << g_dep_hash_bits) && g_dep_hash_bits < kMaxDepHashBits)
    grow_dep_hash();
  return id;
}

void add_dependency_kind(uint32_t id, uint8_t mask) {
  lock_dep &d = g_deps[id];
  d.mask |= mask;
  edge_at(d.after_pos).bits |= uint64_t{mask} << edge::kMaskShift;
  edge_at(d.before_pos).bits |= uint64_t{mask} << edge::kMaskShift;
}

uint64_t dependency_count() { return g_in_use; }

uint32_t first_dependency_from(uint32_t from) { return g_after_head[from]; }

uint32_t first_dependency_to(uint32_t to) { return g_before_head[to]; }

bool dependency_lists_agree(uint32_t cls) {
  // Every edge block entry names a dependency of this class, with its
  // other end and kinds, at the place the dependency records...
  uint32_t blocks_after = 0, blocks_before = 0;
  bool ok = true;
  for (uint32_t b = g_after_blocks[cls]; b; b = g_blocks[b].next)
    for (uint32_t i = 0; i < g_blocks[b].count; ++i) {
      const edge e = g_blocks[b].edges[i];
      const lock_dep &d = g_deps[e.dep()];
      ok &= d.from == cls && d.to == e.cls() && d.mask == e.mask() &&
            d.against_order == e.against_order() && d.after_pos == ((b << kPosShift) | i);
      ++blocks_after;
    }
  for (uint32_t b = g_before_blocks[cls]; b; b = g_blocks[b].next)
    for (uint32_t i = 0; i < g_blocks[b].count; ++i) {
      const edge e = g_blocks[b].edges[i];
      const lock_dep &d = g_deps[e.dep()];
      ok &= d.to == cls && d.from == e.cls() && d.mask == e.mask() &&
            d.against_order == e.against_order() && d.before_pos == ((b << kPosShift) | i);
      ++blocks_before;
    }
  // ... and the linked lists hold as many.
  uint32_t linked_after = 0, linked_before = 0;
  for (uint32_t id = g_after_head[cls]; id; id = g_deps[id].after_next) ++linked_after;
  for (uint32_t id = g_before_head[cls]; id; id = g_deps[id].before_next) ++linked_before;
  return ok && blocks_after == linked_after && blocks_before == linked_before;
}

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
    uint32_t found = 0;
    for_each_edge(g_after_blocks[node.cls], [&](edge e) {
      uint8_t mask = e.mask();
      if (node.only_xr) mask &= static_cast<uint8_t>(~(kDepSR | kDepSN));
      if (!mask) return true;
      const uint8_t only_xr = !(mask & (kDepSN | kDepEN));
      const uint32_t to = e.cls();
      if (g_seen[only_xr][to] == gen) return true;
      if (g_ord[to] < lo || g_ord[to] > hi) return true;
      g_seen[only_xr][to] = gen;
      g_queue[tail] = {to, pos, e.dep(), only_xr};
      // prev -> next closes the cycle unless both the new edge starts from
      // a reader and the path ends in a recursive read (-(S*)- after -(*R)-).
      if (to == prev && (prev_read == 0 || !only_xr)) {
        found = tail;
        return false;
      }
      ++tail;
      return true;
    });
    if (found) {
      uint32_t len = 0;
      for (uint32_t p = found; g_queue[p].parent != UINT32_MAX; p = g_queue[p].parent) ++len;
      uint32_t i = len;
      for (uint32_t p = found; g_queue[p].parent != UINT32_MAX; p = g_queue[p].parent)
        path[--i] = g_queue[p].dep;
      return len;
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
    const bool reached = !for_each_edge(g_after_blocks[g_fwd[i]], [&](edge e) {
      if (e.against_order()) return true;
      const uint32_t to = e.cls();
      if (to == prev) return false;
      if (g_fwd_mark[to] == gen || g_ord[to] > bound) return true;
      g_fwd_mark[to] = gen;
      g_fwd[n++] = to;
      return true;
    });
    if (reached) return false;
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
    for_each_edge(g_before_blocks[g_bwd[i]], [&](edge e) {
      const uint32_t from = e.cls();
      if (e.against_order() || g_bwd_mark[from] == gen || g_ord[from] < bound) return true;
      g_bwd_mark[from] = gen;
      g_bwd[n++] = from;
      return true;
    });
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
                              uint32_t *path, bool &against_order, const guard_set *guards) {
  against_order = false;
  // A strong path closes a cycle that counts only if it is feasible.
  auto feasible = [&](uint32_t len) {
    return len && guards ? feasible_path(len, next, next_read, prev, prev_read, *guards, path)
                         : len;
  };
  if (prev == next) return find_strong_path(next, next_read, prev, prev_read, path);
  // Classes that gain their first dependency, or that have nothing on the
  // side that would constrain a move, go to the ends of the order.
  if (has_no_dependencies(prev) || (!g_before_head[prev] && g_ord[prev] > g_ord[next]))
    g_ord[prev] = --g_ord_low;
  if (has_no_dependencies(next) || (!g_after_head[next] && g_ord[prev] > g_ord[next]))
    g_ord[next] = ++g_ord_high;

  // Dependencies against the order (a gated or read cycle) make a path
  // next -> ... -> prev possible whatever the order says, but never into a
  // class with no earlier locks or out of one with no later locks: a class
  // that gains its first dependency (a growing chain or tree) needs no
  // search even then.
  const bool no_path = !g_before_head[prev] || !g_after_head[next];
  if (g_ord[prev] < g_ord[next]) {
    if (!g_against_order || no_path) {
      ++g_order_counts.fast;
      return 0;
    }
    ++g_order_counts.full_searches;
    return feasible(find_strong_path(next, next_read, prev, prev_read, path));
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
    len = feasible(len);
    if (!len) {
      against_order = true;
      ++g_order_counts.against_order;
    }
    return len;
  }
  if (g_against_order && !no_path) {
    ++g_order_counts.full_searches;
    if (const uint32_t len = feasible(find_strong_path(next, next_read, prev, prev_read, path)))
      return len;
  }
  uint32_t nb;
  collect_backward(prev, next, nb);
  reorder(nf, nb);
  ++g_order_counts.reordered;
  return 0;
}

bool dependency_graph_acyclic() { return !g_against_order; }

order_counts dependency_order_counts() { return g_order_counts; }

}  // namespace lockdep
