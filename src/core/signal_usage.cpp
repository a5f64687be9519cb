#include "core/signal_usage.hpp"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "core/class_registry.hpp"
#include "core/dependency_graph.hpp"
#include "core/graph_lock.hpp"
#include "report/report.hpp"
#include "report/stack_trace.hpp"

namespace lockdep {

uint64_t g_signals_with_handlers;
class_signal_usage g_signal_usage[kMaxClasses];

uint64_t kernel_blocked_mask() {
  uint64_t mask = 0;
  // The raw call: pthread_sigmask() is the preload layer's own wrapper.
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, &mask, sizeof mask);
  return mask;
}

namespace {

enum : uint32_t { kInconsistent = 40, kSignalOrder = 41 };

// Some class has ever been used in a handler: until then no dependency can
// connect a signal-safe class to anything, and no search runs.
bool g_any_used_in_handler;

// Where each usage bit was first seen: (class life, signal, bit) -> stack,
// open addressing. Entries of classes that died are reused. Graph lock.
struct first_seen {
  uint32_t class_idx;
  uint32_t generation;
  uint32_t trace;  // 0: empty slot
  uint8_t sig;
  uint8_t bit;
  uintptr_t ip;
};
constexpr uint32_t kFirstSeenSize = 1u << 16;
first_seen g_first_seen[kFirstSeenSize];

uint32_t first_seen_hash(uint32_t idx, int sig, uint32_t bit) {
  const uint64_t k = (uint64_t{idx} << 12) ^ (uint64_t(sig) << 2) ^ bit;
  return static_cast<uint32_t>((k * 0x9E3779B97F4A7C15ull) >> 40) & (kFirstSeenSize - 1);
}

bool first_seen_matches(const first_seen &e, uint32_t idx, uint32_t gen, int sig, uint32_t bit) {
  return e.trace && e.class_idx == idx && e.generation == gen && e.sig == sig && e.bit == bit;
}

void record_first_seen(uint32_t idx, uint32_t gen, int sig, uint32_t bit, uint32_t trace,
                       uintptr_t ip) {
  uint32_t slot = first_seen_hash(idx, sig, bit);
  for (uint32_t probe = 0; probe < 64; ++probe, slot = (slot + 1) & (kFirstSeenSize - 1)) {
    first_seen &e = g_first_seen[slot];
    if (e.trace && class_live(e.class_idx, e.generation)) continue;
    e = {idx, gen, trace, static_cast<uint8_t>(sig), static_cast<uint8_t>(bit), ip};
    return;
  }
  // The neighbourhood is full of live entries: the report says no stack.
}

const first_seen *find_first_seen(uint32_t idx, uint32_t gen, int sig, uint32_t bit) {
  uint32_t slot = first_seen_hash(idx, sig, bit);
  for (uint32_t probe = 0; probe < 64; ++probe, slot = (slot + 1) & (kFirstSeenSize - 1))
    if (first_seen_matches(g_first_seen[slot], idx, gen, sig, bit)) return &g_first_seen[slot];
  return nullptr;
}

uint32_t live_generation(uint32_t idx) { return read_class_generation(class_at(idx)); }

// The usage bits of a class in its current life (zero for bits of a
// previous occupant of the slot). Graph lock.
struct usage_bits {
  uint64_t used_w, used_r, held_w, held_r;
  // Signals for which the class is inconsistent itself (reported as such).
  uint64_t inconsistent() const { return (used_w & (held_w | held_r)) | (used_r & held_w); }
};

usage_bits bits_of(uint32_t idx) {
  const class_signal_usage &u = g_signal_usage[idx];
  if (u.generation != live_generation(idx)) return {};
  return {u.bits[kUsedIn], u.bits[kUsedInRead], u.bits[kHeldOn], u.bits[kHeldOnRead]};
}

// --- names ---------------------------------------------------------------

void signal_name(int sig, char *buf, size_t len) {
  if (const char *abbrev = sigabbrev_np(sig))
    std::snprintf(buf, len, "SIG%s", abbrev);
  else
    std::snprintf(buf, len, "SIG%d", sig);
}

// The kernel's state names: IN-HARDIRQ-W becomes IN-SIGALRM-W, and
// HARDIRQ-ON-W becomes SIGALRM-ON-W.
void usage_name(int sig, uint32_t bit, char *buf, size_t len) {
  char s[24];
  signal_name(sig, s, sizeof s);
  const char *rw = bit == kUsedInRead || bit == kHeldOnRead ? "R" : "W";
  if (bit == kUsedIn || bit == kUsedInRead)
    std::snprintf(buf, len, "IN-%s-%s", s, rw);
  else
    std::snprintf(buf, len, "%s-ON-%s", s, rw);
}

int lowest_signal(uint64_t mask) { return __builtin_ctzll(mask) + 1; }

void print_context(report_writer &w, const thread_state &t) {
  w.thread_ident();
  if (t.sig.current) {
    char s[24];
    signal_name(t.sig.current, s, sizeof s);
    w.print(" [in %s handler]", s);
  }
}

void print_first_seen(report_writer &w, uint32_t idx, int sig, uint32_t bit) {
  const first_seen *e = find_first_seen(idx, live_generation(idx), sig, bit);
  if (!e) {
    w.print("  (not recorded)\n");
    return;
  }
  w.trace(trace_at(e->trace), 2);
}

// --- searches over the dependency graph ------------------------------------

uint32_t g_queue[kMaxClasses];
uint32_t g_seen[kMaxClasses];
uint32_t g_seen_gen;
uint32_t g_parent[kMaxClasses];  // the class a search reached it from

constexpr uint32_t kNone = ~0u;

// Breadth-first from `start` (forward: later locks; backward: earlier
// ones), start included unless `skip_start`. Returns the first class for
// which match(idx) is true, or kNone. Graph lock.
template <class Match>
uint32_t search(uint32_t start, bool forward, bool skip_start, Match match) {
  if (++g_seen_gen == 0) {
    for (uint32_t &s : g_seen) s = 0;
    g_seen_gen = 1;
  }
  uint32_t head = 0, tail = 0;
  g_queue[tail++] = start;
  g_seen[start] = g_seen_gen;
  while (head < tail) {
    const uint32_t c = g_queue[head++];
    if ((c != start || !skip_start) && match(c)) return c;
    uint32_t id = forward ? first_dependency_from(c) : first_dependency_to(c);
    while (id) {
      const lock_dep &d = dependency_at(id);
      const uint32_t other = forward ? d.to : d.from;
      if (g_seen[other] != g_seen_gen) {
        g_seen[other] = g_seen_gen;
        g_parent[other] = c;
        g_queue[tail++] = other;
      }
      id = forward ? d.after_next : d.before_next;
    }
  }
  return kNone;
}

// A path of classes in dependency order, for "Chain exists of:"; long
// ones keep their ends.
constexpr uint32_t kChainShown = 12;
struct class_chain {
  uint32_t n = 0, total = 0;
  uint32_t cls[kChainShown];
  void add(uint32_t c) {
    if (n < kChainShown)
      cls[n++] = c;
    else
      cls[kChainShown - 1] = c;  // the last one: what is elided is before it
    ++total;
  }
  void append(const class_chain &o) {
    for (uint32_t i = 0; i < o.n; ++i) add(o.cls[i]);
    total += o.total - o.n;
  }
};

// After search(start, forward) found `found`: the path between them in
// dependency order (start first when forward, found first when backward).
class_chain path_of(uint32_t start, uint32_t found, bool forward) {
  uint32_t rev[kChainShown * 2];
  uint32_t n = 0, total = 0;
  for (uint32_t c = found;; c = g_parent[c]) {
    if (n < kChainShown * 2)
      rev[n++] = c;
    else
      rev[n - 1] = c;  // the start end stays
    ++total;
    if (c == start) break;
  }
  class_chain chain;
  if (forward)
    for (uint32_t i = n; i-- > 0;) chain.add(rev[i]);
  else
    for (uint32_t i = 0; i < n; ++i) chain.add(rev[i]);
  chain.total += total - n;
  return chain;
}

void print_chain(report_writer &w, const class_chain &chain) {
  w.print(" Chain exists of:\n   ");
  for (uint32_t i = 0; i < chain.n; ++i) {
    if (i) w.print(" --> ");
    if (i == chain.n - 1 && chain.total > chain.n) w.print("... --> ");
    w.lock_name(chain.cls[i]);
  }
  w.print("\n\n");
}

// Signals for which a safe class with bits `s` and an unsafe class with
// bits `u` conflict: unless both are recursive reads.
uint64_t conflict(const usage_bits &s, const usage_bits &u) {
  const uint64_t safe_w = s.used_w & ~s.inconsistent(), safe_r = s.used_r & ~s.inconsistent();
  const uint64_t unsafe_w = u.held_w & ~u.inconsistent(), unsafe_r = u.held_r & ~u.inconsistent();
  return (safe_w & (unsafe_w | unsafe_r)) | (safe_r & unsafe_w);
}

// --- reports ---------------------------------------------------------------

uint64_t identity(uint32_t idx) { return idx | (uint64_t{live_generation(idx)} << 32); }

void report_inconsistent(thread_state &t, const held_lock &h, int sig, uint32_t old_bit,
                         uint32_t new_bit, bool acquiring) {
  if (!report_wanted(kInconsistent, identity(h.class_idx),
                     static_cast<uint64_t>(sig) | uint64_t{new_bit} << 8))
    return;
  char old_name[40], new_name[40], s[24];
  usage_name(sig, old_bit, old_name, sizeof old_name);
  usage_name(sig, new_bit, new_name, sizeof new_name);
  signal_name(sig, s, sizeof s);
  for (report_writer w("WARNING: inconsistent lock state"); w.next_pass();) {
    w.print("inconsistent {%s} -> {%s} usage.\n", old_name, new_name);
    print_context(w, t);
    if (acquiring) {
      w.print(" takes:\n");
    } else {
      w.print(" lets %s in while holding:\n", s);
    }
    w.held(h);
    w.print("{%s} state was registered at:\n", old_name);
    print_first_seen(w, h.class_idx, sig, old_bit);
    w.print("{%s} state is registered now, at the stack backtrace below.\n", new_name);
    w.print("\nother info that might help us debug this:\n");
    w.print(" Possible unsafe locking scenario:\n\n");
    w.print("       CPU0\n");
    w.print("       ----\n");
    w.print("  lock(");
    w.lock_name(h.class_idx);
    w.print(");\n  <Signal %s>\n    lock(", s);
    w.lock_name(h.class_idx);
    w.print(");\n\n *** DEADLOCK ***\n\n");
    w.held_locks(t);
    w.print("\nstack backtrace:\n");
    w.current_stack();
  }
}

void print_scenario(report_writer &w, uint32_t safe, uint32_t unsafe, uint32_t middle,
                    const char *s) {
  w.print(" Possible signal unsafe locking scenario:\n\n");
  w.print("       CPU0                    CPU1\n");
  w.print("       ----                    ----\n");
  w.print("  lock(");
  w.lock_name(unsafe);
  w.print(");\n                               block %s;\n", s);
  w.print("                               lock(");
  w.lock_name(safe);
  w.print(");\n                               lock(");
  w.lock_name(middle);
  w.print(");\n  <Signal %s>\n    lock(", s);
  w.lock_name(safe);
  w.print(");\n\n *** DEADLOCK ***\n\n");
}

void print_usage_of(report_writer &w, uint32_t idx, int sig, uint32_t bit, const char *what) {
  char name[40];
  usage_name(sig, bit, name, sizeof name);
  w.print(" (");
  w.lock_name(idx);
  w.print("){%s}\n... which became %s at:\n", name, what);
  print_first_seen(w, idx, sig, bit);
}

// Which of the class's bits make it safe / unsafe for `sig`.
uint32_t safe_bit(uint32_t idx, int sig) {
  return bits_of(idx).used_w & signal_bit(sig) ? kUsedIn : kUsedInRead;
}
uint32_t unsafe_bit(uint32_t idx, int sig) {
  return bits_of(idx).held_w & signal_bit(sig) ? kHeldOn : kHeldOnRead;
}

// The dependency prev -> next connects `safe` (reaching prev) to `unsafe`
// (reached from next): found when the dependency was recorded.
void report_bad_dependency(thread_state &t, const held_lock &prev, const held_lock &next,
                           uint32_t safe, uint32_t unsafe, int sig, const class_chain &chain) {
  if (!report_wanted(kSignalOrder, identity(safe), identity(unsafe) ^ (uint64_t(sig) << 24)))
    return;
  char s[24], safe_what[48], unsafe_what[48];
  signal_name(sig, s, sizeof s);
  std::snprintf(safe_what, sizeof safe_what, "%s-safe", s);
  std::snprintf(unsafe_what, sizeof unsafe_what, "%s-unsafe", s);
  for (report_writer w("WARNING: signal-safe -> signal-unsafe lock order detected");
       w.next_pass();) {
    print_context(w, t);
    w.print(" is trying to acquire:\n");
    w.held(next);
    w.print("\nand this task is already holding:\n");
    w.held(prev);
    w.print("which would create a new lock dependency:\n (");
    w.lock_name(prev.class_idx);
    w.print(") -> (");
    w.lock_name(next.class_idx);
    w.print(")\n\nbut this new dependency connects a %s lock:\n", safe_what);
    print_usage_of(w, safe, sig, safe_bit(safe, sig), safe_what);
    w.print("\nto a %s lock:\n", unsafe_what);
    print_usage_of(w, unsafe, sig, unsafe_bit(unsafe, sig), unsafe_what);
    w.print("\nother info that might help us debug this:\n\n");
    if (chain.total > 2) print_chain(w, chain);
    // The kernel's print_irq_lock_scenario(): the lock taken under `safe`.
    print_scenario(w, safe, unsafe, prev.class_idx == safe ? next.class_idx : prev.class_idx, s);
    w.held_locks(t);
    w.print("\nstack backtrace:\n");
    w.current_stack();
  }
}

// `h`'s class just became safe (it reaches `other`, unsafe) or unsafe (it
// is reached from `other`, safe): the kernel's "irq lock inversion".
void report_inversion(thread_state &t, const held_lock &h, uint32_t other, int sig,
                      bool became_safe, const class_chain &chain) {
  const uint32_t safe = became_safe ? h.class_idx : other;
  const uint32_t unsafe = became_safe ? other : h.class_idx;
  if (!report_wanted(kSignalOrder, identity(safe), identity(unsafe) ^ (uint64_t(sig) << 24)))
    return;
  char s[24], safe_what[48], unsafe_what[48];
  signal_name(sig, s, sizeof s);
  std::snprintf(safe_what, sizeof safe_what, "%s-safe", s);
  std::snprintf(unsafe_what, sizeof unsafe_what, "%s-unsafe", s);
  for (report_writer w("WARNING: signal-safe -> signal-unsafe lock order detected");
       w.next_pass();) {
    print_context(w, t);
    w.print(" just changed the state of lock:\n");
    w.held(h);
    if (became_safe) {
      w.print("but this lock took another, %s lock in the past:\n", unsafe_what);
      print_usage_of(w, unsafe, sig, unsafe_bit(unsafe, sig), unsafe_what);
    } else {
      w.print("but this lock was taken by another, %s lock in the past:\n", safe_what);
      print_usage_of(w, safe, sig, safe_bit(safe, sig), safe_what);
    }
    w.print("\nand %s could create inverse lock ordering between them.\n", s);
    w.print("\nother info that might help us debug this:\n\n");
    if (chain.total > 2) print_chain(w, chain);
    print_scenario(w, safe, unsafe, chain.n > 1 ? chain.cls[1] : unsafe, s);
    w.held_locks(t);
    w.print("\nstack backtrace:\n");
    w.current_stack();
  }
}

// --- marking ---------------------------------------------------------------

// Sets the bits of `n` on h's class; reports what they break. Graph lock.
void mark_locked(thread_state &t, const held_lock &h, usage_need n, bool acquiring) {
  if (!class_live(h.class_idx, h.class_generation)) return;
  class_signal_usage &u = g_signal_usage[h.class_idx];
  if (u.generation != h.class_generation) {
    for (uint64_t &b : u.bits) __atomic_store_n(&b, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&u.generation, h.class_generation, __ATOMIC_RELEASE);
  }
  const uint32_t used_bit = kUsedIn + n.read, held_bit = kHeldOn + n.read;
  const uint64_t new_used = n.used & ~u.bits[used_bit];
  const uint64_t new_held = n.held & ~u.bits[held_bit];
  if (!(new_used | new_held)) return;

  // One stack for every bit this acquisition sets.
  const uint32_t trace = save_current_trace();
  for (uint64_t m = new_used; m; m &= m - 1)
    record_first_seen(h.class_idx, h.class_generation, lowest_signal(m), used_bit, trace,
                      h.acquire_ip);
  for (uint64_t m = new_held; m; m &= m - 1)
    record_first_seen(h.class_idx, h.class_generation, lowest_signal(m), held_bit, trace,
                      h.acquire_ip);
  __atomic_fetch_or(&u.bits[used_bit], new_used, __ATOMIC_RELAXED);
  __atomic_fetch_or(&u.bits[held_bit], new_held, __ATOMIC_RELAXED);
  if (new_used) g_any_used_in_handler = true;

  // Single-lock rule: in a handler for S and held with S deliverable,
  // unless both are recursive reads.
  const usage_bits b = bits_of(h.class_idx);
  const uint64_t held_conflict = n.read ? b.held_w : b.held_w | b.held_r;
  const uint64_t used_conflict = n.read ? b.used_w : b.used_w | b.used_r;
  if (const uint64_t bad = new_used & held_conflict) {
    const int sig = lowest_signal(bad);
    report_inconsistent(t, h, sig, b.held_w & signal_bit(sig) ? kHeldOn : kHeldOnRead, used_bit,
                        acquiring);
    return;
  }
  if (const uint64_t bad = new_held & used_conflict) {
    const int sig = lowest_signal(bad);
    report_inconsistent(t, h, sig, b.used_w & signal_bit(sig) ? kUsedIn : kUsedInRead, held_bit,
                        acquiring);
    return;
  }

  // Dependency rule, for dependencies recorded before the bits were set.
  if (new_used) {
    usage_bits safe{};
    (n.read ? safe.used_r : safe.used_w) = new_used;
    uint64_t found = 0;
    const uint32_t unsafe = search(h.class_idx, true, true, [&](uint32_t c) {
      return (found = conflict(safe, bits_of(c))) != 0;
    });
    if (unsafe != kNone)
      report_inversion(t, h, unsafe, lowest_signal(found), true,
                       path_of(h.class_idx, unsafe, true));
  }
  if (new_held && g_any_used_in_handler) {
    usage_bits held{};
    (n.read ? held.held_r : held.held_w) = new_held;
    uint64_t found = 0;
    const uint32_t safe = search(h.class_idx, false, true, [&](uint32_t c) {
      return (found = conflict(bits_of(c), held)) != 0;
    });
    if (safe != kNone)
      report_inversion(t, h, safe, lowest_signal(found), false, path_of(h.class_idx, safe, false));
  }
}

}  // namespace

