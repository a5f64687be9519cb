#include "core/validator.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "core/address_index.hpp"
#include "core/chain_cache.hpp"
#include "core/class_graph.hpp"
#include "core/class_registry.hpp"
#include "core/dependency_graph.hpp"
#include "core/fast_path.hpp"
#include "core/graph_lock.hpp"
#include "core/guard_sets.hpp"
#include "core/known_deps.hpp"
#include "core/misuse.hpp"
#include "core/pools.hpp"
#include "core/rcu.hpp"
#include "core/signal_usage.hpp"
#include "report/report.hpp"
#include "report/reported_classes.hpp"
#include "report/stack_trace.hpp"
#include "support/options.hpp"

namespace lockdep {

namespace {

enum report_kind : uint32_t { kCircular = 1, kRecursive, kUnlock, kFreed, kExit };

// Scratch of the validator's deep paths, kept off the caller's stack (the
// host's threads may have 16 KiB stacks). All under the graph lock.
uint32_t g_path[kMaxClasses];         // the cycle found by the search
uint64_t g_chain_ids[kMaxLockDepth];  // the held stack's ids, for chain_add()
uint64_t g_misses;
void (*g_before_validate)();  // tests: widens the race window below

std::atomic<bool> g_depth_noted;

// Under the graph lock.
// A class in its current life, for deduplicating reports: a slot reused by
// another class is another problem.
uint64_t class_identity(const held_lock &h) {
  return h.class_idx | (uint64_t{h.class_generation} << 32);
}

bool stale(const held_lock &h) { return !class_live(h.class_idx, h.class_generation); }

const char *lock_verb(uint8_t read) { return read ? "rlock" : "lock"; }

void report_circular(thread_state &t, const held_lock &prev, const held_lock &next,
                     const uint32_t *path, uint32_t len) {
  for (report_writer w("WARNING: possible circular locking dependency detected"); w.next_pass();) {
    w.thread_ident();
    w.print(" is trying to acquire lock:\n");
    w.held(next);
    w.print("\nbut task is already holding lock:\n");
    w.held(prev);
    w.print("\nwhich lock already depends on the new lock.\n\n");
    w.print("\nthe existing dependency chain (in reverse order) is:\n");
    for (uint32_t depth = len; depth > 0; --depth) {
      const lock_dep &d = dependency_at(path[depth - 1]);
      w.dependency(depth, d.from, d.to, trace_at(d.trace));
    }
    w.current_dependency(prev.class_idx, next.class_idx);

    w.print("\nother info that might help us debug this:\n\n");
    const uint32_t parent = dependency_at(path[len - 1]).from;
    if (parent != next.class_idx) {
      w.print("Chain exists of:\n  ");
      w.lock_name(next.class_idx);
      w.print(" --> ");
      w.lock_name(parent);
      w.print(" --> ");
      w.lock_name(prev.class_idx);
      w.print("\n\n");
    }
    w.print(" Possible unsafe locking scenario:\n\n");
    w.print("       CPU0                    CPU1\n");
    w.print("       ----                    ----\n");
    w.print("  %s(", lock_verb(prev.read));
    w.lock_name(prev.class_idx);
    w.print(");\n                               lock(");
    w.lock_name(parent);
    w.print(");\n                               %s(", lock_verb(prev.read));
    w.lock_name(prev.class_idx);
    w.print(");\n  %s(", lock_verb(next.read));
    w.lock_name(next.class_idx);
    w.print(");\n\n *** DEADLOCK ***\n\n");
    w.held_locks(t);
    w.print("\nstack backtrace:\n");
    w.current_stack();
  }
}

void report_recursive(thread_state &t, const held_lock &prev, const held_lock &next) {
  for (report_writer w("WARNING: possible recursive locking detected"); w.next_pass();) {
    w.thread_ident();
    w.print(" is trying to acquire lock:\n");
    w.held(next);
    w.print("\nbut task is already holding lock:\n");
    w.held(prev);
    w.print("\nother info that might help us debug this:\n");
    w.print(" Possible unsafe locking scenario:\n\n");
    w.print("       CPU0\n");
    w.print("       ----\n");
    w.print("  %s(", lock_verb(prev.read));
    w.lock_name(prev.class_idx);
    w.print(");\n  %s(", lock_verb(next.read));
    w.lock_name(next.class_idx);
    w.print(");\n\n *** DEADLOCK ***\n\n");
    w.print(" May be due to missing lock nesting notation\n\n");
    w.held_locks(t);
    w.print("\nstack backtrace:\n");
    w.current_stack();
  }
}

// Records prev -> next unless it closes a strong cycle. Returns false when
// validation must stop (a pool ran out and the validator is off).
// `rejected` is set when the dependency closes a cycle and is not added.
void publish(const held_lock &prev, const held_lock &next, uint32_t id) {
  known_dep_publish(prev.class_idx, prev.class_generation, next.class_idx, next.class_generation,
                    dependency_at(id).mask, &dependency_guards(id));
}

// The acquisition's stack, captured once for every dependency it records,
// and only under the graph lock: lockdep's fork prepare handler takes that
// lock, so no thread is inside the unwinder (and the dynamic linker's
// locks it takes) when another forks. A capture before the lock let a
// forked child inherit those locks held and hang.
uint32_t save_stack_once(captured_stack &stack) {
  if (!stack.n) capture_current_stack(stack);
  return save_trace(stack.frames, stack.n);
}

bool check_prev_add(thread_state &t, const held_lock &prev, const held_lock &next,
                    captured_stack &stack, uint32_t &trace, bool &rejected) {
  const uint8_t kind = dep_kind(prev.read, next.read);
  uint32_t existing = find_dependency(prev.class_idx, next.class_idx);
  guard_set guards;
  stack_guards(t, prev, next, guards);
  // Seen with fewer guards than before: a cycle through it that was gated
  // may not be any more (guard_sets.hpp).
  bool now_unguarded = false;
  if (existing && observe_dependency_guards(existing, guards)) {
    now_unguarded = dependency_guards(existing).n == 0;
    if (const uint32_t len = recheck_dependency(existing, g_path))
      if (!class_graph_instance_cycle_is_stale(t, prev, next) &&
          report_wanted(kCircular, class_identity(prev), class_identity(next)))
        report_circular(t, prev, next, g_path, len);
  }
  // Known already: its cycles were checked when it was added, and again
  // whenever its guard set shrank (above); nothing else makes one appear.
  if (existing && (dependency_at(existing).mask & kind)) {
    // The class level sees only unguarded dependencies (below): this one
    // just became one.
    if (now_unguarded) {
      if (!trace && !(trace = save_stack_once(stack))) return false;
      class_graph_dependency_added(t, prev, next, kind, trace);
    }
    publish(prev, next, existing);  // again, if the table was cleared
    return true;
  }
  bool against_order = false;
  if (const uint32_t len =
          check_new_dependency(prev.class_idx, prev.read, next.class_idx, next.read, g_path,
                               against_order, existing ? &dependency_guards(existing) : &guards)) {
    if (class_graph_instance_cycle_is_stale(t, prev, next)) return rejected = true;
    if (report_wanted(kCircular, class_identity(prev), class_identity(next))) {
      report_circular(t, prev, next, g_path, len);
      remember_reported_dependency({prev.class_idx, prev.class_generation},
                                   {next.class_idx, next.class_generation}, kind);
    }
    rejected = true;  // the edge is not added: the graph stays acyclic
    return true;
  }
  // One trace for every dependency this acquisition records.
  if (!trace && !(trace = save_stack_once(stack))) return false;
  if (existing) {
    add_dependency_kind(existing, kind);
  } else {
    existing = add_dependency(prev.class_idx, next.class_idx, kind, trace, against_order);
    if (!existing) return false;
    set_dependency_guards(existing, guards);
    check_signal_dependency(t, prev, next);
  }
  // A dependency seen only under a gate cannot deadlock, whatever the
  // locks' classes: the class level learns it once it is seen ungated.
  if (dependency_guards(existing).n == 0) class_graph_dependency_added(t, prev, next, kind, trace);
  publish(prev, next, existing);
  return true;
}

// Without any lock, under RCU: is every dependency validate_chain() would
// record for this stack in the graph already, with no recursive locking?
// Then the stack is valid and needs neither the graph lock nor a chain
// (stacks of a server taking random subsets of many locks rarely repeat).
// Anything else, a class that died included, takes the full path.
bool stack_known(const thread_state &t, const held_lock &next) {
  for (const held_lock &h : t.held)
    if (h.class_idx == next.class_idx) return false;
  for (size_t i = t.held.size(); i-- > 0;) {
    const held_lock &h = t.held[i];
    const lock_class *c = class_at(h.class_idx);
    if (read_class_generation(c) != h.class_generation || !read_class_key(c)) return false;
    known_guards guards;
    if (!known_dep_has(h.class_idx, h.class_generation, next.class_idx, next.class_generation,
                       dep_kind(h.read, next.read), guards) ||
        !stack_holds_guards(t, h, next, guards))  // else its guard set would shrink
      return false;
    if (!h.trylock) break;
  }
  return true;
}

// A held-lock stack not seen before: the full check, under the graph lock.
void validate_chain(thread_state &t, const held_lock &next) {
  if (g_before_validate) g_before_validate();
  // Before the graph lock, which other threads wait for: a stack that
  // stack_known() could not validate nearly always records a dependency.
  if (!t.held.empty()) prefetch_dependency(t.held.back().class_idx, next.class_idx);
  captured_stack stack;
  stack.n = 0;  // captured under the graph lock, when first needed
  graph_guard guard(graph_guard::yield_to_fork);
  if (!guard) return;  // validated the next time this stack is seen
  zap_deferred_keys();
  // The class may have been zapped since it was looked up: then nothing is
  // recorded, and the held record is stale from now on.
  if (!validator_enabled() || stale(next) || chain_lookup(next.chain_key)) return;
  ++g_misses;

  bool recursive_read_of_held = false;
  bool checked = true;
  bool cacheable = true;  // a chain naming a dead class is never cached
  for (const held_lock &h : t.held) {
    if (stale(h)) {
      cacheable = false;
      continue;
    }
    if (h.class_idx != next.class_idx) continue;
    // A recursive reader may enter a class it already holds for reading.
    if (next.read == 2 && h.read) {
      recursive_read_of_held = true;
      continue;
    }
    if (report_wanted(kRecursive, class_identity(next), 0)) report_recursive(t, h, next);
    checked = false;
    break;
  }
  // Edges from the nearest held lock that is not a trylock, and from every
  // trylock above it: the locks below are ordered before it already.
  if (checked && !recursive_read_of_held) {
    uint32_t trace = 0;
    bool rejected = false;
    for (size_t i = t.held.size(); i-- > 0;) {
      const held_lock &h = t.held[i];
      if (stale(h)) continue;
      if (!check_prev_add(t, h, next, stack, trace, rejected)) return;
      if (!h.trylock) break;
    }
    // A stack whose dependency was rejected is checked again next time:
    // once the graph changes (a class in the cycle is forgotten), the same
    // stack records its dependency.
    if (rejected) return;
  }
  // Validated from now on by stack_known() without any lock: caching it too
  // would fill the chain cache with stacks that may never recur.
  if (!cacheable || stack_known(t, next)) return;
  uint32_t n = 0;
  for (const held_lock &h : t.held) g_chain_ids[n++] = h.id;
  g_chain_ids[n++] = next.id;
  chain_add(next.chain_key, g_chain_ids, n);
}

void recompute_chain_keys(thread_state &t, size_t from) {
  for (size_t j = from; j < t.held.size(); ++j) {
    const uint64_t below = j ? t.held[j - 1].chain_key : 0;
    t.held[j].chain_key = iterate_chain_key(below, t.held[j].id);
  }
}

// Releases the innermost hold of `instance` (one level of a reentrant lock);
// false when the thread does not hold it.
bool pop_held(thread_state &t, const void *instance) {
  for (size_t i = t.held.size(); i-- > 0;) {
    if (t.held[i].instance != instance) continue;
    if (t.held[i].references) {
      --t.held[i].references;
      return true;
    }
    t.held.erase(t.held.begin() + static_cast<std::ptrdiff_t>(i));
    recompute_chain_keys(t, i);
    return true;
  }
  return false;
}

// The first time a thread goes past the depth limit: one line, and the
// validator stays on.
__attribute__((noinline)) void note_depth_exceeded(size_t depth) {
  if (g_depth_noted.exchange(true, std::memory_order_relaxed)) return;
  char comm[17] = {};
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  char line[256];
  std::snprintf(line, sizeof line,
                "lockdep: %s/%d holds %zu locks: deeper locks of this thread are not tracked "
                "until it releases them (MAX_LOCK_DEPTH)",
                comm, static_cast<int>(gettid()), depth);
  report_line(line, false);
}

}  // namespace

void validator_acquire(thread_state &t, const acquire_request &r) {
  if (r.reentrant) {
    for (size_t i = t.held.size(); i-- > 0;)
      if (t.held[i].instance == r.instance) {
        ++t.held[i].references;
        return;
      }
  }
  if (r.subclass >= kMaxSubclasses) {
    char line[80];
    std::snprintf(line, sizeof line, "BUG: looking up invalid subclass: %u", r.subclass);
    turn_off(line);
    return;
  }
  // Past the depth limit, and until those locks are released, nothing is
  // tracked: the top of `held` is not the innermost lock any more.
  if (__builtin_expect(t.untracked || t.held.size() >= pool_limit(pool::lock_depth), 0)) {
    if (!t.untracked++) run_on_side_stack(t, [&] { note_depth_exceeded(t.held.size()); });
    return;
  }
  const uint64_t salt = fast_salt();  // before the class is looked up: see fast_path.hpp
  rcu_read_guard rcu;
  lock_class *c = class_lookup_or_register(r.key, r.subclass, r.name, r.ip);
  if (!c) {
    // Not registered (a fork was being prepared, or a pool ran out): not
    // tracked either, so its release is not a bad unlock.
    if (validator_enabled()) ++t.untracked;
    return;
  }
  bool live;
  held_lock h{};
  h.acquire_ip = r.ip;
  h.instance = r.instance;
  h.class_idx = class_index(c);
  h.class_generation = class_generation_for(c, r.key, live);
  h.read = r.read;
  h.trylock = r.trylock;
  h.reentrant = r.reentrant;
  h.id = hlock_id(h.class_idx, h.read, h.trylock, h.class_generation);
  h.chain_key = iterate_chain_key(t.held.empty() ? 0 : t.held.back().chain_key, h.id);
  if (live && signal_usage_unmarked(t, h)) run_on_side_stack(t, [&] { mark_signal_usage(t, h); });
  // A trylock cannot block, so it adds no edge into the tried lock; it is
  // held afterwards, so the next acquisition adds edges from it. A class
  // that died since the lookup is held (to be released) but not validated.
  if (live && !r.trylock && !chain_lookup(h.chain_key) && !stack_known(t, h))
    run_on_side_stack(t, [&] { validate_chain(t, h); });
  else if (live && r.key == r.instance && !r.subclass && !r.reentrant && t.exit_hooked)
    fast_path_remember(t, h, salt);  // nothing to validate: the next time is a fast path
  t.held.push_back(h);
}

void validator_release(thread_state &t, const void *instance, const char *name, uintptr_t ip) {
  if (pop_held(t, instance)) return;
  if (t.untracked) {  // one of the locks past the depth limit
    --t.untracked;
    return;
  }
  if (!report_wanted_here(kUnlock, lock_identity(instance), ip)) return;
  run_on_side_stack(t, [&] {
    for (report_writer w("WARNING: bad unlock balance detected!"); w.next_pass();) {
      w.thread_ident();
      w.print(" is trying to release lock (");
      w.lock_name_of(instance, name);
      w.print(") at:\n");
      w.ip(ip);
      w.print("\nbut there are no more locks to release!\n");
      w.print("\nother info that might help us debug this:\n");
      w.held_locks(t);
      w.print("\nstack backtrace:\n");
      w.current_stack();
    }
  });
}

bool validator_holds(const thread_state &t, const void *instance) {
  for (const held_lock &h : t.held)
    if (h.instance == instance) return true;
  return false;
}

void validator_undo_acquire(thread_state &t, const void *instance) {
  // While locks are untracked every acquisition is, the one undone too.
  if (t.untracked)
    --t.untracked;
  else
    pop_held(t, instance);
}

namespace {

// Held locks in [lo, hi): report the first, and drop them all, since nobody
// can release them any more.
void drop_held_in_range(thread_state &t, uintptr_t lo, uintptr_t hi) {
  bool reported = false;
  for (size_t i = t.held.size(); i-- > 0;) {
    const held_lock &h = t.held[i];
    const auto addr = reinterpret_cast<uintptr_t>(h.instance);
    if (addr < lo || addr >= hi) continue;
    if (!reported && report_wanted_here(kFreed, held_lock_identity(h), h.acquire_ip)) {
      reported = true;
      run_on_side_stack(t, [&] {
        for (report_writer w("WARNING: held lock freed!"); w.next_pass();) {
          w.thread_ident();
          w.print(" is freeing memory 0x%lx-0x%lx, with a lock still held there!\n",
                  static_cast<unsigned long>(lo), static_cast<unsigned long>(hi - 1));
          w.held(h);
          w.held_locks(t);
          w.print("\nstack backtrace:\n");
          w.current_stack();
        }
      });
    }
    t.held.erase(t.held.begin() + static_cast<std::ptrdiff_t>(i));
    recompute_chain_keys(t, i);
  }
}

}  // namespace

void validator_forget_range(thread_state &t, uintptr_t lo, uintptr_t hi) {
  drop_held_in_range(t, lo, hi);

  // Classes keyed in the range. Locks are at least 4-byte aligned.
  constexpr uint32_t kBatch = 16;  // on the caller's stack
  const void *found[kBatch];
  uint32_t n = 0;
  auto flush = [&] {
    graph_guard guard;
    zap_deferred_keys();
    for (uint32_t i = 0; i < n; ++i) zap_key_locked(found[i]);  // every subclass
    n = 0;
  };
  for_each_lock_page(lo, hi, [&](uintptr_t page) {
    uintptr_t a = (page > lo ? page : lo + 3) & ~uintptr_t{3};
    const uintptr_t end =
        page + (uintptr_t{1} << kPageShift) < hi ? page + (uintptr_t{1} << kPageShift) : hi;
    rcu_read_guard rcu;
    for (; a < end; a += 4) {
      if (!class_key_in_use(reinterpret_cast<const void *>(a))) continue;
      found[n++] = reinterpret_cast<const void *>(a);
      if (n == kBatch) flush();
    }
  });
  if (n) flush();
}

void validator_forget_lock(thread_state &t, const void *lock, size_t size) {
  const auto lo = reinterpret_cast<uintptr_t>(lock);
  drop_held_in_range(t, lo, lo + size);
  {
    rcu_read_guard rcu;
    if (!class_key_in_use(lock)) return;
  }
  zap_key(lock);
}

void validator_thread_exit(thread_state &t) {
  t.untracked = 0;
  if (t.held.empty()) return;
  if (report_wanted_here(kExit, held_lock_identity(t.held[0]), t.held[0].acquire_ip)) {
    run_on_side_stack(t, [&] {
      for (report_writer w("WARNING: thread still has locks held!"); w.next_pass();) {
        w.thread_ident();
        w.print(" is exiting with locks still held!\n");
        w.held_locks(t);
        w.print("\nstack backtrace:\n");
        w.current_stack();
      }
    });
  }
  t.held.clear();
}

void set_before_validate_hook(void (*fn)()) { g_before_validate = fn; }

uint64_t chain_cache_misses() {
  graph_guard guard;
  return g_misses;
}

}  // namespace lockdep
