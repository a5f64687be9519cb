// The public C API (include/lockdep/lockdep.h) over the validator.
#include <cstdio>

#include "core/chain_cache.hpp"
#include "core/class_graph.hpp"
#include "core/class_registry.hpp"
#include "core/deferred_free.hpp"
#include "core/dependency_graph.hpp"
#include "core/graph_lock.hpp"
#include "core/guard_sets.hpp"
#include "core/pool_options.hpp"
#include "core/validator.hpp"
#include "lockdep/lockdep.h"
#include "report/report.hpp"
#include "report/stack_trace.hpp"
#include "report/symbolize.hpp"
#include "support/options.hpp"
#include "support/suppressions.hpp"

using namespace lockdep;

namespace {

const void *class_key_of(const lockdep_map *map) {
  // Without a key the map is its own class (per-instance mode).
  return map->key ? static_cast<const void *>(map->key) : static_cast<const void *>(map);
}

constexpr uint32_t kMisuseReport = 16;

// One line per call site for an argument the API cannot use. Not from
// inside the validator (a signal handler that interrupted it may hold the
// report lock).
__attribute__((noinline, cold)) void refuse(const char *fn, const char *what, const void *map,
                                            uintptr_t ip) {
  thread_state &t = current_thread();
  if (t.recursion) return;
  if (!report_wanted(kMisuseReport, ip, reinterpret_cast<uintptr_t>(fn))) return;
  run_on_side_stack(t, [&] {
    char where[256];
    symbolize(ip, where, sizeof where);
    char line[512];
    if (!map)
      snprintf(line, sizeof line, "lockdep: %s() called with a NULL %s at %s; ignored", fn, what,
               where);
    else
      snprintf(line, sizeof line,
               "lockdep: %s() called with a map at %p never initialised by lockdep_init_map(), "
               "at %s; ignored",
               fn, map, where);
    report_line(line, true);
  });
}

// A map the API may use: not NULL, and initialised.
inline bool usable(const lockdep_map *map, const char *fn, uintptr_t ip) {
  if (__builtin_expect(map && map->magic == LOCKDEP_MAP_MAGIC, 1)) return true;
  refuse(fn, "map", map, ip);
  return false;
}

// Forgetting cannot wait for checking to be on: a key or map reused at
// the same address would inherit the old edges. Only a thread that is
// inside the validator already (a signal handler, perhaps interrupting a
// holder of the graph lock) hands the zap to the next graph lock user.
void forget_key(const void *key) {
  if (!current_thread().recursion) {
    zap_key(key);
    return;
  }
  if (!zap_key_deferred(key)) turn_off("BUG: too many keys forgotten from inside the validator");
}

}  // namespace

