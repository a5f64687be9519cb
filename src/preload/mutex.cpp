// pthread_mutex_*: and so std::mutex, std::recursive_mutex, std::timed_mutex.
#include <pthread.h>

#include "lock_calls.hpp"
#include "real_functions.hpp"
#include "site_class.hpp"

using namespace lockdep::preload;

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
  return blocking_lock(mutex_mode(m), LOCKDEP_CALLER, [&] {
    auto fn = LOCKDEP_REAL(mutex_lock);
    return fn ? fn(m) : 0;  // only while dlsym() bootstraps, single-threaded
  });
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
  return unlock(
      m, LOCKDEP_CALLER,
      [&] {
        auto fn = LOCKDEP_REAL(mutex_unlock);
        return fn ? fn(m) : 0;
      },
      mutex_mode(m).destroyed);
}

}  // extern "C"
