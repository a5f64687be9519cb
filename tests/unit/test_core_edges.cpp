// The validator's core at its edges: unregistration racing with use,
// forgetting every subclass, forgetting whatever the thread's state, small
// thread stacks, deep nesting, and the C API with bad arguments.
#include <pthread.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "core/pools.hpp"
#include "core/testing.hpp"
#include "core/validator.hpp"
#include "support.hpp"

using namespace test;

namespace {

void take(lockdep_map &m, unsigned subclass = 0) {
  lockdep_acquire(&m, subclass, 0, LOCKDEP_WRITE, 0);
}
void drop(lockdep_map &m) { lockdep_release(&m, 0); }

}  // namespace

TEST_CASE("a key unregistered while another thread takes its locks leaves no stale record") {
  auto *key = new lockdep_class_key{};
  lockdep_register_key(key);
  std::atomic<bool> stop{false};
  lockdep::set_before_validate_hook([] { std::this_thread::yield(); });
  // Each outer lock (its own class) makes one more held stack that misses the chain cache,
  // so the user keeps validating while the zapper keeps zapping.
  std::thread user([&] {
    static lockdep_map outer[64];
    lockdep_map inner;
    for (auto &o : outer) lockdep_init_map(&o, "race_outer", nullptr, 0);
    lockdep_init_map(&inner, "race_inner", key, 0);
    for (int i = 0; i < 20000; ++i)
      for (auto &o : outer) {
        take(o), take(inner);
        drop(inner), drop(o);
      }
    stop = true;
  });
  std::thread zapper([&] {
    while (!stop) lockdep_unregister_key(key);
  });
  user.join();
  zapper.join();
  lockdep::set_before_validate_hook(nullptr);
  lockdep_unregister_key(key);
  lockdep_barrier();
  CHECK(lockdep::testing::dependencies_naming_dead_classes() == 0);
  CHECK(lockdep::testing::chain_slots_naming_dead_classes() == 0);
  delete key;
}

TEST_CASE("a class slot's next occupant inherits nothing from a lock held across its death") {
  reports r;
  static lockdep_class_key outer_key;
  lockdep_map outer;
  lockdep_init_map(&outer, "held_outer", &outer_key, 0);
  auto *key = new lockdep_class_key{};
  lockdep_map inner;
  lockdep_init_map(&inner, "held_inner", key, 0);
  take(inner);  // held while its key dies
  lockdep_unregister_key(key);
  lockdep_barrier();
  take(outer);  // must not record inner -> outer for whatever lives in the slot now
  drop(outer);
  drop(inner);  // still a balanced unlock
  CHECK(lockdep::testing::dependencies_naming_dead_classes() == 0);
  CHECK(lockdep::testing::chain_slots_naming_dead_classes() == 0);
  INFO(r.text());
  CHECK(r.count() == 0);
  delete key;
}

TEST_CASE("forgetting memory forgets every subclass of a per-instance lock in it") {
  reports r;
  lock other("other");
  auto *obj = static_cast<lockdep_map *>(std::aligned_alloc(64, 64));
  lockdep_init_map(obj, "object", nullptr, 0);
  take(*obj, 1), L(other), U(other), drop(*obj);  // object/1 -> other
  {
    // What free() of the object does under the preload.
    lockdep::validator_entry e(0);
    REQUIRE(e);
    const auto lo = reinterpret_cast<uintptr_t>(obj);
    lockdep::validator_forget_range(e.thread(), lo, lo + 64);
  }
  CHECK(lockdep::testing::class_slot(obj, 1) == UINT32_MAX);
  lockdep_init_map(obj, "new_object", nullptr, 0);  // a new object, same address
  L(other), take(*obj, 1), drop(*obj), U(other);
  INFO(r.text());
  CHECK(r.count() == 0);
  lockdep_reset_map(obj);
  std::free(obj);
}