extern "C" {

void lockdep_init_map(lockdep_map *map, const char *name, const lockdep_class_key *key,
                      unsigned subclass) {
  if (!map) {
    refuse("lockdep_init_map", "map", nullptr, LOCKDEP_RET_IP);
    return;
  }
  map->key = key;
  map->name = name;
  map->subclass = subclass;
  map->magic = LOCKDEP_MAP_MAGIC;
}

// Classes come into being at first use, so a key needs no bookkeeping until
// it dies; registering keeps the kernel's API shape and documents intent.
void lockdep_register_key(lockdep_class_key *) {}

void lockdep_unregister_key(lockdep_class_key *key) {
  if (!key) {
    refuse("lockdep_unregister_key", "key", nullptr, LOCKDEP_RET_IP);
    return;
  }
  forget_key(key);
}

void lockdep_reset_map(lockdep_map *map) {
  if (!usable(map, "lockdep_reset_map", LOCKDEP_RET_IP)) return;
  if (!map->key) forget_key(map);  // a shared key's classes belong to all its locks
}

void lockdep_acquire(lockdep_map *map, unsigned subclass, unsigned flags, lockdep_read read,
                     uintptr_t ip) {
  if (!usable(map, "lockdep_acquire", LOCKDEP_RET_IP)) return;
  validator_entry entry(LOCKDEP_RET_IP);
  if (!entry) return;
  acquire_request r{};
  r.instance = map;
  r.key = class_key_of(map);
  r.name = map->name;
  r.subclass = subclass + map->subclass;
  r.read = static_cast<uint8_t>(read);
  r.trylock = flags & LOCKDEP_TRY;
  r.reentrant = flags & LOCKDEP_REENTRANT;
  // Reports look every address up at address - 1, as return addresses:
  // one past the address given is looked up at the address itself.
  r.ip = ip ? ip + 1 : LOCKDEP_RET_IP;
  validator_acquire(entry.thread(), r);
}

void lockdep_release(lockdep_map *map, uintptr_t ip) {
  if (!usable(map, "lockdep_release", LOCKDEP_RET_IP)) return;
  validator_entry entry(LOCKDEP_RET_IP);
  if (!entry) return;
  validator_release(entry.thread(), map, map->name, ip ? ip + 1 : LOCKDEP_RET_IP);
}

int lockdep_is_held(const lockdep_map *map) {
  if (!validator_enabled()) return -1;
  return validator_holds(current_thread(), map) ? 1 : 0;
}

void lockdep_assert_held_at(const lockdep_map *map, const char *file, int line) {
  if (!usable(map, "lockdep_assert_held_at", LOCKDEP_RET_IP)) return;
  validator_entry entry(LOCKDEP_RET_IP);
  if (!entry || validator_holds(entry.thread(), map)) return;
  const uint64_t where = reinterpret_cast<uintptr_t>(file) ^ static_cast<uint64_t>(line);
  if (!report_wanted_here(4, reinterpret_cast<uintptr_t>(class_key_of(map)) + map->subclass, where))
    return;
  run_on_side_stack(entry.thread(), [&] {
    for (report_writer w("WARNING: lock not held!"); w.next_pass();) {
      w.thread_ident();
      if (map->name) w.printed_name(map->name);
      w.print(" does not hold %s, asserted at %s:%d\n\n", map->name ? map->name : "(unnamed)", file,
              line);
      w.held_locks(entry.thread());
      w.print("\nstack backtrace:\n");
      w.current_stack();
    }
  });
}

void lockdep_off(void) { ++current_thread().off; }
void lockdep_on(void) {
  thread_state &t = current_thread();
  if (t.off > 0) --t.off;  // an unbalanced on() must not leave checking off
}

int lockdep_set_options(const char *text, char *err, size_t err_len) {
  if (!parse_options(text, err, err_len)) return -1;
  apply_pool_options();
  report_reopen();
  return 0;
}

void lockdep_get_stats(lockdep_stats *out) {
  if (!out) {
    refuse("lockdep_get_stats", "pointer", nullptr, LOCKDEP_RET_IP);
    return;
  }
  *out = lockdep_stats{};
  {
    graph_guard guard;
    const class_counts c = class_registry_counts();
    out->classes_in_use = c.in_use;
    out->classes_free = c.free;
    out->classes_pending = pending_class_count();
    out->classes_registered = c.registered;
    out->classes_zapped = c.zapped;
    out->classes_freed = c.freed;
    out->dependencies = dependency_count();
    const chain_counts ch = chain_cache_counts();
    out->chains = ch.in_use;
    out->chain_hlocks = ch.hlocks;
    out->chains_pending = pending_chain_count();
    const trace_counts tc = trace_pool_counts();
    out->stack_traces = tc.traces;
    out->stack_trace_entries = tc.entries;
  }
  out->classes_capacity = pool_limit(pool::classes);
  out->dependencies_capacity = pool_limit(pool::dependencies);
  out->chains_capacity = kMaxChains;
  out->grace_periods = grace_periods_completed();
  out->chain_cache_misses = chain_cache_misses();
  out->reports = reports_printed();
  for (uint32_t k = 0; k < kSuppressKinds; ++k) out->reports_suppressed += reports_suppressed(k);
  out->enabled = validator_enabled();
}

void lockdep_print_stats(void) {
  lockdep_stats s;
  lockdep_get_stats(&s);
  char buf[1024];
  const int n =
      snprintf(buf, sizeof buf,
               "lockdep stats:\n"
               " lock classes:        %llu in use, %llu pending, %llu free (capacity %llu)\n"
               " classes registered:  %llu, zapped: %llu, freed: %llu\n"
               " dependencies:        %llu (capacity %llu)\n"
               " lock chains:         %llu, %llu pending (capacity %llu), chain misses: %llu\n"
               " stack traces:        %llu, entries: %llu\n"
               " grace periods:       %llu\n"
               " reports:             %llu\n"
               " validator:           %s\n",
               (unsigned long long)s.classes_in_use, (unsigned long long)s.classes_pending,
               (unsigned long long)s.classes_free, (unsigned long long)s.classes_capacity,
               (unsigned long long)s.classes_registered, (unsigned long long)s.classes_zapped,
               (unsigned long long)s.classes_freed, (unsigned long long)s.dependencies,
               (unsigned long long)s.dependencies_capacity, (unsigned long long)s.chains,
               (unsigned long long)s.chains_pending, (unsigned long long)s.chains_capacity,
               (unsigned long long)s.chain_cache_misses, (unsigned long long)s.stack_traces,
               (unsigned long long)s.stack_trace_entries, (unsigned long long)s.grace_periods,
               (unsigned long long)s.reports, s.enabled ? "on" : "off");
  if (n <= 0) return;
  // Suppressed reports, and per kind which ones: "2 (exit 1, circular 1)".
  size_t len = static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1;
  len += static_cast<size_t>(snprintf(buf + len, sizeof buf - len, " suppressed reports:  %llu",
                                      (unsigned long long)s.reports_suppressed));
  const char *sep = " (";
  for (uint32_t k = 0; k < kSuppressKinds && len < sizeof buf; ++k) {
    if (!reports_suppressed(k)) continue;
    len += static_cast<size_t>(snprintf(buf + len, sizeof buf - len, "%s%s %llu", sep,
                                        suppress_kind_name(k),
                                        (unsigned long long)reports_suppressed(k)));
    sep = ", ";
  }
  if (len < sizeof buf)
    len +=
        static_cast<size_t>(snprintf(buf + len, sizeof buf - len, "%s\n", *sep == ',' ? ")" : ""));
  guard_counts g;
  {
    graph_guard guard;
    g = guard_stats();
  }
  if (len < sizeof buf)
    len += static_cast<size_t>(
        snprintf(buf + len, sizeof buf - len,
                 " gated cycles:        %llu not reported, guard sets shrunk: %llu, searches: %llu "
                 "(%llu steps, %llu out of budget)\n",
                 (unsigned long long)g.gated_cycles, (unsigned long long)g.rechecks,
                 (unsigned long long)g.searches, (unsigned long long)g.search_steps,
                 (unsigned long long)g.budget_exhausted));
  if (class_level_active() && len < sizeof buf) {
    const class_graph_counts cg = class_graph_stats();
    len += static_cast<size_t>(snprintf(
        buf + len, sizeof buf - len,
        " site classes:        %llu inferred (for %llu lock instances), %llu class dependencies, "
        "%llu searches out of budget\n",
        (unsigned long long)cg.classes, (unsigned long long)cg.instances_resolved,
        (unsigned long long)cg.dependencies, (unsigned long long)cg.searches_over_budget));
  }
  const ssize_t w = write(report_fd(), buf, len < sizeof buf ? len : sizeof buf - 1);
  (void)w;
}

uint64_t lockdep_report_count(void) { return reports_printed(); }

// Never with the graph lock held (from a report or a callback): it waits
// for the callback that takes it.
void lockdep_barrier(void) { deferred_free_barrier(); }

}  // extern "C"
