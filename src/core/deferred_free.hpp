// Freeing class and chain slots after a grace period, without waiting and
// without allocating (the seed: two pending bitmaps, an index and one
// statically allocated rcu_head).
//
// zap_class() parks a slot in the pending bitmap chosen by the index. When
// that bitmap has entries and no callback is in flight, the index flips (so
// later zaps go to the other bitmap) and call_rcu() is queued. After a full
// grace period the callback moves the closed bitmap into the free bitmaps
// and, if the open one filled meanwhile, flips again and re-queues itself.
// Every slot therefore waits at least one full grace period, nobody calls
// synchronize_rcu(), and one rcu_head suffices because at most one callback
// is in flight.
#pragma once

#include <cstdint>

namespace lockdep {

// Under the graph lock.
void defer_free_class(uint32_t class_idx);
void defer_free_chain(uint32_t chain_idx);
uint32_t pending_class_count();
uint32_t pending_chain_count();

// Under the graph lock: flips the index and marks a callback scheduled when
// one is needed. The caller must then drop the graph lock and call
// queue_free_callback().
bool prepare_free_callback();
void queue_free_callback();

uint64_t grace_periods_completed();

// lockdep_barrier(): returns when every class and chain zapped before the
// call is free, through the callback in flight and the one it re-arms.
// Never with the graph lock held, nor inside a read-side section: it waits
// for grace periods, and the callback takes the graph lock.
void deferred_free_barrier();

// fork(), in the child, under the graph lock: a callback that was in
// flight in the parent is queued again at the next graph lock release.
void deferred_free_after_fork_child();

// Tests observe which slots each callback freed.
using free_observer = void (*)(uint64_t grace_period, const uint32_t *classes, uint32_t n_classes);
void set_free_observer(free_observer fn);

}  // namespace lockdep
