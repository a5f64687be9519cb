// The validator's own RCU, private to liblockdep (hidden symbols): a host
// that uses liburcu itself, with any flavour and its fork protocol, shares
// nothing with it, and cannot stall the validator's grace periods.
//
// Readers need no registration by the host and never allocate: a thread
// claims one slot of a static array on its first read-side section (found
// again through one initial-exec TLS pointer) and gives it back at thread
// exit; when every slot is taken it falls back to a shared counter pair.
// A read-side section costs a TLS access and plain stores ordered by
// compiler barriers: the writer side orders them with
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED). Without membarrier the
// readers use full fences; under ThreadSanitizer, seq_cst atomics.
//
// Grace periods are detected by the writer side only, on a worker thread of
// our own started lazily by rcu_call(): nothing polls, and after fork() the
// child simply starts it again.
//
// liburcu stays in use for its header-only parts (barriers, uatomic, the
// RCU-safe hlist with rcu_dereference/rcu_assign_pointer inlined under
// _LGPL_SOURCE), which need no symbol of its shared libraries.
#pragma once

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#include <urcu/arch.h>
#include <urcu/rcuhlist.h>

#include <atomic>
#include <cstdint>

namespace lockdep {

struct rcu_slot;

// The calling thread's reader state (initial-exec TLS: 16 bytes).
struct rcu_reader {
  rcu_slot *slot;    // claimed slot, or nullptr (not claimed yet, or none free)
  uint32_t nesting;  // read-side sections entered and not left
  int16_t overflow;  // counter index used by a thread without a slot, or -1
  uint16_t retry;    // without a slot: sections until the next claim attempt
};

extern constinit thread_local rcu_reader t_rcu_reader __attribute__((tls_model("initial-exec")));

// One slot per reading thread, on its own cache line.
struct alignas(64) rcu_slot {
  // 0 outside a read-side section; inside, the grace-period epoch read at
  // its start. Written only by the owner.
  std::atomic<uint64_t> active;
  std::atomic<int32_t> owner;  // kernel tid of the owner, 0 when free
};

extern std::atomic<uint64_t> g_rcu_epoch;
// Set once membarrier(PRIVATE_EXPEDITED) is registered: readers may then
// order their slot stores with compiler barriers only.
extern std::atomic<bool> g_rcu_membarrier;

void rcu_read_lock_slow(rcu_reader &r);
void rcu_read_unlock_slow(rcu_reader &r);

// Not for signal handlers that interrupt a read-side section between the
// nesting count and the slot store: the validator never gets here from one,
// as its recursion guard is raised before any read-side section.
inline void rcu_read_lock() {
  rcu_reader &r = t_rcu_reader;
  if (r.nesting++ != 0) return;
  rcu_slot *s = r.slot;
  if (__builtin_expect(s == nullptr, 0)) return rcu_read_lock_slow(r);
#if defined(__SANITIZE_THREAD__)
  s->active.store(g_rcu_epoch.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
#else
  s->active.store(g_rcu_epoch.load(std::memory_order_acquire), std::memory_order_relaxed);
  // The slot store before the section's loads: the writer's membarrier
  // supplies the fence; without it, a real one.
  if (__builtin_expect(g_rcu_membarrier.load(std::memory_order_relaxed), 1))
    std::atomic_signal_fence(std::memory_order_seq_cst);
  else
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

inline void rcu_read_unlock() {
  rcu_reader &r = t_rcu_reader;
  if (--r.nesting != 0) return;
  rcu_slot *s = r.slot;
  if (__builtin_expect(s == nullptr, 0)) return rcu_read_unlock_slow(r);
#if defined(__SANITIZE_THREAD__)
  s->active.store(0, std::memory_order_seq_cst);
#else
  if (__builtin_expect(g_rcu_membarrier.load(std::memory_order_relaxed), 1))
    std::atomic_signal_fence(std::memory_order_seq_cst);
  else
    std::atomic_thread_fence(std::memory_order_seq_cst);
  s->active.store(0, std::memory_order_release);
#endif
}

struct rcu_read_guard {
  rcu_read_guard() { rcu_read_lock(); }
  ~rcu_read_guard() { rcu_read_unlock(); }
  rcu_read_guard(const rcu_read_guard &) = delete;
  rcu_read_guard &operator=(const rcu_read_guard &) = delete;
};

// A callback queued with rcu_call(): caller-owned storage, no allocation.
struct rcu_head {
  rcu_head *next;
  void (*func)(rcu_head *);
};

// Runs `func(head)` on the RCU worker after a full grace period. Never
// waits; may be called inside a read-side section. Must not be called with
// the graph lock held (it may start the worker thread).
void rcu_call(rcu_head *head, void (*func)(rcu_head *));

// Waits until every callback queued before the call has run. Never inside
// a read-side section, never with the graph lock held.
void rcu_barrier();

// Waits for a full grace period (tests; the worker uses it).
void rcu_synchronize();

// Grace periods completed since start, and reader slots held (tests).
uint64_t rcu_grace_periods();
uint32_t rcu_slots_in_use();
inline constexpr uint32_t kRcuSlots = 1024;

// fork(): called by core/fork.cpp. In the child, every slot but the calling
// thread's is released, the queue is emptied (its callbacks belonged to
// the parent's worker, which does not exist here: their owners re-queue),
// and the worker will be started again on demand.
void rcu_after_fork_child();

// Early set-up (library constructor): the thread-exit key and membarrier.
void rcu_init();

}  // namespace lockdep
