// The validator: what happens on acquire and release. Callers enter through
// validator_entry (see thread_state.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/thread_state.hpp"

namespace lockdep {

struct acquire_request {
  const void *instance;  // identifies the held lock (the lockdep_map)
  const void *key;       // class key
  const char *name;
  uint32_t subclass;
  uint8_t read;  // 0 write, 1 read, 2 recursive read
  bool trylock;
  bool reentrant;
  uintptr_t ip;
};

// Checks the acquisition against the graph (before the caller blocks) and
// pushes it on the thread's held stack.
void validator_acquire(thread_state &t, const acquire_request &r);
// Pops `instance`; a lock that is not held is a bad unlock.
void validator_release(thread_state &t, const void *instance, const char *name, uintptr_t ip);
bool validator_holds(const thread_state &t, const void *instance);

// The real lock call failed after validator_acquire(): take it back, silently.
void validator_undo_acquire(thread_state &t, const void *instance);

// Memory [lo, hi) is being released (destroy, free, munmap): a lock held
// there is reported, and every class keyed inside is zapped, so that a new
// lock at the same address starts clean. `what` names the operation.
void validator_forget_range(thread_state &t, uintptr_t lo, uintptr_t hi);

// The lock at `lock` (of `size` bytes) is destroyed or re-initialised: as
// validator_forget_range(), but its class is known by its address.
void validator_forget_lock(thread_state &t, const void *lock, size_t size);

// The thread is exiting: report the locks it still holds.
void validator_thread_exit(thread_state &t);

uint64_t chain_cache_misses();

// Tests: called on a chain cache miss between the class lookup and taking
// the graph lock, where a racing unregistration can land.
void set_before_validate_hook(void (*fn)());

}  // namespace lockdep
