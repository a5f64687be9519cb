// The shape every interposed lock call takes; one place for the rules:
// check before blocking, take back what failed, trylocks after success.
#pragma once

#include <pthread.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

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
};

// A recursive mutex may be re-taken by its owner. Read from the mutex
// itself, so that statically initialised mutexes
// (PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP) need no init call to be known.
inline lock_mode mutex_mode(pthread_mutex_t *m) {
  constexpr int kKindMask = 3;  // glibc's PTHREAD_MUTEX_KIND_MASK_NP
  return {m, 0, (m->__data.__kind & kKindMask) == PTHREAD_MUTEX_RECURSIVE_NP};
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

// A robust mutex whose owner died is still acquired.
inline bool acquired(int rc) { return rc == 0 || rc == EOWNERDEAD; }

template <class Call>
int blocking_lock(const lock_mode &m, uintptr_t ip, Call &&real_call) {
  preload_entry e(ip);
  if (!e) return real_call();
  acquire(e.thread(), m, false, ip);  // before blocking: a real deadlock is reported first
  const int rc = real_call();
  if (!acquired(rc)) validator_undo_acquire(e.thread(), m.lock);
  return rc;
}

template <class Call>
int try_lock(const lock_mode &m, uintptr_t ip, Call &&real_call) {
  preload_entry e(ip);
  const int rc = real_call();
  if (e && acquired(rc)) acquire(e.thread(), m, true, ip);
  return rc;
}

template <class Call>
int unlock(const void *lock, uintptr_t ip, Call &&real_call) {
  preload_entry e(ip);
  if (e) validator_release(e.thread(), lock, nullptr, ip);
  return real_call();
}

// init and destroy: whatever lock lived at this address is forgotten, so a
// new lock there starts clean; destroying a held lock is reported.
template <class Call>
int forget_then(const void *lock, size_t size, uintptr_t ip, Call &&real_call) {
  preload_entry e(ip);
  if (e) validator_forget_lock(e.thread(), lock, size);
  return real_call();
}

}  // namespace lockdep::preload
