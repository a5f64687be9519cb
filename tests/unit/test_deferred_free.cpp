// The seed's scheme: zapped class slots wait for a grace period, nobody
// waits for one, and zaps made while a callback is in flight wait for the
// next callback.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "core/rcu.hpp"
#include "core/testing.hpp"
#include "support.hpp"

using namespace test;
using namespace std::chrono_literals;

namespace {

// A thread that sits inside an RCU read-side critical section until told to
// leave, holding back every grace period that starts meanwhile.
class held_reader {
 public:
  held_reader() {
    thread_ = std::thread([this] {
      std::optional<lockdep::rcu_read_guard> rcu;
      rcu.emplace();
      inside_ = true;
      while (!leave_) std::this_thread::sleep_for(1ms);
      left_ = true;  // still inside: set before the unlock below
      rcu.reset();
    });
    while (!inside_) std::this_thread::yield();
  }
  ~held_reader() { release(); }
  void release() {
    leave_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool left() const { return left_; }

 private:
  std::thread thread_;
  std::atomic<bool> inside_{false}, leave_{false}, left_{false};
};

void use(lockdep_class_key &key) {
  lockdep_map m;
  lockdep_init_map(&m, "churned", &key, 0);
  lockdep_acquire(&m, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_release(&m, 0);
}

}  // namespace

TEST_CASE("unregistering never waits for a grace period and slots wait for one") {
  constexpr int kKeys = 10000;
  static lockdep_class_key keys[kKeys];
  std::vector<uint32_t> zapped;
  zapped.reserve(kKeys);
  {
    held_reader reader;
    for (auto &k : keys) {
      lockdep_register_key(&k);
      use(k);
      const uint32_t slot = lockdep::testing::class_slot(&k, 0);
      REQUIRE(slot != UINT32_MAX);
      zapped.push_back(slot);
      lockdep_unregister_key(&k);
    }
    // Every unregister returned while the reader is still inside: had one
    // waited for a grace period, we would never have got here.
    CHECK_FALSE(reader.left());
    // None of the zapped slots was handed out again while the reader stayed.
    std::sort(zapped.begin(), zapped.end());
    CHECK(std::adjacent_find(zapped.begin(), zapped.end()) == zapped.end());
    for (uint32_t s : zapped) REQUIRE_FALSE(lockdep::testing::class_slot_is_free(s));
    lockdep_stats st;
    lockdep_get_stats(&st);
    CHECK(st.classes_pending >= kKeys);
  }
  lockdep_barrier();
  // The callback re-arms itself for zaps that arrived while it was queued.
  for (int i = 0; i < 3; ++i) lockdep_barrier();
  for (uint32_t s : zapped) REQUIRE(lockdep::testing::class_slot_is_free(s));
  lockdep_stats st;
  lockdep_get_stats(&st);
  CHECK(st.classes_pending == 0);
}

namespace {
std::atomic<uint64_t> g_freed_in_gp[2];  // grace period that freed X, Y
uint32_t g_slot_x, g_slot_y;
void observe(uint64_t gp, const uint32_t *slots, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    if (slots[i] == g_slot_x) g_freed_in_gp[0] = gp;
    if (slots[i] == g_slot_y) g_freed_in_gp[1] = gp;
  }
}
}  // namespace

TEST_CASE("zaps made while a callback is in flight are freed by a later callback") {
  static lockdep_class_key x, y;
  lockdep_barrier();
  lockdep::set_free_observer(observe);
  use(x), use(y);
  g_slot_x = lockdep::testing::class_slot(&x, 0);
  g_slot_y = lockdep::testing::class_slot(&y, 0);
  uint64_t gp_before = lockdep::grace_periods_completed();
  {
    held_reader reader;
    lockdep_unregister_key(&x);  // queues the callback for X
    lockdep_unregister_key(&y);  // callback in flight: Y waits in the other bitmap
    CHECK(lockdep::grace_periods_completed() == gp_before);
  }
  lockdep_barrier();
  lockdep_barrier();
  lockdep::set_free_observer(nullptr);
  INFO("X freed in grace period " << g_freed_in_gp[0] << ", Y in " << g_freed_in_gp[1]);
  CHECK(g_freed_in_gp[0] == gp_before + 1);
  CHECK(g_freed_in_gp[1] > g_freed_in_gp[0]);
}

TEST_CASE("no stale dependency survives an unregistered key") {
  static lockdep_class_key ka, kb;
  reports r;
  {
    lockdep_map a, b;
    lockdep_init_map(&a, "a", &ka, 0);
    lockdep_init_map(&b, "b", &kb, 0);
    lockdep_acquire(&a, 0, 0, LOCKDEP_WRITE, 0);
    lockdep_acquire(&b, 0, 0, LOCKDEP_WRITE, 0);
    lockdep_release(&b, 0);
    lockdep_release(&a, 0);
    lockdep_unregister_key(&kb);  // b's class and a -> b vanish
    lockdep_acquire(&b, 0, 0, LOCKDEP_WRITE, 0);
    lockdep_acquire(&a, 0, 0, LOCKDEP_WRITE, 0);
    lockdep_release(&a, 0);
    lockdep_release(&b, 0);
  }
  INFO(r.text());
  CHECK(r.count() == 0);
}

TEST_CASE("no stale dependency survives a reset map") {
  reports r;
  lock a("a"), b("b");
  L(a), L(b), U(b), U(a);
  lockdep_reset_map(&b.map);
  L(b), L(a), U(a), U(b);
  INFO(r.text());
  CHECK(r.count() == 0);

  SECTION("without the reset the same order is reported") {
    reports r2;
    L(a), L(b), U(b), U(a);
    L(b), L(a), U(a), U(b);
    CHECK(r2.count() == 1);
  }
}

// Issue 6 item 5: zaps made while a callback is in flight are freed by the
// re-armed callback, which runs after the one the barrier waited for.
TEST_CASE("one lockdep_barrier frees every class zapped before it, in-flight zaps included") {
  static lockdep_class_key x, y;
  int leftover_rounds = 0;
  for (int round = 0; round < 50; ++round) {
    lockdep_barrier();
    use(x), use(y);
    {
      held_reader reader;
      lockdep_unregister_key(&x);  // queues the callback for X
      lockdep_unregister_key(&y);  // in flight: Y waits in the other bitmap
    }
    lockdep_barrier();
    lockdep_stats st;
    lockdep_get_stats(&st);
    if (st.classes_pending != 0 || st.chains_pending != 0) ++leftover_rounds;
  }
  CHECK(leftover_rounds == 0);
}
