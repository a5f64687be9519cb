#include "core/guard_sets.hpp"

#include <algorithm>

#include "core/class_registry.hpp"
#include "core/config.hpp"
#include "core/dependency_graph.hpp"
#include "core/known_deps.hpp"

namespace lockdep {
namespace {

// Beside the graph's dependency pool, by id; touched only as ids are used.
guard_set g_guards[kMaxDependencies + 1];
guard_counts g_counts;

// cycle_feasible() scratch: every guard of the cycle with its position.
struct guard_at {
  uint64_t key;  // class | generation << 32
  uint32_t pos;
};
guard_at g_entries[kMaxCheckedCycle * kMaxGuards];
uint32_t g_ids[kMaxCheckedCycle][kMaxGuards];  // distinct-guard ids by position
uint32_t g_total[kMaxCheckedCycle * kMaxGuards];
uint32_t g_count[kMaxCheckedCycle * kMaxGuards];
uint32_t g_count_stamp[kMaxCheckedCycle * kMaxGuards];
uint32_t g_stamp;

// The search for a feasible path: one frame per (class, reached only by
// recursive reads) state on the current path.
constexpr uint32_t kMaxSearchDepth = 1u << 14;
struct frame {
  uint32_t node;
  uint32_t edge;    // next dependency of node's list to try
  uint32_t dep_in;  // the dependency that reached this frame
  uint8_t xr;       // reached only through -(*R)->
  uint8_t part;     // 0: before the cut-out run, 1: in it, 2: after it
  uint8_t option;   // for `edge`: 0 stay in `part`, 1 move to the next part
  // Reached with no guard beyond the new dependency's (the weakest
  // constraint); its search skipped a state on the path (its failure may
  // be the path's, not the state's).
  uint8_t base, blocked;
};
frame g_frames[kMaxSearchDepth];
// How many guards of each class the two runs hold. Every guard in one
// search belongs to a live class (dead-guarded dependencies are skipped,
// the new dependency's guards are held now), so the class index alone
// names it.
uint32_t g_in_rest[kMaxClasses];  // the run holding the new dependency
uint32_t g_in_run[kMaxClasses];   // the cut-out run
uint32_t g_on_path[2][kMaxClasses];
uint32_t g_reaches[kMaxClasses];  // can reach prev
// States (xr, part, class) from which no feasible path exists, whatever the
// path before: their search failed under the weakest constraint and
// skipped no state for being on the path.
uint32_t g_dead[2][3][kMaxClasses];
// Classes the two runs hold beyond the new dependency's guards: 0 when the
// path so far adds no constraint.
uint32_t g_grown;
uint32_t g_queue[kMaxClasses];
uint32_t g_search_gen;

bool conflicts(const guard_set &g, const uint32_t *counts) {
  for (uint32_t i = 0; i < g.n; ++i)
    if (counts[g.cls[i]]) return true;
  return false;
}
void add_guards(const guard_set &g, uint32_t *counts, int by) {
  for (uint32_t i = 0; i < g.n; ++i) {
    uint32_t &c = counts[g.cls[i]];
    if (by > 0 && c++ == 0) ++g_grown;
    if (by < 0 && --c == 0) --g_grown;
  }
}

bool path_feasible(const uint32_t *path, uint32_t len, const guard_set &guards) {
  if (len + 1 > kMaxCheckedCycle) return true;
  static const guard_set *sets[kMaxCheckedCycle];
  sets[0] = &guards;
  for (uint32_t i = 0; i < len; ++i) {
    if (dependency_guard_dead(path[i])) return false;
    sets[i + 1] = &g_guards[path[i]];
  }
  return cycle_feasible(sets, len + 1);
}

void next_search_gen() {
  if (++g_search_gen == 0) {
    for (auto &row : g_on_path)
      for (auto &m : row) m = 0;
    for (auto &m : g_reaches) m = 0;
    for (auto &by_xr : g_dead)
      for (auto &by_part : by_xr)
        for (auto &m : by_part) m = 0;
    g_search_gen = 1;
  }
}

// Marks the classes from which `prev` can be reached at all.
void mark_reaching(uint32_t prev, uint32_t &steps) {
  const uint32_t gen = g_search_gen;
  uint32_t n = 0;
  g_queue[n++] = prev;
  g_reaches[prev] = gen;
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t id = first_dependency_to(g_queue[i]); id; id = dependency_at(id).before_next) {
      ++steps;
      const uint32_t from = dependency_at(id).from;
      if (g_reaches[from] == gen) continue;
      g_reaches[from] = gen;
      g_queue[n++] = from;
    }
  }
}

