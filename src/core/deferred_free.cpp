#include "core/deferred_free.hpp"

#include "core/chain_cache.hpp"
#include "core/class_registry.hpp"
#include "core/config.hpp"
#include "core/graph_lock.hpp"
#include "core/rcu.hpp"
#include "support/bitmap.hpp"

namespace lockdep {
namespace {

struct pending_free {
  static_bitmap<kMaxClasses> classes;
  static_bitmap<kMaxChains> chains;
  uint32_t n_classes;
  uint32_t n_chains;
  bool empty() const { return n_classes == 0 && n_chains == 0; }
};

struct delayed_free_state {
  rcu_head head;
  pending_free pf[2];
  int index;       // pf[index] is open: zaps land there
  bool scheduled;  // a callback is in flight for pf[index ^ 1]
  // In a child after fork(): scheduled, but the callback was queued (or
  // about to be) in the parent's RCU worker, which the child does not have.
  bool requeue;
  uint64_t flips;       // index flips so far: flip n closed a bitmap
  uint64_t freed_flip;  // the bitmap closed by this flip, and every earlier one, is free
  uint64_t grace_periods;
};

delayed_free_state g_delayed;
free_observer g_observer;

// The observer sees at most this many slots per callback; tests need few.
constexpr uint32_t kObserved = 1u << 16;
uint32_t g_observed[kObserved];

void free_zapped_rcu(rcu_head *) {
  // The guard's destructor re-queues this callback, after the graph lock is
  // dropped, when the open bitmap filled while this one was in flight.
  graph_guard guard;
  pending_free &closed = g_delayed.pf[g_delayed.index ^ 1];
  uint32_t n_observed = 0;
  if (g_observer)
    closed.classes.for_each_set([&](uint32_t i) {
      if (n_observed < kObserved) g_observed[n_observed++] = i;
    });
  release_class_slots(closed.classes);
  release_chain_slots(closed.chains);
  closed.n_classes = 0;
  closed.n_chains = 0;
  g_delayed.scheduled = false;
  g_delayed.freed_flip = g_delayed.flips;
  ++g_delayed.grace_periods;
  if (g_observer) g_observer(g_delayed.grace_periods, g_observed, n_observed);
}

}  // namespace

void defer_free_class(uint32_t class_idx) {
  pending_free &open = g_delayed.pf[g_delayed.index];
  open.classes.set(class_idx);
  ++open.n_classes;
}

void defer_free_chain(uint32_t chain_idx) {
  pending_free &open = g_delayed.pf[g_delayed.index];
  open.chains.set(chain_idx);
  ++open.n_chains;
}

uint32_t pending_class_count() { return g_delayed.pf[0].n_classes + g_delayed.pf[1].n_classes; }
uint32_t pending_chain_count() { return g_delayed.pf[0].n_chains + g_delayed.pf[1].n_chains; }

bool prepare_free_callback() {
  if (g_delayed.requeue) {
    g_delayed.requeue = false;
    return true;
  }
  if (g_delayed.scheduled || g_delayed.pf[g_delayed.index].empty()) return false;
  g_delayed.scheduled = true;
  g_delayed.index ^= 1;
  ++g_delayed.flips;
  return true;
}

void queue_free_callback() { rcu_call(&g_delayed.head, free_zapped_rcu); }

void deferred_free_after_fork_child() {
  if (g_delayed.scheduled) g_delayed.requeue = true;
}

void deferred_free_barrier() {
  uint64_t target;
  {
    // Zaps in the open bitmap are freed by the callback of the next flip
    // (this guard's release schedules it if none is in flight), the
    // closed one's by the callback in flight.
    graph_guard guard;
    target = g_delayed.flips + (g_delayed.pf[g_delayed.index].empty() ? 0 : 1);
  }
  for (;;) {
    {
      graph_guard guard;
      if (g_delayed.freed_flip >= target) return;
    }
    // The callback re-arms from inside itself, so a barrier queued before
    // the re-armed callback returns first: wait again.
    rcu_barrier();
  }
}

uint64_t grace_periods_completed() {
  graph_guard guard;
  return g_delayed.grace_periods;
}

void set_free_observer(free_observer fn) {
  graph_guard guard;
  g_observer = fn;
}

}  // namespace lockdep
