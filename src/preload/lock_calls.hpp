// The shape every interposed lock call takes; one place for the rules:
// check before blocking, take back what failed, trylocks after success.
//
// The validator's re-entrancy guard (preload_entry) is up only while the
// validator works, never across the real call: a signal handler that runs
// while the thread blocks in the real call, and cancellation cleanup
// handlers (a forced unwind runs no destructor in this -fno-exceptions
// library), must find the thread checkable.
#pragma once

#include <pthread.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "core/fast_path.hpp"
#include "core/misuse.hpp"
#include "core/validator.hpp"
#include "lockdep/lockdep.h"
#include "preload_entry.hpp"

namespace lockdep::preload {

// One lock mode of one lock instance. Each instance is its own class, keyed
// by its address.
struct lock_mode {
  const void *lock;
  uint8_t read;  // 0 write, 1 read, 2 recursive read
  bool reentrant;
  bool destroyed = false;  // the lock itself says it was destroyed
};

// glibc's pthread_mutex_destroy() stores this kind, and pthread_mutex_init,
// PTHREAD_MUTEX_INITIALIZER and std::mutex's constructor overwrite it: a
// mutex that has it was destroyed and not initialised again, wherever it is
// (heap memory freed and not reused keeps it too).
constexpr int kDestroyedMutexKind = -1;

// A recursive mutex may be re-taken by its owner. Read from the mutex
// itself, so that statically initialised mutexes
// (PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP) need no init call to be known.
inline lock_mode mutex_mode(pthread_mutex_t *m) {
  constexpr int kKindMask = 3;  // glibc's PTHREAD_MUTEX_KIND_MASK_NP
  const int kind = m->__data.__kind;
  return {m, 0, (kind & kKindMask) == PTHREAD_MUTEX_RECURSIVE_NP, kind == kDestroyedMutexKind};
}

inline void acquire(thread_state &t, const lock_mode &m, bool trylock, uintptr_t ip) {
  acquire_request r{};
  r.instance = m.lock;
  r.key = m.lock;
  r.name = nullptr;  // named from its address when printed
  r.read = m.read;
  r.trylock = trylock;
  r.reentrant = m.reentrant;
  r.ip = ip;
  validator_acquire(t, r);
}

// A robust mutex whose owner died is still acquired. (A function object, so
// that it inlines where the lock calls take it as a parameter.)
struct acquired {
  bool operator()(int rc) const { return rc == 0 || rc == EOWNERDEAD; }
};

// The real call failed after the acquisition was recorded: take it back.
inline void undo_acquire(const void *lock, uintptr_t ip) {
  preload_entry e(ip);
  if (e) validator_undo_acquire(e.thread(), lock);
}

// The fast path (core/fast_path.hpp): true when the acquisition was pushed
// without the validator. Recursive mutexes take the full path, which knows
// re-takes.
__attribute__((always_inline)) inline bool fast_lock(const lock_mode &m, bool trylock,
                                                     uintptr_t ip) {
  if (__builtin_expect(m.destroyed || m.reentrant, 0)) return false;
  thread_state *t = fast_thread(ip);
  return t && fast_acquire(*t, m.lock, m.read, trylock, ip);
}

// The full paths, out of line: the fast paths then need no stack frame
// beyond what the real call needs.
template <class Call, class Succeeded>
__attribute__((noinline)) int blocking_lock_slow(const lock_mode &m, uintptr_t ip, Call &real_call,
                                                 Succeeded succeeded) {
  bool recorded = false;
  {
    preload_entry e(ip);
    if (e) {
      if (m.destroyed) {
        report_used_after_destroy(e.thread(), m.lock, ip);
      } else {
        acquire(e.thread(), m, false, ip);  // before blocking: a real deadlock is reported first
        recorded = true;
      }
    }
  }
  const int rc = real_call();
  if (recorded && !succeeded(rc)) undo_acquire(m.lock, ip);
  return rc;
}

template <class Call, class Succeeded = acquired>
int blocking_lock(const lock_mode &m, uintptr_t ip, Call &&real_call, Succeeded succeeded = {}) {
  if (__builtin_expect(!fast_lock(m, false, ip), 0))
    return blocking_lock_slow(m, ip, real_call, succeeded);
  const int rc = real_call();
  if (__builtin_expect(!succeeded(rc), 0)) undo_acquire(m.lock, ip);
  return rc;
}

__attribute__((noinline)) inline void try_lock_slow(const lock_mode &m, uintptr_t ip) {
  preload_entry e(ip);
  if (!e) return;
  if (m.destroyed)
    report_used_after_destroy(e.thread(), m.lock, ip);
  else
    acquire(e.thread(), m, true, ip);
}

template <class Call, class Succeeded = acquired>
int try_lock(const lock_mode &m, uintptr_t ip, Call &&real_call, Succeeded succeeded = {}) {
  const int rc = real_call();
  if (!m.destroyed && !succeeded(rc)) return rc;
  if (__builtin_expect(!fast_lock(m, true, ip), 0)) try_lock_slow(m, ip);
  return rc;
}

__attribute__((noinline)) inline void unlock_slow(const void *lock, uintptr_t ip, bool destroyed) {
  preload_entry e(ip);
  if (!e) return;
  if (destroyed)
    report_used_after_destroy(e.thread(), lock, ip);
  else
    validator_release(e.thread(), lock, nullptr, ip);
}

// True when the release was popped without the validator.
__attribute__((always_inline)) inline bool fast_unlock(const void *lock, uintptr_t ip) {
  thread_state *t = fast_thread_for_release(ip);
  return t && fast_release(*t, lock);
}

template <class Call>
int unlock(const void *lock, uintptr_t ip, Call &&real_call, bool destroyed = false) {
  if (__builtin_expect(destroyed || !fast_unlock(lock, ip), 0)) unlock_slow(lock, ip, destroyed);
  return real_call();
}

// init and destroy: whatever lock lived at this address is forgotten, so a
// new lock there starts clean; destroying a held lock is reported.
template <class Call>
int forget_then(const void *lock, size_t size, uintptr_t ip, Call &&real_call) {
  {
    preload_entry e(ip);
    if (e) {
      validator_forget_lock(e.thread(), lock, size);
      lock_reinitialised(lock);
    }
  }
  return real_call();
}

}  // namespace lockdep::preload
