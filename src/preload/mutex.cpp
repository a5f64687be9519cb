// pthread_mutex_*: and so std::mutex, std::recursive_mutex, std::timed_mutex.
#include <pthread.h>

#include "lock_calls.hpp"
#include "real_functions.hpp"
#include "site_class.hpp"

using namespace lockdep::preload;

namespace {

// The full paths, out of line: the fast paths below then need no frame.
__attribute__((noinline)) int mutex_lock_full(pthread_mutex_t *m, uintptr_t ip) {
  return blocking_lock(mutex_mode(m), ip, [&] {
    auto fn = LOCKDEP_REAL(mutex_lock);
    return fn ? fn(m) : 0;  // only while dlsym() bootstraps, single-threaded
  });
}

__attribute__((noinline)) int mutex_unlock_full(pthread_mutex_t *m, uintptr_t ip) {
  return unlock(
      m, ip,
      [&] {
        auto fn = LOCKDEP_REAL(mutex_unlock);
        return fn ? fn(m) : 0;
      },
      mutex_mode(m).destroyed);
}

}  // namespace

extern "C" {

LOCKDEP_API int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr) {
  note_lock_init(m, LOCKDEP_CALLER);
  return forget_then(m, sizeof *m, LOCKDEP_CALLER,
                     [&] { return LOCKDEP_REAL(mutex_init)(m, attr); });
}

LOCKDEP_API int pthread_mutex_destroy(pthread_mutex_t *m) {
  note_lock_destroy(m);
  return forget_then(m, sizeof *m, LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(mutex_destroy)(m); });
}

LOCKDEP_API int pthread_mutex_lock(pthread_mutex_t *m) {
  // A normal or adaptive mutex (std::mutex's kind) cannot fail to lock, so
  // on the fast path nothing is left to do after the real call: a tail call,
  // and no stack frame.
  const uintptr_t ip = LOCKDEP_CALLER;
  const int kind = m->__data.__kind;
  auto fn = g_real.mutex_lock;
  if (__builtin_expect((kind == PTHREAD_MUTEX_NORMAL || kind == PTHREAD_MUTEX_ADAPTIVE_NP) && fn &&
                           fast_lock({m, 0, false}, false, ip),
                       1))
    return fn(m);
  return mutex_lock_full(m, ip);
}

LOCKDEP_API int pthread_mutex_trylock(pthread_mutex_t *m) {
  return try_lock(mutex_mode(m), LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(mutex_trylock)(m); });
}

LOCKDEP_API int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime) {
  return blocking_lock(mutex_mode(m), LOCKDEP_CALLER,
                       [&] { return LOCKDEP_REAL(mutex_timedlock)(m, abstime); });
}

LOCKDEP_API int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
                                        const struct timespec *abstime) {
  return blocking_lock(mutex_mode(m), LOCKDEP_CALLER,
                       [&] { return LOCKDEP_REAL(mutex_clocklock)(m, clock, abstime); });
}

LOCKDEP_API int pthread_mutex_unlock(pthread_mutex_t *m) {
  const uintptr_t ip = LOCKDEP_CALLER;
  auto fn = g_real.mutex_unlock;
  if (__builtin_expect(fn && m->__data.__kind != kDestroyedMutexKind && fast_unlock(m, ip), 1))
    return fn(m);
  return mutex_unlock_full(m, ip);
}

}  // extern "C"