namespace {

// Learns a -> m with m of `key`, runs `unregister`, reuses the key, takes
// m -> a: no report may follow.
void expect_forgotten(void (*unregister)(lockdep_class_key *)) {
  static lockdep_class_key a_key;
  static lockdep_class_key key;  // the same address before and after
  lockdep_map a, m;
  lockdep_init_map(&a, "forget_a", &a_key, 0);
  lockdep_init_map(&m, "forget_m", &key, 0);
  take(a), take(m), drop(m), drop(a);
  reports r;
  unregister(&key);
  lockdep_register_key(&key);
  take(m), take(a), drop(a), drop(m);
  INFO(r.text());
  CHECK(count_of(r.text(), "WARNING") == 0);
  lockdep_unregister_key(&key);
}

}  // namespace

TEST_CASE("unregistering a key inside lockdep_off() forgets it") {
  expect_forgotten([](lockdep_class_key *k) {
    lockdep_off();
    lockdep_unregister_key(k);
    lockdep_on();
  });
}

TEST_CASE("unregistering a key while the validator is off forgets it") {
  expect_forgotten([](lockdep_class_key *k) {
    lockdep::turn_off("BUG: test turned the validator off");
    lockdep_unregister_key(k);
    lockdep::testing::reenable();
  });
}

TEST_CASE("unregistering a key from inside the validator forgets it before the next check") {
  expect_forgotten([](lockdep_class_key *k) {
    // As a signal handler that interrupted the validator: the zap waits for
    // the next user of the graph lock, which comes before any new edge.
    lockdep::thread_state &t = lockdep::current_thread();
    ++t.recursion;
    lockdep_unregister_key(k);
    --t.recursion;
  });
}

TEST_CASE("resetting a map inside lockdep_off() forgets it") {
  reports r;
  lock a("reset_a"), b("reset_b");
  L(a), L(b), U(b), U(a);
  lockdep_off();
  lockdep_reset_map(&b.map);
  lockdep_on();
  L(b), L(a), U(a), U(b);
  INFO(r.text());
  CHECK(r.count() == 0);
}

namespace {

constexpr int kDeep = 1024;
std::vector<std::unique_ptr<lock>> &deep_locks() {
  static std::vector<std::unique_ptr<lock>> locks = [] {
    std::vector<std::unique_ptr<lock>> v;
    static lockdep_class_key keys[kDeep + 100];
    for (auto &k : keys) v.push_back(std::make_unique<lock>("deep", &k));
    return v;
  }();
  return locks;
}

void hold_nested(int n) {
  auto &locks = deep_locks();
  for (int i = 0; i < n; ++i) L(*locks[i]);
  for (int i = n - 1; i >= 0; --i) U(*locks[i]);
}

struct small_stack_result {
  uint64_t reports_before, reports_after;
  bool done;
};
small_stack_result g_small;
lock *g_sa, *g_sb;

void *small_stack_work(void *) {
  g_small.reports_before = lockdep_report_count();
  L(*g_sa), U(*g_sa);
  L(*g_sa), L(*g_sb), U(*g_sb), U(*g_sa);
  L(*g_sb), L(*g_sa), U(*g_sa), U(*g_sb);  // a report, printed on this stack
  hold_nested(kDeep);
  g_small.reports_after = lockdep_report_count();
  g_small.done = true;
  return nullptr;
}

void run_with_stack(size_t size) {
  deep_locks();  // built on the big stack
  // New classes each run: a report is printed once per pair of classes.
  static lockdep_class_key keys[2][2];
  static int run;
  lockdep_class_key *k = keys[run++ % 2];
  lock a("small_a", &k[0]), b("small_b", &k[1]);
  g_sa = &a, g_sb = &b;
  g_small = {};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  REQUIRE(pthread_attr_setstacksize(&attr, size) == 0);
  pthread_t t;
  const int rc = pthread_create(&t, &attr, small_stack_work, nullptr);
  pthread_attr_destroy(&attr);
  REQUIRE(rc == 0);
  pthread_join(t, nullptr);
  CHECK(g_small.done);
  CHECK(g_small.reports_after - g_small.reports_before == 1);
}

}  // namespace

TEST_CASE("a thread with a 16 KiB stack: lock, report, deep nesting") {
  run_with_stack(PTHREAD_STACK_MIN);
}

