#include "api/graph_snapshot.hpp"

#include <errno.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "core/config.hpp"
#include "core/dependency_graph.hpp"
#include "core/graph_lock.hpp"
#include "report/reported_classes.hpp"

namespace lockdep {
namespace {

// adj_dep values from here up name reported_dependencies() (kClosingDep + i).
constexpr uint32_t kClosingDep = 0xff000000u;
constexpr uint32_t kMaxRanges = 1024;

// Bump allocation from the snapshot's mapping.
struct arena {
  char *base;
  size_t size, used = 0;
  template <class T>
  T *take(size_t n) {
    used = (used + 15) & ~size_t{15};
    T *p = reinterpret_cast<T *>(base + used);
    used += n * sizeof(T);  // sized by take_graph_snapshot(): checked once at the end
    return p;
  }
};

size_t round_pow2(size_t n) {
  size_t p = 16;
  while (p < n) p <<= 1;
  return p;
}

uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

// ---- modules: address ranges, read before the graph lock ----------------

struct range {
  uintptr_t lo, hi;
  uint32_t module;
};

struct module_ranges {
  graph_snapshot *s;
  range *r;
  uint32_t n;
};

int add_module(dl_phdr_info *info, size_t, void *arg) {
  module_ranges &m = *static_cast<module_ranges *>(arg);
  graph_snapshot &s = *m.s;
  if (s.n_modules == kSnapshotModules) return 0;
  const char *path = info->dlpi_name;
  const char *slash = path ? std::strrchr(path, '/') : nullptr;
  const char *name = slash ? slash + 1 : path;
  if (!name || !*name) name = program_invocation_short_name;  // the executable
  std::snprintf(s.module_name[s.n_modules], sizeof s.module_name[0], "%s", name ? name : "?");
  for (int i = 0; i < info->dlpi_phnum && m.n < kMaxRanges; ++i) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    m.r[m.n++] = {lo, lo + ph.p_memsz, s.n_modules};
  }
  ++s.n_modules;
  return 0;
}

uint32_t module_of(const module_ranges &m, uintptr_t addr) {
  uint32_t lo = 0, hi = m.n;  // sorted by lo, disjoint
  while (lo < hi) {
    const uint32_t mid = (lo + hi) / 2;
    if (addr < m.r[mid].lo)
      hi = mid;
    else if (addr >= m.r[mid].hi)
      lo = mid + 1;
    else
      return m.r[mid].module;
  }
  return kNoModule;
}

// ---- the class graph, under the graph lock -------------------------------

struct work {
  uint32_t n = 0, n_edges = 0;
  uint32_t *dense_of_class;        // [kMaxClasses], dense id + 1 (0: not live)
  uint32_t *class_of;              // dense id -> slot
  uint32_t *offs, *adj, *adj_dep;  // CSR
  uint32_t *scc, *scc_size;
  uint32_t *node_of;
};

bool live_class(uint32_t idx) {
  return !class_slot_free(idx) && read_class_key(class_at(idx)) != nullptr;
}

// Iterative Tarjan over the CSR: w.scc[v] is v's component, w.scc_size its size.
uint32_t find_cycles(work &w, arena &a) {
  const uint32_t n = w.n;
  uint32_t *index = a.take<uint32_t>(n), *low = a.take<uint32_t>(n);
  uint32_t *stack = a.take<uint32_t>(n), *call = a.take<uint32_t>(n);
  uint32_t *pos = a.take<uint32_t>(n);
  uint8_t *on_stack = a.take<uint8_t>(n);
  uint32_t next_index = 1, sp = 0, n_scc = 0, cycles = 0;
  for (uint32_t root = 0; root < n; ++root) {
    if (index[root]) continue;
    uint32_t depth = 0;
    call[depth++] = root;
    index[root] = low[root] = next_index++;
    pos[root] = w.offs[root];
    stack[sp++] = root;
    on_stack[root] = 1;
    while (depth) {
      const uint32_t v = call[depth - 1];
      if (pos[v] < w.offs[v + 1]) {
        const uint32_t u = w.adj[pos[v]++];
        if (!index[u]) {
          index[u] = low[u] = next_index++;
          pos[u] = w.offs[u];
          stack[sp++] = u;
          on_stack[u] = 1;
          call[depth++] = u;
        } else if (on_stack[u] && index[u] < low[v]) {
          low[v] = index[u];
        }
        continue;
      }
      --depth;
      if (depth && low[v] < low[call[depth - 1]]) low[call[depth - 1]] = low[v];
      if (low[v] != index[v]) continue;
      uint32_t size = 0, u;
      do {
        u = stack[--sp];
        on_stack[u] = 0;
        w.scc[u] = n_scc;
        ++size;
      } while (u != v);
      w.scc_size[n_scc++] = size;
      if (size > 1) ++cycles;
    }
  }
  return cycles;
}

// Live classes (dense ids) and their dependencies, plus the dependencies
// that closed reported cycles, as CSR.
void read_classes(work &w, arena &a, uint32_t max_classes, uint64_t max_edges,
                  uint32_t *closing_edges) {
  w.dense_of_class = a.take<uint32_t>(kMaxClasses);
  w.class_of = a.take<uint32_t>(max_classes);
  for (uint32_t idx = 0; idx < kMaxClasses && w.n < max_classes; ++idx) {
    if (!live_class(idx)) continue;
    w.class_of[w.n] = idx;
    w.dense_of_class[idx] = ++w.n;
  }
  w.offs = a.take<uint32_t>(w.n + 1);
  w.adj = a.take<uint32_t>(max_edges);
  w.adj_dep = a.take<uint32_t>(max_edges);
  uint32_t n_closing = 0;
  const reported_dependency *closing = reported_dependencies(&n_closing);
  uint8_t *has_closing = a.take<uint8_t>(w.n);
  auto closing_live = [&](const reported_dependency &r) {
    return class_live(r.from.idx, r.from.generation) && class_live(r.to.idx, r.to.generation);
  };
  for (uint32_t i = 0; i < n_closing; ++i)
    if (closing_live(closing[i])) has_closing[w.dense_of_class[closing[i].from.idx] - 1] = 1;
  for (uint32_t d = 0; d < w.n; ++d) {
    w.offs[d] = w.n_edges;
    for (uint32_t id = first_dependency_from(w.class_of[d]); id;
         id = dependency_at(id).after_next) {
      const uint32_t to = w.dense_of_class[dependency_at(id).to];
      if (!to || w.n_edges == max_edges) continue;
      w.adj[w.n_edges] = to - 1;
      w.adj_dep[w.n_edges++] = id;
    }
    for (uint32_t i = 0; has_closing[d] && i < n_closing; ++i) {
      if (closing[i].from.idx != w.class_of[d] || !closing_live(closing[i]) ||
          w.n_edges == max_edges)
        continue;
      w.adj[w.n_edges] = w.dense_of_class[closing[i].to.idx] - 1;
      w.adj_dep[w.n_edges++] = kClosingDep + i;
      ++*closing_edges;
    }
  }
  w.offs[w.n] = w.n_edges;
}

// Per-instance classes (their lock outside every module, no name of their
// own, a first acquisition known) that were first taken at one place share
// a node; every other class is a node of its own.
void collapse_nodes(graph_snapshot &s, work &w, arena &a, const module_ranges &m) {
  w.node_of = a.take<uint32_t>(w.n);
  s.nodes = a.take<snapshot_node>(w.n);
  const size_t slots = round_pow2(size_t{w.n} * 2);
  uint32_t *sites = a.take<uint32_t>(slots);  // node + 1
  for (uint32_t d = 0; d < w.n; ++d) {
    const lock_class *c = class_at(w.class_of[d]);
    const uintptr_t key = reinterpret_cast<uintptr_t>(read_class_key(c));
    uint32_t module = module_of(m, key);
    uint32_t node = kNoModule;
    if (module == kNoModule && c->first_ip && !c->name[0]) {
      module = module_of(m, c->first_ip - 1);
      size_t h = mix(c->first_ip * 31 + c->subclass) & (slots - 1);
      for (;; h = (h + 1) & (slots - 1)) {
        if (!sites[h]) {
          node = s.n_nodes++;
          sites[h] = node + 1;
          break;
        }
        const snapshot_node &first = s.nodes[sites[h] - 1];
        if (first.first_ip == c->first_ip && first.subclass == c->subclass) {
          node = sites[h] - 1;
          break;
        }
      }
    } else {
      node = s.n_nodes++;
    }
    snapshot_node &sn = s.nodes[node];
    if (!sn.count) {
      sn.key = read_class_key(c);
      sn.first_ip = c->first_ip;
      sn.subclass = c->subclass;
      sn.module = module;
      std::memcpy(sn.name, c->name, sizeof sn.name);
      sn.name[sizeof sn.name - 1] = '\0';
    }
    sn.count++;
    w.node_of[d] = node;
  }
  uint32_t n_reported = 0;
  const reported_class *rep = reported_classes(&n_reported);
  for (uint32_t i = 0; i < n_reported; ++i) {
    const uint32_t d = w.dense_of_class[rep[i].idx];
    if (d && read_class_generation(class_at(rep[i].idx)) == rep[i].generation)
      s.nodes[w.node_of[d - 1]].reported = true;
  }
}

// One edge per pair of nodes; flags and kinds merged, and the stack kept is
// one of a dependency on a cycle when any is (the closing one first).
void collapse_edges(graph_snapshot &s, work &w, arena &a) {
  s.edges = a.take<snapshot_edge>(w.n_edges);
  const size_t slots = round_pow2(size_t{w.n_edges} * 2);
  uint32_t *hash = a.take<uint32_t>(slots);  // edge + 1
  uint32_t n_closing = 0;
  const reported_dependency *closing = reported_dependencies(&n_closing);
  for (uint32_t d = 0; d < w.n; ++d) {
    for (uint32_t k = w.offs[d]; k < w.offs[d + 1]; ++k) {
      const uint32_t to = w.adj[k], dep = w.adj_dep[k];
      const uint32_t from_node = w.node_of[d], to_node = w.node_of[to];
      const bool is_closing = dep >= kClosingDep;
      uint8_t flags = is_closing ? kEdgeClosing : 0;
      if (w.scc[d] == w.scc[to] && w.scc_size[w.scc[d]] > 1) flags |= kEdgeInCycle;
      if (from_node == to_node) flags |= kEdgeNesting;
      const uint8_t mask = is_closing ? closing[dep - kClosingDep].kind : dependency_at(dep).mask;
      size_t h = mix((uint64_t{from_node} << 32) | to_node) & (slots - 1);
      for (;; h = (h + 1) & (slots - 1)) {
        if (!hash[h]) {
          hash[h] = s.n_edges + 1;
          s.edges[s.n_edges++] = {from_node, to_node, 0, 0, 0, 0, 0};
        }
        snapshot_edge &e = s.edges[hash[h] - 1];
        if (e.from != from_node || e.to != to_node) continue;
        const bool better = !e.count || (is_closing && !(e.flags & kEdgeClosing)) ||
                            ((flags & kEdgeInCycle) && !(e.flags & kEdgeInCycle));
        if (better) {
          e.trace = is_closing ? 0 : dependency_at(dep).trace;
          e.closing = is_closing ? dep - kClosingDep : 0;
        }
        e.count++;
        e.flags |= flags;
        e.mask |= mask;
        break;
      }
    }
  }
}

// Nodes grouped by module (a counting sort), for one cluster each.
void group_by_module(graph_snapshot &s, arena &a) {
  s.node_order = a.take<uint32_t>(s.n_nodes);
  uint32_t *count = a.take<uint32_t>(kSnapshotModules + 1);
  for (uint32_t i = 0; i < s.n_nodes; ++i) count[s.nodes[i].module]++;
  s.module_start[0] = 0;
  for (uint32_t mod = 0; mod <= kSnapshotModules; ++mod)
    s.module_start[mod + 1] = s.module_start[mod] + count[mod];
  for (uint32_t mod = 0; mod <= kSnapshotModules; ++mod) count[mod] = s.module_start[mod];
  for (uint32_t i = 0; i < s.n_nodes; ++i) s.node_order[count[s.nodes[i].module]++] = i;
}

}  // namespace