// Depth-first over the paths next -> ... -> prev that are strong and
// visit each (class, xr) state once, choosing where the cut-out run of
// the cycle starts and ends as it goes; a branch ends as soon as its runs
// share a guard (they only grow). A state found dead under the weakest
// constraint is not searched again (g_dead): so a graph whose paths add no
// guard beyond the new dependency's (every dependency under the same gate)
// costs one visit per state, however many paths it has.
uint32_t search_feasible(uint32_t next, uint8_t next_read, uint32_t prev, uint8_t prev_read,
                         const guard_set &guards, uint32_t *path) {
  ++g_counts.searches;
  next_search_gen();
  const uint32_t gen = g_search_gen;
  uint32_t steps = 0;
  mark_reaching(prev, steps);
  add_guards(guards, g_in_rest, 1);
  g_grown = 0;
  uint32_t depth = 0;
  const uint8_t root_xr = next_read == 2;
  g_frames[depth++] = {next, first_dependency_from(next), 0, root_xr, 0, 0, 1, 0};
  g_on_path[root_xr][next] = gen;
  uint32_t found = 0;
  while (depth) {
    frame &f = g_frames[depth - 1];
    if (!f.edge) {
      g_on_path[f.xr][f.node] = 0;
      if (f.base && !f.blocked) g_dead[f.xr][f.part][f.node] = gen;
      if (f.blocked && depth > 1) g_frames[depth - 2].blocked = 1;
      if (f.dep_in) add_guards(g_guards[f.dep_in], f.part == 1 ? g_in_run : g_in_rest, -1);
      --depth;
      continue;
    }
    const uint32_t id = f.edge;
    const uint8_t part = static_cast<uint8_t>(f.part + f.option);
    if (f.option == 0 && f.part < 2) {
      f.option = 1;
    } else {
      f.option = 0;
      f.edge = dependency_at(id).after_next;
    }
    if (++steps > kGuardSearchBudget) {
      ++g_counts.budget_exhausted;
      break;
    }
    const lock_dep &d = dependency_at(id);
    uint8_t mask = d.mask;
    if (f.xr) mask &= static_cast<uint8_t>(~(kDepSR | kDepSN));
    if (!mask || g_reaches[d.to] != gen || dependency_guard_dead(id)) continue;
    const uint8_t xr = !(mask & (kDepSN | kDepEN));
    const guard_set &g = g_guards[id];
    if (conflicts(g, part == 1 ? g_in_rest : g_in_run)) continue;
    if (d.to == prev && part >= 1 && (prev_read == 0 || !xr)) {
      for (uint32_t i = 1; i < depth; ++i) path[i - 1] = g_frames[i].dep_in;
      path[depth - 1] = id;
      found = depth;
      break;
    }
    if (g_dead[xr][part][d.to] == gen) continue;
    if (g_on_path[xr][d.to] == gen || depth == kMaxSearchDepth) {
      f.blocked = 1;
      continue;
    }
    add_guards(g, part == 1 ? g_in_run : g_in_rest, 1);
    g_on_path[xr][d.to] = gen;
    g_frames[depth++] = {d.to, first_dependency_from(d.to), id, xr, part, 0, !g_grown, 0};
  }
  // Unwind what the frames still hold.
  while (depth) {
    const frame &f = g_frames[--depth];
    g_on_path[f.xr][f.node] = 0;
    if (f.dep_in) add_guards(g_guards[f.dep_in], f.part == 1 ? g_in_run : g_in_rest, -1);
  }
  add_guards(guards, g_in_rest, -1);
  g_counts.search_steps += steps;
  return found;
}

}  // namespace

// Reads the class with atomic loads, so that it serves without the graph
// lock too (stack_holds_guards()).
void stack_guards(const thread_state &t, const held_lock &prev, const held_lock &next,
                  guard_set &out) {
  out.n = 0;
  for (const held_lock &h : t.held) {
    if (out.n == kMaxGuards) break;
    if (h.read || h.class_idx == prev.class_idx || h.class_idx == next.class_idx) continue;
    const lock_class *c = class_at(h.class_idx);
    // Live, and its own class: the key is the lock (a dead class's is null).
    if (read_class_generation(c) != h.class_generation || read_class_key(c) != h.instance) continue;
    if (out.has(h.class_idx, h.class_generation)) continue;
    out.cls[out.n] = h.class_idx;
    out.gen[out.n] = h.class_generation;
    ++out.n;
  }
}

