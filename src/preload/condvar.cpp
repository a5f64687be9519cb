// pthread_cond_*wait: the mutex is released for the wait and taken again
// after it. Both are recorded before the real wait, so that re-taking the
// mutex while holding other locks is checked before it can block.
#include "condvar.hpp"

#include <pthread.h>

#include <atomic>

#include "real_functions.hpp"

namespace lockdep::preload {
namespace {

// Which mutex the waiters of a condition variable use: a direct-mapped
// table, so a collision forgets a binding (a missed report), never invents
// one. glibc counts a condvar's waiters itself (__wrefs), so a binding is
// only compared while other threads are really waiting.
struct cond_binding {
  std::atomic<uint32_t> busy;
  const void *cond;
  const void *mutex;
};
constexpr uint32_t kBindingBits = 12;
cond_binding g_bindings[1u << kBindingBits];

bool others_waiting(const pthread_cond_t *c) {
  constexpr unsigned kWaiterShift = 3;  // glibc: each waiter adds 8 to __wrefs
  return __atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) >> kWaiterShift;
}

// Binds `c` to `m`; returns the other mutex when threads wait on `c` with
// another one now.
const void *bind(const pthread_cond_t *c, const void *m) {
  const bool waiting = others_waiting(c);
  const uint64_t h = reinterpret_cast<uintptr_t>(c) * 0x9E3779B97F4A7C15ull;
  cond_binding &b = g_bindings[h >> (64 - kBindingBits)];
  while (b.busy.exchange(1, std::memory_order_acquire)) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  const void *other = waiting && b.cond == c && b.mutex != m ? b.mutex : nullptr;
  if (!other) {  // on a conflict, the binding of the threads already waiting stays
    b.cond = c;
    b.mutex = m;
  }
  b.busy.store(0, std::memory_order_release);
  return other;
}

// glibc checks these before it releases the mutex, and fails with EINVAL.
bool valid_wait_time(const timespec *abstime) {
  return !abstime || (abstime->tv_nsec >= 0 && abstime->tv_nsec < 1000000000);
}

}  // namespace

bool wait_would_fail_at_once(const timespec *abstime, clockid_t clock) {
  return !valid_wait_time(abstime) || (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC);
}

bool before_wait(pthread_cond_t *c, pthread_mutex_t *m, uintptr_t ip) {
  preload_entry e(ip);
  if (!e) return false;
  thread_state &t = e.thread();
  const lock_mode mode = mutex_mode(m);
  if (mode.destroyed) {
    report_used_after_destroy(t, m, ip);
    return false;
  }
  if (const void *other = bind(c, m)) report_cond_two_mutexes(t, c, m, other, ip);
  // Not held: the real wait unlocks a mutex the thread does not own (an
  // error-checking mutex refuses with EPERM) and takes it after the wait.
  if (validator_holds(t, m))
    validator_release(t, m, nullptr, ip);
  else
    report_cond_without_mutex(t, c, m, ip);
  acquire(t, mode, false, ip);
  return true;
}

}  // namespace lockdep::preload

using namespace lockdep::preload;

namespace {

struct retaken {
  bool operator()(int rc) const { return rc == 0 || rc == ETIMEDOUT || rc == EOWNERDEAD; }
};

}  // namespace

// Programs bind to pthread_cond_*@GLIBC_2.3.2; an unversioned definition
// here satisfies that reference, and we call the same version onwards.
extern "C" {

LOCKDEP_API int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  return checked_wait(c, m, LOCKDEP_CALLER, retaken{},
                      [&] { return LOCKDEP_REAL(cond_wait)(c, m); });
}

LOCKDEP_API int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                       const struct timespec *abstime) {
  auto real = [&] { return LOCKDEP_REAL(cond_timedwait)(c, m, abstime); };
  if (wait_would_fail_at_once(abstime, CLOCK_REALTIME)) return real();
  return checked_wait(c, m, LOCKDEP_CALLER, retaken{}, real);
}

LOCKDEP_API int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                                       const struct timespec *abstime) {
  auto real = [&] { return LOCKDEP_REAL(cond_clockwait)(c, m, clock, abstime); };
  if (wait_would_fail_at_once(abstime, clock)) return real();
  return checked_wait(c, m, LOCKDEP_CALLER, retaken{}, real);
}

}  // extern "C"
