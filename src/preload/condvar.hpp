// Condition variable waits, shared by the pthread and C11 forms.
#pragma once

#include <pthread.h>
#include <time.h>

#include <cstdint>

#include "lock_calls.hpp"

namespace lockdep::preload {

// The wait fails with EINVAL before it touches the mutex: the held-lock
// state must not change.
bool wait_would_fail_at_once(const timespec *abstime, clockid_t clock);

// Checks the wait and records the mutex released and taken again; false
// when nothing was recorded.
bool before_wait(pthread_cond_t *c, pthread_mutex_t *m, uintptr_t ip);

// After cancellation in the wait, glibc has taken the mutex again before the
// cleanup handlers run, as recorded: nothing to undo then.
template <class Retaken, class Call>
int checked_wait(pthread_cond_t *c, pthread_mutex_t *m, uintptr_t ip, Retaken retaken,
                 Call &&real_call) {
  const bool recorded = before_wait(c, m, ip);
  const int rc = real_call();  // the guard is down: see lock_calls.hpp
  if (recorded && !retaken(rc)) undo_acquire(m, ip);
  return rc;
}

}  // namespace lockdep::preload
