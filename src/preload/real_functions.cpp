#include "real_functions.hpp"

#include <dlfcn.h>

namespace lockdep::preload {

real_functions g_real;

namespace {

template <class Fn>
void resolve(Fn *&slot, const char *name, const char *version = nullptr) {
  if (slot) return;
  void *p = version ? dlvsym(RTLD_NEXT, name, version) : dlsym(RTLD_NEXT, name);
  __atomic_store_n(&slot, reinterpret_cast<Fn *>(p), __ATOMIC_RELEASE);
}

}  // namespace

void resolve_real_functions() {
  // dlsym() may allocate, and an allocator may lock a pthread mutex: a call
  // that arrives here while we resolve finds its pointer still empty.
  static thread_local bool resolving __attribute__((tls_model("initial-exec")));
  if (resolving) return;
  resolving = true;
  real_functions &r = g_real;
  // The allocator first: dlsym() itself may allocate, and until these are
  // known such blocks come from a static buffer (alloc_sites.cpp).
  resolve(r.malloc, "malloc");
  resolve(r.calloc, "calloc");
  resolve(r.posix_memalign, "posix_memalign");
  resolve(r.aligned_alloc, "aligned_alloc");
  resolve(r.memalign, "memalign");
  resolve(r.free, "free");
  resolve(r.realloc, "realloc");
  resolve(r.munmap, "munmap");
  resolve(r.mutex_init, "pthread_mutex_init");
  resolve(r.mutex_lock, "pthread_mutex_lock");
  resolve(r.mutex_trylock, "pthread_mutex_trylock");
  resolve(r.mutex_timedlock, "pthread_mutex_timedlock");
  resolve(r.mutex_clocklock, "pthread_mutex_clocklock");
  resolve(r.mutex_unlock, "pthread_mutex_unlock");
  resolve(r.mutex_destroy, "pthread_mutex_destroy");
  resolve(r.rwlock_init, "pthread_rwlock_init");
  resolve(r.rwlock_rdlock, "pthread_rwlock_rdlock");
  resolve(r.rwlock_tryrdlock, "pthread_rwlock_tryrdlock");
  resolve(r.rwlock_timedrdlock, "pthread_rwlock_timedrdlock");
  resolve(r.rwlock_clockrdlock, "pthread_rwlock_clockrdlock");
  resolve(r.rwlock_wrlock, "pthread_rwlock_wrlock");
  resolve(r.rwlock_trywrlock, "pthread_rwlock_trywrlock");
  resolve(r.rwlock_timedwrlock, "pthread_rwlock_timedwrlock");
  resolve(r.rwlock_clockwrlock, "pthread_rwlock_clockwrlock");
  resolve(r.rwlock_unlock, "pthread_rwlock_unlock");
  resolve(r.rwlock_destroy, "pthread_rwlock_destroy");
  resolve(r.spin_init, "pthread_spin_init");
  resolve(r.spin_lock, "pthread_spin_lock");
  resolve(r.spin_trylock, "pthread_spin_trylock");
  resolve(r.spin_unlock, "pthread_spin_unlock");
  resolve(r.spin_destroy, "pthread_spin_destroy");
  resolve(r.mtx_init, "mtx_init");
  resolve(r.mtx_lock, "mtx_lock");
  resolve(r.mtx_timedlock, "mtx_timedlock");
  resolve(r.mtx_trylock, "mtx_trylock");
  resolve(r.mtx_unlock, "mtx_unlock");
  resolve(r.mtx_destroy, "mtx_destroy");
  resolve(r.cnd_wait, "cnd_wait");
  resolve(r.cnd_timedwait, "cnd_timedwait");
  resolve(r.libc_start_main, "__libc_start_main");
  resolve(r.exit, "exit");
  // Condition variables exist in two ABI versions; programs built since
  // glibc 2.3.2 use the second, and plain dlsym() would hand us the first.
  resolve(r.cond_wait, "pthread_cond_wait", "GLIBC_2.3.2");
  resolve(r.cond_timedwait, "pthread_cond_timedwait", "GLIBC_2.3.2");
  resolve(r.cond_clockwait, "pthread_cond_clockwait");
  resolving = false;
}

}  // namespace lockdep::preload
