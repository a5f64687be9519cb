#include "core/dependency_graph.hpp"

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

uint32_t dep_hash(uint32_t from, uint32_t to) {
  uint64_t h = (uint64_t{from} << 32 | to) * 0x9E3779B97F4A7C15ull;
  return static_cast<uint32_t>(h >> 40) & (kDependencyHashSize - 1);
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

uint32_t add_dependency(uint32_t from, uint32_t to, uint8_t mask, uint32_t trace) {
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

  d.after_next = g_after_head[from];
  if (d.after_next) g_deps[d.after_next].after_prev = id;
  g_after_head[from] = id;

  d.before_next = g_before_head[to];
  if (d.before_next) g_deps[d.before_next].before_prev = id;
  g_before_head[to] = id;

  uint32_t &bucket = g_dep_hash[dep_hash(from, to)];
  d.hash_next = bucket;
  bucket = id;
  return id;
}

void add_dependency_kind(uint32_t id, uint8_t mask) { g_deps[id].mask |= mask; }

uint64_t dependency_count() { return g_in_use; }

uint32_t first_dependency_from(uint32_t from) { return g_after_head[from]; }

uint32_t find_strong_path(uint32_t next, uint8_t next_read, uint32_t prev, uint8_t prev_read,
                          uint32_t *path) {
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

}  // namespace lockdep
