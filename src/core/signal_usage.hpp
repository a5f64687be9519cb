// Signal-handler safety, checked the way the kernel's lockdep checks
// interrupt safety (mark_lock(), valid_state(), check_irq_usage()).
//
// Per lock class and per signal S, four usage bits:
//   IN-S-W / IN-S-R  taken (write / recursive read) in a handler for S
//   S-ON-W / S-ON-R  held (write / recursive read) while S could be
//                    delivered: not blocked, and a handler installed
// A class with IN-S and S-ON, unless both are reads, deadlocks when S
// arrives while the thread holds it: "inconsistent lock state". A class
// with IN-S held while taking, directly or through a chain of dependencies,
// a class with S-ON deadlocks across two threads: "signal-safe ->
// signal-unsafe lock order".
//
// The hot path tests the bits with a load and a mask test; only a bit not
// yet set goes to the slow path (under the graph lock), which records where
// it was first seen and checks the rules.
//
// A successful trylock in a handler does not set IN-S: the deadlock needs
// the handler to block on the lock, and a trylock returns EBUSY instead
// (the kernel marks trylocks too, being conservative about code that spins
// on them). It is still held afterwards, so it sets S-ON for the signals
// that could interrupt the handler, and dependencies from it are recorded.
#pragma once

#include <cstdint>

#include "core/config.hpp"
#include "core/thread_state.hpp"

namespace lockdep {

enum signal_usage_bit : uint32_t { kUsedIn, kUsedInRead, kHeldOn, kHeldOnRead, kUsageBits };

struct class_signal_usage {
  uint64_t bits[kUsageBits];  // per signal_usage_bit, a mask of signals
  uint32_t generation;        // the class life the bits belong to
};

extern class_signal_usage g_signal_usage[kMaxClasses];

// The usage bits an acquisition of `h` would set, given the thread's
// signal context: `deliverable` = deliverable_signals(t.sig).
struct usage_need {
  uint64_t used, held;  // masks of signals
  uint32_t read;        // 1: a recursive reader (the -R bits)
};

inline usage_need usage_of(const thread_state &t, const held_lock &h, uint64_t deliverable) {
  usage_need n;
  n.read = h.read == 2;
  n.used = t.sig.current && !h.trylock ? signal_bit(t.sig.current) : 0;
  n.held = deliverable;
  return n;
}

// Hot path: does this acquisition set a usage bit that is not set yet?
// Outside handlers with no handled signal deliverable, one load and a test.
inline bool signal_usage_unmarked(const thread_state &t, const held_lock &h) {
  const uint64_t deliverable = deliverable_signals(t.sig);
  if (__builtin_expect(!(deliverable | static_cast<uint64_t>(t.sig.current)), 1)) return false;
  const usage_need n = usage_of(t, h, deliverable);
  const class_signal_usage &u = g_signal_usage[h.class_idx];
  if (__atomic_load_n(&u.generation, __ATOMIC_ACQUIRE) != h.class_generation) return true;
  return (n.used & ~__atomic_load_n(&u.bits[kUsedIn + n.read], __ATOMIC_RELAXED)) |
         (n.held & ~__atomic_load_n(&u.bits[kHeldOn + n.read], __ATOMIC_RELAXED));
}

// Slow path: sets the new bits of acquiring `h` (not pushed yet), records
// where they were first seen, and reports what they break.
void mark_signal_usage(thread_state &t, const held_lock &h);

// A new dependency prev -> next was recorded (under the graph lock): does it
// connect a class used in a handler for S to one held with S deliverable?
void check_signal_dependency(thread_state &t, const held_lock &prev, const held_lock &next);

// The thread's blocked mask becomes `blocked` (pthread_sigmask, sigsuspend,
// siglongjmp); the locks it holds become held with the signals that turned
// deliverable. From inside a validator_entry when the thread holds locks.
void signal_mask_changed(thread_state &t, uint64_t blocked);

// Whether a mask change needs signal_mask_changed()'s slow work.
inline bool signal_mask_opens(const thread_state &t, uint64_t blocked) {
  return !t.held.empty() && (signals_with_handlers() & t.sig.blocked & ~blocked);
}

}  // namespace lockdep
