// The functions the preload layer interposes, as the next object in the
// lookup order (normally glibc) defines them.
#pragma once

#include <pthread.h>
#include <sys/types.h>
#include <threads.h>
#include <time.h>

namespace lockdep::preload {

struct real_functions {
  int (*mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *);
  int (*mutex_lock)(pthread_mutex_t *);
  int (*mutex_trylock)(pthread_mutex_t *);
  int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
  int (*mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
  int (*mutex_unlock)(pthread_mutex_t *);
  int (*mutex_destroy)(pthread_mutex_t *);

  int (*rwlock_init)(pthread_rwlock_t *, const pthread_rwlockattr_t *);
  int (*rwlock_rdlock)(pthread_rwlock_t *);
  int (*rwlock_tryrdlock)(pthread_rwlock_t *);
  int (*rwlock_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
  int (*rwlock_clockrdlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
  int (*rwlock_wrlock)(pthread_rwlock_t *);
  int (*rwlock_trywrlock)(pthread_rwlock_t *);
  int (*rwlock_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
  int (*rwlock_clockwrlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
  int (*rwlock_unlock)(pthread_rwlock_t *);
  int (*rwlock_destroy)(pthread_rwlock_t *);

  int (*spin_init)(pthread_spinlock_t *, int);
  int (*spin_lock)(pthread_spinlock_t *);
  int (*spin_trylock)(pthread_spinlock_t *);
  int (*spin_unlock)(pthread_spinlock_t *);
  int (*spin_destroy)(pthread_spinlock_t *);

  int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
  int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
  int (*cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);

  int (*mtx_init)(mtx_t *, int);
  int (*mtx_lock)(mtx_t *);
  int (*mtx_timedlock)(mtx_t *, const struct timespec *);
  int (*mtx_trylock)(mtx_t *);
  int (*mtx_unlock)(mtx_t *);
  void (*mtx_destroy)(mtx_t *);
  int (*cnd_wait)(cnd_t *, mtx_t *);
  int (*cnd_timedwait)(cnd_t *, mtx_t *, const struct timespec *);

  using main_fn = int (*)(int, char **, char **);
  int (*libc_start_main)(main_fn, int, char **, void (*)(), void (*)(), void (*)(), void *);
  void (*exit)(int);

  void *(*malloc)(size_t);
  void *(*calloc)(size_t, size_t);
  int (*posix_memalign)(void **, size_t, size_t);
  void *(*aligned_alloc)(size_t, size_t);
  void *(*memalign)(size_t, size_t);
  void (*free)(void *);
  void *(*realloc)(void *, size_t);
  int (*munmap)(void *, size_t);
};

extern real_functions g_real;

// Fills g_real; idempotent. Interposers call it when they find their
// pointer empty (a call before the library's constructor ran).
void resolve_real_functions();

}  // namespace lockdep::preload
