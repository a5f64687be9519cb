// C11 <threads.h>: mtx_* and cnd_*. glibc implements them on its internal
// __pthread_* functions, which interposing the pthread names never sees, so
// they are interposed themselves. An mtx_t is a pthread_mutex_t, a cnd_t a
// pthread_cond_t; results are thrd_* codes.
#include <threads.h>

#include "condvar.hpp"
#include "lock_calls.hpp"
#include "real_functions.hpp"
#include "site_class.hpp"

using namespace lockdep::preload;

namespace {

pthread_mutex_t *as_pthread(mtx_t *m) { return reinterpret_cast<pthread_mutex_t *>(m); }
pthread_cond_t *as_pthread(cnd_t *c) { return reinterpret_cast<pthread_cond_t *>(c); }

struct locked {
  bool operator()(int rc) const { return rc == thrd_success; }
};
struct retaken {
  bool operator()(int rc) const { return rc == thrd_success || rc == thrd_timedout; }
};

}  // namespace

extern "C" {

LOCKDEP_API int mtx_init(mtx_t *m, int type) {
  note_lock_init(m, LOCKDEP_CALLER);
  return forget_then(m, sizeof *m, LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(mtx_init)(m, type); });
}

LOCKDEP_API void mtx_destroy(mtx_t *m) {
  note_lock_destroy(m);
  forget_then(m, sizeof *m, LOCKDEP_CALLER, [&] {
    LOCKDEP_REAL(mtx_destroy)(m);
    return 0;
  });
}

LOCKDEP_API int mtx_lock(mtx_t *m) {
  return blocking_lock(
      mutex_mode(as_pthread(m)), LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(mtx_lock)(m); },
      locked{});
}

LOCKDEP_API int mtx_timedlock(mtx_t *__restrict m, const struct timespec *__restrict t) {
  return blocking_lock(
      mutex_mode(as_pthread(m)), LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(mtx_timedlock)(m, t); },
      locked{});
}

LOCKDEP_API int mtx_trylock(mtx_t *m) {
  return try_lock(
      mutex_mode(as_pthread(m)), LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(mtx_trylock)(m); },
      locked{});
}

LOCKDEP_API int mtx_unlock(mtx_t *m) {
  return unlock(
      m, LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(mtx_unlock)(m); },
      mutex_mode(as_pthread(m)).destroyed);
}

LOCKDEP_API int cnd_wait(cnd_t *c, mtx_t *m) {
  return checked_wait(as_pthread(c), as_pthread(m), LOCKDEP_CALLER, retaken{},
                      [&] { return LOCKDEP_REAL(cnd_wait)(c, m); });
}

LOCKDEP_API int cnd_timedwait(cnd_t *__restrict c, mtx_t *__restrict m,
                              const struct timespec *__restrict t) {
  auto real = [&] { return LOCKDEP_REAL(cnd_timedwait)(c, m, t); };
  if (wait_would_fail_at_once(t, CLOCK_REALTIME)) return real();
  return checked_wait(as_pthread(c), as_pthread(m), LOCKDEP_CALLER, retaken{}, real);
}

}  // extern "C"
