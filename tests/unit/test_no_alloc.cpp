// Registering, using and unregistering classes never calls the allocator:
// this binary counts every malloc/calloc/realloc/free/new/delete in every
// thread (liburcu's call_rcu worker included) after a warm-up.
#include <lockdep/lockdep.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <new>
#include <thread>

extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);
}

namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_calls{0};
inline void note() {
  if (g_counting.load(std::memory_order_relaxed)) g_calls.fetch_add(1);
}
}  // namespace

extern "C" {
void *malloc(size_t n) {
  note();
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t m) {
  note();
  return __libc_calloc(n, m);
}
void *realloc(void *p, size_t n) {
  note();
  return __libc_realloc(p, n);
}
void free(void *p) {
  if (p) note();
  __libc_free(p);
}
}
void *operator new(size_t n) {
  note();
  if (void *p = __libc_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept {
  if (p) note();
  __libc_free(p);
}
void operator delete(void *p, size_t) noexcept { operator delete(p); }

namespace {

lockdep_class_key g_outer_key;
lockdep_class_key g_keys[16];

void cycle(int i) {
  lockdep_map outer, m;
  lockdep_init_map(&outer, "outer", &g_outer_key, 0);
  lockdep_class_key &k = g_keys[i % 16];
  lockdep_register_key(&k);
  lockdep_init_map(&m, "cycled", &k, 0);
  lockdep_acquire(&outer, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_acquire(&m, 0, 0, LOCKDEP_WRITE, 0);  // new class, dependency, chain
  lockdep_release(&m, 0);
  lockdep_release(&outer, 0);
  lockdep_unregister_key(&k);  // zap, pending bitmap, call_rcu
}

}  // namespace

// Waits for the RCU callbacks to free every zapped slot. Not rcu_barrier():
// that allocates its own bookkeeping, and the worker frees it later.
void wait_until_nothing_pending() {
  for (;;) {
    lockdep_stats s;
    lockdep_get_stats(&s);
    if (s.classes_pending == 0 && s.chains_pending == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

TEST_CASE("100,000 register + use + unregister cycles call no allocator") {
  for (int i = 0; i < 1000; ++i) cycle(i);  // warm-up: worker thread, libunwind caches
  wait_until_nothing_pending();
  g_counting = true;
  for (int i = 0; i < 100000; ++i) cycle(i);
  wait_until_nothing_pending();
  g_counting = false;
  lockdep_stats s;
  lockdep_get_stats(&s);
  INFO("classes zapped " << s.classes_zapped << ", freed " << s.classes_freed << ", grace periods "
                         << s.grace_periods);
  CHECK(s.classes_zapped >= 101000);
  CHECK(s.grace_periods > 0);
  CHECK(g_calls.load() == 0);
}
