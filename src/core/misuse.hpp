// Lock misuse that is not about lock order: locks used after destroy,
// condition variables waited on wrongly. The preload layer detects them;
// these print the reports.
#pragma once

#include <cstdint>

#include "core/thread_state.hpp"

namespace lockdep {

// Kinds for report_wanted(), after the validator's.
enum misuse_kind : uint32_t {
  kUsedAfterDestroy = 16,
  kCondWithoutMutex,
  kCondTwoMutexes,
};

// The lock at `lock` is (re)initialised or destroyed: a lock there is a new
// lock from now on, and its misuse is a new problem even at the same place.
void lock_reinitialised(const void *lock);
// The lock at this address in its current life (address and epoch).
uint64_t lock_identity(const void *lock);
// A held lock in its current life: its address, epoch and class.
uint64_t held_lock_identity(const held_lock &h);

// `lock` was destroyed and is used again (lock, trylock, unlock, wait).
void report_used_after_destroy(thread_state &t, const void *lock, uintptr_t ip);
// pthread_cond_*wait(cond, mutex) by a thread that does not hold `mutex`.
void report_cond_without_mutex(thread_state &t, const void *cond, const void *mutex, uintptr_t ip);
// A wait on `cond` with `mutex` while other threads wait on it with `other`.
void report_cond_two_mutexes(thread_state &t, const void *cond, const void *mutex,
                             const void *other, uintptr_t ip);

}  // namespace lockdep
