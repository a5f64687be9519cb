#include "core/class_graph.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstdio>

#include "core/class_registry.hpp"
#include "core/dependency_graph.hpp"
#include "core/graph_lock.hpp"
#include "report/elf_symbols.hpp"
#include "report/report.hpp"
#include "report/stack_trace.hpp"
#include "report/symbolize.hpp"
#include "support/options.hpp"

namespace lockdep {
namespace {

// Report kinds are the validator's (1-5) and misuse's (16+): this one is
// apart, and the instance-level report of a cycle takes its signature too,
// so that the class level stays quiet about classes it explained.
constexpr uint32_t kClassCycleKind = 48;

site_resolver g_resolver;

// Everything below is under the graph lock.

constexpr uint32_t kMaxSites = 1u << 16;  // [0] unused: 0 means "no site"
constexpr uint32_t kSiteHashSize = 1u << 17;
site_identity g_sites[kMaxSites];
bool g_site_dead[kMaxSites];  // its module was unloaded: no lock maps to it again
uint32_t g_site_count;
uint32_t g_site_hash[kSiteHashSize];

// The site of each instance class slot, valid for one generation.
struct instance_site {
  uint32_t generation;
  uint32_t site;
};
instance_site g_instance_site[kMaxClasses];
uint64_t g_resolved;

// Site-class dependencies. Never removed: a site names code, not memory.
struct class_edge {
  uint32_t from, to;
  uint32_t next_out;   // in from's list
  uint32_t hash_next;  // in its hash bucket
  uint32_t trace;      // the stack that first recorded it
};
constexpr uint32_t kMaxClassEdges = 1u << 18;  // [0] unused
constexpr uint32_t kEdgeHashSize = 1u << 18;
class_edge g_edges[kMaxClassEdges];
uint32_t g_edge_count;
uint32_t g_edge_hash[kEdgeHashSize];
uint32_t g_out_head[kMaxSites];

// Breadth-first search scratch.
uint32_t g_queue[kMaxSites];
uint32_t g_via[kMaxSites];  // the edge a site was reached by
uint32_t g_mark[kMaxSites];
uint32_t g_epoch;
uint32_t g_path[kMaxSites];

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0x94D049BB133111EBull;
}

bool same_site(const site_identity &a, const site_identity &b) {
  return a.kind == b.kind && a.where == b.where && a.offset == b.offset && a.extra == b.extra;
}

uint32_t intern_site(const site_identity &id) {
  const uint64_t h = mix(mix(mix(static_cast<uint64_t>(id.kind), id.where), id.offset), id.extra);
  for (uint32_t slot = static_cast<uint32_t>(h >> 40) & (kSiteHashSize - 1);;
       slot = (slot + 1) & (kSiteHashSize - 1)) {
    const uint32_t s = g_site_hash[slot];
    if (!s) {
      if (g_site_count + 1 >= kMaxSites) return 0;  // full: such locks stay instance-only
      g_sites[++g_site_count] = id;
      return g_site_hash[slot] = g_site_count;
    }
    if (!g_site_dead[s] && same_site(g_sites[s], id)) return s;
  }
}

uint32_t site_of(uint32_t class_idx, uint32_t generation) {
  instance_site &cached = g_instance_site[class_idx];
  if (cached.site && cached.generation == generation) return cached.site;
  const lock_class *c = class_at(class_idx);
  site_identity id{};
  g_resolver(c->key, c->first_ip, &id);
  const uint32_t site = id.kind == site_kind::none ? 0 : intern_site(id);
  cached = {generation, site};
  ++g_resolved;
  return site;
}

uint32_t edge_bucket(uint32_t from, uint32_t to) {
  return static_cast<uint32_t>(mix(from, to) >> 40) & (kEdgeHashSize - 1);
}

bool edge_exists(uint32_t from, uint32_t to) {
  for (uint32_t e = g_edge_hash[edge_bucket(from, to)]; e; e = g_edges[e].hash_next)
    if (g_edges[e].from == from && g_edges[e].to == to) return true;
  return false;
}

void add_edge(uint32_t from, uint32_t to, uint32_t trace) {
  if (g_edge_count + 1 >= kMaxClassEdges) return;  // full: the class level stops growing
  const uint32_t e = ++g_edge_count;
  uint32_t &bucket = g_edge_hash[edge_bucket(from, to)];
  g_edges[e] = {from, to, g_out_head[from], bucket, trace};
  g_out_head[from] = e;
  bucket = e;
}

// The class graph has no topological order (unlike the instance graph), so
// each new class edge searches breadth-first; a many-lock server makes tens
// of thousands of class edges, and an unbounded search per edge made it 40x
// slower than the instance level alone. Past this many edges looked at, the
// search gives up (counted in print_stats): the class level is a second
// look on top of the exact instance level, and breadth-first order finds
// the short cycles first.
constexpr uint32_t kSearchBudget = 4096;
uint64_t g_searches_over_budget;

// A path of class edges from -> ... -> to; its length (0: none, or the
// budget ran out), the edge ids in g_path, first edge first.
uint32_t find_path(uint32_t from, uint32_t to) {
  uint32_t budget = kSearchBudget;
  if (++g_epoch == 0) {
    for (uint32_t &m : g_mark) m = 0;
    g_epoch = 1;
  }
  uint32_t head = 0, tail = 0;
  g_queue[tail++] = from;
  g_mark[from] = g_epoch;
  while (head < tail) {
    const uint32_t s = g_queue[head++];
    for (uint32_t e = g_out_head[s]; e; e = g_edges[e].next_out) {
      if (!budget--) {
        ++g_searches_over_budget;
        return 0;
      }
      const uint32_t n = g_edges[e].to;
      if (g_mark[n] == g_epoch || g_site_dead[n]) continue;
      g_mark[n] = g_epoch;
      g_via[n] = e;
      if (n == to) {
        uint32_t len = 0;
        for (uint32_t at = to; at != from; at = g_edges[g_via[at]].from) g_path[len++] = g_via[at];
        for (uint32_t i = 0; i < len / 2; ++i) {
          const uint32_t x = g_path[i];
          g_path[i] = g_path[len - 1 - i];
          g_path[len - 1 - i] = x;
        }
        return len;
      }
      g_queue[tail++] = n;
    }
  }
  return 0;
}

void site_name(uint32_t site, char *buf, size_t len) {
  const site_identity &id = g_sites[site];
  char where[256];
  switch (id.kind) {
    case site_kind::static_symbol:
      describe_lock(id.where, 0, where, sizeof where);
      std::snprintf(buf, len, "%s (static)", where);
      return;
    case site_kind::heap_block: {
      symbolize(id.where, where, sizeof where);
      char init[300] = "";
      if (id.extra) {
        char at[240];
        symbolize(id.extra, at, sizeof at);
        std::snprintf(init, sizeof init, ", initialised at %s", at);
      }
      std::snprintf(buf, len, "struct allocated at %s, offset 0x%lx%s", where,
                    static_cast<unsigned long>(id.offset), init);
      return;
    }
    case site_kind::init_call:
      symbolize(id.where, where, sizeof where);
      std::snprintf(buf, len, "lock initialised at %s", where);
      return;
    case site_kind::first_use:
    case site_kind::none:
      symbolize(id.where, where, sizeof where);
      std::snprintf(buf, len, "lock first taken at %s", where);
      return;
  }
}

void print_site(report_writer &w, uint32_t site) {
  char name[600];
  site_name(site, name, sizeof name);
  w.printed_name(name);
  w.print("%s", name);
}

const char *verb(uint8_t read) { return read ? "rlock" : "lock"; }

// The class-level twin of the validator's report: the same layout, classes
// named by site, the class edges with their first stacks.
void report_class_cycle(thread_state &t, const held_lock &prev, const held_lock &next,
                        uint32_t prev_site, uint32_t next_site, uint32_t len) {
  for (report_writer w("WARNING: possible circular locking dependency detected"); w.next_pass();) {
    w.thread_ident();
    w.print(" is trying to acquire lock:\n");
    w.held(next);
    w.print("of class: ");
    print_site(w, next_site);
    w.print("\n\nbut task is already holding lock:\n");
    w.held(prev);
    w.print("of class: ");
    print_site(w, prev_site);
    w.print("\n\nwhich lock's class already depends on the new lock's class.\n\n");
    w.print("\nthe existing dependency chain (in reverse order) is:\n");
    for (uint32_t depth = len; depth > 0; --depth) {
      const class_edge &e = g_edges[g_path[depth - 1]];
      w.print("\n-> #%u (", depth);
      print_site(w, e.to);
      w.print("):\n");
      w.trace(trace_at(e.trace), 7);
    }
    w.print("\n-> #0 (");
    print_site(w, next_site);
    w.print("):\n");
    w.current_stack();

    w.print("\nother info that might help us debug this:\n\n");
    w.print(
        "lock classes inferred by site: this run took different instances of these classes "
        "in opposite orders\n\n");
    const uint32_t parent = g_edges[g_path[len - 1]].from;
    if (parent != next_site) {
      w.print("Chain exists of:\n  ");
      print_site(w, next_site);
      w.print(" --> ");
      print_site(w, parent);
      w.print(" --> ");
      print_site(w, prev_site);
      w.print("\n\n");
    }
    w.print(" Possible unsafe locking scenario:\n\n");
    w.print("       CPU0                    CPU1\n");
    w.print("       ----                    ----\n");
    w.print("  %s(", verb(prev.read));
    print_site(w, prev_site);
    w.print(");\n                               lock(");
    print_site(w, parent);
    w.print(");\n                               %s(", verb(prev.read));
    print_site(w, prev_site);
    w.print(");\n  %s(", verb(next.read));
    print_site(w, next_site);
    w.print(");\n\n *** DEADLOCK ***\n\n");
    w.held_locks(t);
    w.print("\nstack backtrace:\n");
    w.current_stack();
  }
}

bool pair_wanted(uint32_t a, uint32_t b) {
  return report_wanted(kClassCycleKind, a < b ? a : b, a < b ? b : a);
}

// [start, end) of the function holding code address `ip`; false if unknown.
bool function_bounds(uintptr_t ip, uintptr_t *start, uintptr_t *end) {
  Dl_info info{};
  void *extra = nullptr;
  if (!ip || !dladdr1(reinterpret_cast<void *>(ip - 1), &info, &extra, RTLD_DL_SYMENT))
    return false;
  const auto *sym = static_cast<const ElfW(Sym) *>(extra);
  if (info.dli_sname && sym && sym->st_size) {
    *start = reinterpret_cast<uintptr_t>(info.dli_saddr);
    *end = *start + sym->st_size;
    return ip - 1 >= *start && ip - 1 < *end;
  }
  elf_symbol found{};
  if (!elf_lookup(info.dli_fname, reinterpret_cast<uintptr_t>(info.dli_fbase), ip - 1,
                  elf_symbol_kind::function, &found) ||
      !found.size)
    return false;
  *start = found.start;
  *end = found.start + found.size;
  return true;
}

uintptr_t g_frames[kMaxStackDepth];

// A lock on this thread's stack, known only by its first use, now taken in
// another function while the function that first took it is not running:
// its frame died and this is a new lock in the same slot.
bool dead_stack_lock(const thread_state &t, const held_lock &h) {
  constexpr uintptr_t kStackReach = uintptr_t{8} << 20;
  const auto addr = reinterpret_cast<uintptr_t>(h.instance);
  if (!t.entry_sp || addr < t.entry_sp || addr - t.entry_sp >= kStackReach) return false;
  const lock_class *c = class_at(h.class_idx);
  site_identity id{};
  g_resolver(c->key, c->first_ip, &id);
  if (id.kind != site_kind::first_use && id.kind != site_kind::none) return false;
  uintptr_t lo, hi;
  if (!function_bounds(c->first_ip, &lo, &hi)) return false;
  if (h.acquire_ip - 1 >= lo && h.acquire_ip - 1 < hi) return false;  // its own function
  const uint32_t n = capture_stack(g_frames, kMaxStackDepth);
  for (uint32_t i = 0; i < n; ++i)
    if (g_frames[i] - 1 >= lo && g_frames[i] - 1 < hi) return false;  // still running
  return true;
}

}  // namespace