void mark_signal_usage(thread_state &t, const held_lock &h) {
  const usage_need n = usage_of(t, h, deliverable_signals(t.sig));
  graph_guard guard(graph_guard::yield_to_fork);
  if (!guard || !validator_enabled()) return;
  mark_locked(t, h, n, true);
}

void check_signal_dependency(thread_state &t, const held_lock &prev, const held_lock &next) {
  if (!g_any_used_in_handler) return;
  // Everything signal-safe that reaches prev ...
  usage_bits safe{};
  search(prev.class_idx, false, false, [&](uint32_t c) {
    const usage_bits b = bits_of(c);
    safe.used_w |= b.used_w & ~b.inconsistent();
    safe.used_r |= b.used_r & ~b.inconsistent();
    return false;
  });
  if (!(safe.used_w | safe.used_r)) return;
  // ... and the first signal-unsafe class next reaches, for one of them.
  uint64_t found = 0;
  const uint32_t unsafe = search(next.class_idx, true, false, [&](uint32_t c) {
    return (found = conflict(safe, bits_of(c))) != 0;
  });
  if (unsafe == kNone) return;
  const class_chain to_unsafe = path_of(next.class_idx, unsafe, true);
  const int sig = lowest_signal(found);
  usage_bits one{};
  const usage_bits u = bits_of(unsafe);
  one.held_w = u.held_w & signal_bit(sig);
  one.held_r = u.held_r & signal_bit(sig);
  const uint32_t safe_class = search(prev.class_idx, false, false,
                                     [&](uint32_t c) { return conflict(bits_of(c), one) != 0; });
  if (safe_class == kNone) return;
  class_chain chain = path_of(prev.class_idx, safe_class, false);
  chain.append(to_unsafe);
  report_bad_dependency(t, prev, next, safe_class, unsafe, sig, chain);
}

void signal_mask_changed(thread_state &t, uint64_t blocked) {
  const uint64_t opened = signals_with_handlers() & t.sig.blocked & ~blocked;
  t.sig.blocked = blocked;
  if (!opened || t.held.empty()) return;
  run_on_side_stack(t, [&] {
    graph_guard guard(graph_guard::yield_to_fork);
    if (!guard || !validator_enabled()) return;
    for (const held_lock &h : t.held) {
      usage_need n{};
      n.read = h.read == 2;
      n.held = opened;
      mark_locked(t, h, n, false);
    }
  });
}

}  // namespace lockdep