TEST_CASE("a thread with a 32 KiB stack: lock, report, deep nesting") {
  run_with_stack(PTHREAD_STACK_MIN + 16384);
}

TEST_CASE("1024 locks held at once by one thread are all checked") {
  reports r;
  hold_nested(kDeep);
  hold_nested(kDeep);
  auto &locks = deep_locks();
  for (int i = 0; i < kDeep - 1; ++i) L(*locks[i]);
  CHECK(lockdep_is_held(&locks[kDeep - 2]->map) == 1);
  L(*locks[0]);  // the 1,024th is checked too: a lock taken twice
  CHECK(count_of(r.text(), kRecursive) == 1);
  U(*locks[0]);
  for (int i = kDeep - 2; i >= 0; --i) U(*locks[i]);
  INFO(r.text());
  CHECK(count_of(r.text(), "WARNING") == 1);
  CHECK(count_of(r.text(), "BUG") == 0);
  lockdep_stats s;
  lockdep_get_stats(&s);
  CHECK(s.enabled == 1);
}

TEST_CASE("past the depth limit deeper locks go untracked, and checking goes on") {
  reports r;
  hold_nested(kDeep + 100);
  hold_nested(kDeep + 100);
  // Released out of order: the untracked ones are not bad unlocks either.
  auto &locks = deep_locks();
  for (int i = 0; i < kDeep + 50; ++i) L(*locks[i]);
  for (int i = 0; i < kDeep + 50; ++i) U(*locks[i]);
  const std::string out = r.text();
  INFO(out);
  CHECK(count_of(out, "deeper locks of this thread are not tracked") == 1);
  CHECK(count_of(out, "WARNING") == 0);
  CHECK(count_of(out, "BUG") == 0);
  lockdep_stats s;
  lockdep_get_stats(&s);
  CHECK(s.enabled == 1);
  lock a("after_a"), b("after_b");
  L(a), L(b), U(b), U(a);
  L(b), L(a), U(a), U(b);
  CHECK(count_of(r.text(), kCircular) == 1);
}

TEST_CASE("the C API refuses a NULL map with one line per call site") {
  reports r;
  for (int i = 0; i < 3; ++i) {
    lockdep_init_map(nullptr, "x", nullptr, 0);
    lockdep_acquire(nullptr, 0, 0, LOCKDEP_WRITE, 0);
    lockdep_release(nullptr, 0);
    lockdep_assert_held(nullptr);
    lockdep_reset_map(nullptr);
    lockdep_get_stats(nullptr);
    CHECK(lockdep_is_held(nullptr) == 0);
  }
  const std::string out = r.text();
  INFO(out);
  CHECK(count_of(out, "lockdep_init_map() called with a NULL map") == 1);
  CHECK(count_of(out, "lockdep_acquire() called with a NULL map") == 1);
  CHECK(count_of(out, "lockdep_release() called with a NULL map") == 1);
  CHECK(count_of(out, "lockdep_assert_held_at() called with a NULL map") == 1);
  CHECK(count_of(out, "lockdep_reset_map() called with a NULL map") == 1);
  CHECK(count_of(out, "lockdep_get_stats() called with a NULL pointer") == 1);
  CHECK(count_of(out, "\n") == 6);
}

TEST_CASE("a map that lockdep_init_map() never saw is reported, not used") {
  reports r;
  lockdep_map garbage;
  std::memset(&garbage, 0xa5, sizeof garbage);
  lockdep_acquire(&garbage, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_release(&garbage, 0);
  lockdep_assert_held(&garbage);
  lockdep_reset_map(&garbage);
  lockdep_map zeroed{};
  lockdep_acquire(&zeroed, 0, 0, LOCKDEP_WRITE, 0);
  const std::string out = r.text();
  INFO(out);
  CHECK(count_of(out, "never initialised by lockdep_init_map()") == 5);
  CHECK(count_of(out, "WARNING") == 0);
  lockdep_stats s;
  lockdep_get_stats(&s);
  CHECK(s.enabled == 1);
  lock a("init_ok");
  L(a), U(a);
  CHECK(count_of(r.text(), "never initialised") == 5);
}
