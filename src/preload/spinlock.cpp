// pthread_spin_*.
#include <pthread.h>

#include "lock_calls.hpp"
#include "real_functions.hpp"
#include "site_class.hpp"

using namespace lockdep::preload;

namespace {
// pthread_spinlock_t is a volatile int; the lock is known by its address.
const void *addr(pthread_spinlock_t *s) { return const_cast<const int *>(s); }
}  // namespace

extern "C" {

LOCKDEP_API int pthread_spin_init(pthread_spinlock_t *s, int pshared) {
  note_lock_init(addr(s), LOCKDEP_CALLER);
  return forget_then(addr(s), sizeof *s, LOCKDEP_CALLER,
                     [&] { return LOCKDEP_REAL(spin_init)(s, pshared); });
}

LOCKDEP_API int pthread_spin_destroy(pthread_spinlock_t *s) {
  note_lock_destroy(addr(s));
  return forget_then(addr(s), sizeof *s, LOCKDEP_CALLER,
                     [&] { return LOCKDEP_REAL(spin_destroy)(s); });
}

LOCKDEP_API int pthread_spin_lock(pthread_spinlock_t *s) {
  return blocking_lock({addr(s), 0, false}, LOCKDEP_CALLER,
                       [&] { return LOCKDEP_REAL(spin_lock)(s); });
}

LOCKDEP_API int pthread_spin_trylock(pthread_spinlock_t *s) {
  return try_lock({addr(s), 0, false}, LOCKDEP_CALLER,
                  [&] { return LOCKDEP_REAL(spin_trylock)(s); });
}

LOCKDEP_API int pthread_spin_unlock(pthread_spinlock_t *s) {
  return unlock(addr(s), LOCKDEP_CALLER, [&] { return LOCKDEP_REAL(spin_unlock)(s); });
}

}  // extern "C"
