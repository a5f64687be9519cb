// Registering, using and unregistering classes never calls the allocator:
// this binary counts every malloc/calloc/realloc/free/new/delete in every
// thread (liburcu's call_rcu worker included) after a warm-up.
#include <lockdep/lockdep.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

namespace {

void inversion(lockdep_class_key &ka, lockdep_class_key &kb) {
  lockdep_map a, b;
  lockdep_init_map(&a, "inv_a", &ka, 0);
  lockdep_init_map(&b, "inv_b", &kb, 0);
  lockdep_acquire(&a, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_acquire(&b, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_release(&b, 0);
  lockdep_release(&a, 0);
  lockdep_acquire(&b, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_acquire(&a, 0, 0, LOCKDEP_WRITE, 0);  // report
  lockdep_release(&a, 0);
  lockdep_release(&b, 0);
}

void use_suppressions(const char *text) {
  char path[] = "/tmp/lockdep-noalloc-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text, strlen(text)) == static_cast<ssize_t>(strlen(text)));
  close(fd);
  char options[128], err[600] = "";
  snprintf(options, sizeof options, "log_path=/dev/null:suppressions=%s", path);
  REQUIRE(lockdep_set_options(options, err, sizeof err) == 0);
  unlink(path);
}

lockdep_class_key g_inv_keys[6];

}  // namespace

// The matching pass runs for every report of a kind that has rules; a
// suppressed report is decided in it alone.
TEST_CASE("reports matched against suppressions, printed or not, call no allocator") {
  use_suppressions("circular:no_such_function\n");
  inversion(g_inv_keys[0], g_inv_keys[1]);  // warm-up: symbol tables
  lockdep_stats before;
  lockdep_get_stats(&before);
  g_counting = true;
  inversion(g_inv_keys[2], g_inv_keys[3]);  // matched, nothing matches: printed
  g_counting = false;
  use_suppressions("circular:inv_?\n");
  g_counting = true;
  inversion(g_inv_keys[4], g_inv_keys[5]);  // suppressed
  g_counting = false;
  lockdep_stats after;
  lockdep_get_stats(&after);
  CHECK(after.reports == before.reports + 1);
  CHECK(after.reports_suppressed == before.reports_suppressed + 1);
  CHECK(g_calls.load() == 0);
  use_suppressions("");
}