void set_site_resolver(site_resolver fn) { g_resolver = fn; }
bool class_level_active() { return g_resolver != nullptr; }

void class_graph_dependency_added(thread_state &t, const held_lock &prev, const held_lock &next,
                                  uint8_t kind, uint32_t trace) {
  // Recursive readers make cycles that cannot deadlock: such edges are left
  // out, so every path of the class graph is a strong one.
  if (!g_resolver || !(kind & (kDepEN | kDepSN))) return;
  const uint32_t from = site_of(prev.class_idx, prev.class_generation);
  const uint32_t to = site_of(next.class_idx, next.class_generation);
  if (!from || !to || from == to || edge_exists(from, to)) return;
  if (const uint32_t len = find_path(to, from)) {
    // The graph stays acyclic: a class cycle is reported once and its
    // closing edge is not added.
    if (pair_wanted(from, to)) report_class_cycle(t, prev, next, from, to, len);
    return;
  }
  add_edge(from, to, trace);
}

bool class_graph_instance_cycle_is_stale(thread_state &t, const held_lock &prev,
                                         const held_lock &next) {
  if (!g_resolver) return false;
  bool stale = false;
  for (const held_lock *h : {&prev, &next}) {
    if (!dead_stack_lock(t, *h)) continue;
    zap_key_locked(class_at(h->class_idx)->key);
    stale = true;
  }
  if (stale) return true;
  const uint32_t from = site_of(prev.class_idx, prev.class_generation);
  const uint32_t to = site_of(next.class_idx, next.class_generation);
  if (from && to && from != to) pair_wanted(from, to);
  return false;
}

void class_graph_forget_range(uintptr_t lo, uintptr_t hi) {
  if (!g_resolver) return;
  graph_guard guard;
  auto in = [&](uintptr_t a) { return a >= lo && a < hi; };
  for (uint32_t s = 1; s <= g_site_count; ++s)
    if (in(g_sites[s].where) || in(g_sites[s].extra)) g_site_dead[s] = true;
}

class_graph_counts class_graph_stats() {
  graph_guard guard;
  return {g_site_count, g_edge_count, g_resolved, g_searches_over_budget};
}

}  // namespace lockdep
