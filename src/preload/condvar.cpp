// pthread_cond_*wait: the mutex is released for the wait and taken again
// after it. Both are recorded before the real wait, so that re-taking the
// mutex while holding other locks is checked before it can block.
#include <pthread.h>

#include "lock_calls.hpp"
#include "real_functions.hpp"

using namespace lockdep::preload;

namespace {

template <class Call>
int wait(pthread_mutex_t *m, uintptr_t ip, Call &&real_call) {
  preload_entry e(ip);
  if (e) {
    lockdep::validator_release(e.thread(), m, nullptr, ip);
    acquire(e.thread(), mutex_mode(m), false, ip);
  }
  return real_call();
}

}  // namespace

// Programs bind to pthread_cond_*@GLIBC_2.3.2; an unversioned definition
// here satisfies that reference, and we call the same version onwards.
extern "C" {

LOCKDEP_API int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  return wait(m, LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(cond_wait)(c, m); });
}

LOCKDEP_API int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                       const struct timespec *abstime) {
  return wait(m, LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(cond_timedwait)(c, m, abstime); });
}

LOCKDEP_API int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                                       const struct timespec *abstime) {
  return wait(m, LOCKDEP_CALLER,
              [&] { return LOCKDEP_REAL(cond_clockwait)(c, m, clock, abstime); });
}

}  // extern "C"