bool take_graph_snapshot(graph_snapshot &s) {
  // Sized from counts read without the lock, then checked under it: a graph
  // that grew in between is read up to what fits.
  class_counts counts;
  uint64_t deps;
  {
    graph_guard guard;
    counts = class_registry_counts();
    deps = dependency_count();
  }
  const uint32_t not_free = kMaxClasses - static_cast<uint32_t>(counts.free);
  const uint32_t max_classes = not_free + 4096 > kMaxClasses ? kMaxClasses : not_free + 4096;
  const uint64_t max_edges = deps + 16384 + kMaxReportedDependencies;
  const size_t need = size_t{kMaxClasses} * 4 + size_t{max_classes} * (64 + sizeof(snapshot_node)) +
                      round_pow2(size_t{max_classes} * 2) * 4 +
                      size_t{max_edges} * (12 + sizeof(snapshot_edge)) +
                      round_pow2(size_t{max_edges} * 2) * 4 + kSnapshotModules * 80 +
                      kMaxRanges * sizeof(range) + (1u << 16);
  void *p = mmap(nullptr, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) return false;
  s.memory = static_cast<char *>(p);
  s.memory_size = need;
  arena a{s.memory, need};
  s.module_name = a.take<char[64]>(kSnapshotModules);
  s.module_start = a.take<uint32_t>(kSnapshotModules + 2);

  module_ranges m{&s, a.take<range>(kMaxRanges), 0};
  dl_iterate_phdr(add_module, &m);
  for (uint32_t i = 1; i < m.n; ++i)  // insertion sort by address: few ranges
    for (uint32_t j = i; j > 0 && m.r[j].lo < m.r[j - 1].lo; --j) {
      const range t = m.r[j];
      m.r[j] = m.r[j - 1];
      m.r[j - 1] = t;
    }

  graph_guard guard;
  work w;
  read_classes(w, a, max_classes, max_edges, &s.closing);
  w.scc = a.take<uint32_t>(w.n);
  w.scc_size = a.take<uint32_t>(w.n);
  s.cycles = find_cycles(w, a);
  s.classes = w.n;
  s.dependencies = w.n_edges - s.closing;
  collapse_nodes(s, w, a, m);
  collapse_edges(s, w, a);
  group_by_module(s, a);
  return a.used <= a.size;
}

void release_graph_snapshot(graph_snapshot &s) {
  // Straight to the kernel: the library's own munmap() forgets locks in the
  // range, which is nothing to do with this memory.
  if (s.memory) syscall(SYS_munmap, s.memory, s.memory_size);
  s.memory = nullptr;
}

}  // namespace lockdep
