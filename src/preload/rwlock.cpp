// pthread_rwlock_*: and so std::shared_mutex, std::shared_timed_mutex.
#include <pthread.h>

#include "lock_calls.hpp"
#include "real_functions.hpp"
#include "site_class.hpp"

using namespace lockdep::preload;

namespace {

// glibc's default rwlock lets a reader in while a writer waits, so its
// readers are recursive: read-read orders cannot deadlock. Only the
// writer-preferring kind makes readers queue behind writers.
lock_mode read_mode(pthread_rwlock_t *rw) {
  const bool writers_first = rw->__data.__flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP;
  return {rw, static_cast<uint8_t>(writers_first ? 1 : 2), false};
}
lock_mode write_mode(pthread_rwlock_t *rw) { return {rw, 0, false}; }

}  // namespace

extern "C" {

LOCKDEP_API int pthread_rwlock_init(pthread_rwlock_t *rw, const pthread_rwlockattr_t *attr) {
  note_lock_init(rw, LOCKDEP_CALLER);
  return forget_then(rw, sizeof *rw, LOCKDEP_CALLER,
                     [&] { return LOCKDEP_REAL(rwlock_init)(rw, attr); });
}

LOCKDEP_API int pthread_rwlock_destroy(pthread_rwlock_t *rw) {
  note_lock_destroy(rw);
  return forget_then(rw, sizeof *rw, LOCKDEP_CALLER,
                     [&] { return LOCKDEP_REAL(rwlock_destroy)(rw); });
}

LOCKDEP_API int pthread_rwlock_rdlock(pthread_rwlock_t *rw) {
  return blocking_lock(read_mode(rw), LOCKDEP_CALLER,
                       [&] { return LOCKDEP_REAL(rwlock_rdlock)(rw); });
}

LOCKDEP_API int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw) {
  return try_lock(read_mode(rw), LOCKDEP_CALLER,
                  [&] { return LOCKDEP_REAL(rwlock_tryrdlock)(rw); });
}

LOCKDEP_API int pthread_rwlock_timedrdlock(pthread_rwlock_t *rw, const struct timespec *t) {
  return blocking_lock(read_mode(rw), LOCKDEP_CALLER,
                       [&] { return LOCKDEP_REAL(rwlock_timedrdlock)(rw, t); });
}

LOCKDEP_API int pthread_rwlock_clockrdlock(pthread_rwlock_t *rw, clockid_t c,
                                           const struct timespec *t) {
  return blocking_lock(read_mode(rw), LOCKDEP_CALLER,
                       [&] { return LOCKDEP_REAL(rwlock_clockrdlock)(rw, c, t); });
}

LOCKDEP_API int pthread_rwlock_wrlock(pthread_rwlock_t *rw) {
  return blocking_lock(write_mode(rw), LOCKDEP_CALLER,
                       [&] { return LOCKDEP_REAL(rwlock_wrlock)(rw); });
}

LOCKDEP_API int pthread_rwlock_trywrlock(pthread_rwlock_t *rw) {
  return try_lock(write_mode(rw), LOCKDEP_CALLER,
                  [&] { return LOCKDEP_REAL(rwlock_trywrlock)(rw); });
}

LOCKDEP_API int pthread_rwlock_timedwrlock(pthread_rwlock_t *rw, const struct timespec *t) {
  return blocking_lock(write_mode(rw), LOCKDEP_CALLER,
                       [&] { return LOCKDEP_REAL(rwlock_timedwrlock)(rw, t); });
}

LOCKDEP_API int pthread_rwlock_clockwrlock(pthread_rwlock_t *rw, clockid_t c,
                                           const struct timespec *t) {
  return blocking_lock(write_mode(rw), LOCKDEP_CALLER,
                       [&] { return LOCKDEP_REAL(rwlock_clockwrlock)(rw, c, t); });
}

LOCKDEP_API int pthread_rwlock_unlock(pthread_rwlock_t *rw) {
  return unlock(rw, LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(rwlock_unlock)(rw); });
}

}  // extern "C"