bool stack_holds_guards(const thread_state &t, const held_lock &prev, const held_lock &next,
                        const known_guards &guards) {
  if (!guards.n) return true;
  guard_set now;
  stack_guards(t, prev, next, now);
  for (uint32_t i = 0; i < guards.n; ++i)
    if (!now.has(guards.cls[i], guards.gen[i])) return false;
  return true;
}

const guard_set &dependency_guards(uint32_t id) { return g_guards[id]; }

void set_dependency_guards(uint32_t id, const guard_set &g) { g_guards[id] = g; }

bool dependency_guard_dead(uint32_t id) {
  const guard_set &s = g_guards[id];
  for (uint32_t i = 0; i < s.n; ++i)
    if (!class_live(s.cls[i], s.gen[i])) return true;
  return false;
}

bool observe_dependency_guards(uint32_t id, const guard_set &g) {
  guard_set &s = g_guards[id];
  if (dependency_guard_dead(id)) {
    s = g;
    ++g_counts.rechecks;
    return true;
  }
  uint32_t kept = 0;
  for (uint32_t i = 0; i < s.n; ++i) {
    if (!g.has(s.cls[i], s.gen[i])) continue;
    s.cls[kept] = s.cls[i];
    s.gen[kept] = s.gen[i];
    ++kept;
  }
  if (kept == s.n) return false;
  s.n = kept;
  ++g_counts.rechecks;
  return true;
}

bool cycle_feasible(const guard_set *const *sets, uint32_t n) {
  if (n > kMaxCheckedCycle) return true;
  uint32_t m = 0;
  for (uint32_t p = 0; p < n; ++p)
    for (uint32_t i = 0; i < sets[p]->n; ++i)
      g_entries[m++] = {sets[p]->cls[i] | (uint64_t{sets[p]->gen[i]} << 32), p};
  if (!m) return n >= 2;
  std::sort(g_entries, g_entries + m,
            [](const guard_at &a, const guard_at &b) { return a.key < b.key; });
  static uint32_t per_pos[kMaxCheckedCycle];  // guards at each position
  for (uint32_t p = 0; p < n; ++p) per_pos[p] = 0;
  uint32_t distinct = 0;
  for (uint32_t i = 0; i < m; ++i) {
    if (i && g_entries[i].key != g_entries[i - 1].key) ++distinct;
    const uint32_t p = g_entries[i].pos;
    g_ids[p][per_pos[p]++] = distinct;
    g_total[distinct] = (i && g_entries[i].key == g_entries[i - 1].key) ? g_total[distinct] + 1 : 1;
  }
  // The run cut out is [i, j] (the other holds position 0). A guard spoils
  // it while the run holds some but not all of that guard's positions.
  for (uint32_t i = 1; i < n; ++i) {
    if (++g_stamp == 0) {
      for (auto &s : g_count_stamp) s = 0;
      g_stamp = 1;
    }
    int spoiling = 0;
    for (uint32_t j = i; j < n; ++j) {
      for (uint32_t k = 0; k < per_pos[j]; ++k) {
        const uint32_t id = g_ids[j][k];
        if (g_count_stamp[id] != g_stamp) {
          g_count_stamp[id] = g_stamp;
          g_count[id] = 0;
        }
        const uint32_t c = ++g_count[id];
        spoiling += (c < g_total[id]) - (c - 1 > 0 && c - 1 < g_total[id]);
      }
      if (!spoiling) return true;
    }
  }
  return false;
}

uint32_t feasible_path(uint32_t len, uint32_t next, uint8_t next_read, uint32_t prev,
                       uint8_t prev_read, const guard_set &guards, uint32_t *path) {
  if (path_feasible(path, len, guards)) return len;
  if (const uint32_t found = search_feasible(next, next_read, prev, prev_read, guards, path))
    return found;
  ++g_counts.gated_cycles;
  return 0;
}

uint32_t recheck_dependency(uint32_t id, uint32_t *path) {
  if (dependency_graph_acyclic()) return 0;  // no cycle, gated or not, anywhere
  const lock_dep d = dependency_at(id);
  for (uint8_t kind = kDepSR; kind <= kDepEN; kind = static_cast<uint8_t>(kind << 1)) {
    if (!(d.mask & kind)) continue;
    const uint8_t prev_read = (kind & (kDepER | kDepEN)) ? 0 : 1;
    const uint8_t next_read = (kind & (kDepSR | kDepER)) ? 2 : 0;
    uint32_t len = find_strong_path(d.to, next_read, d.from, prev_read, path);
    if (len) len = feasible_path(len, d.to, next_read, d.from, prev_read, g_guards[id], path);
    if (len) return len;
  }
  return 0;
}

guard_counts guard_stats() { return g_counts; }

}  // namespace lockdep
