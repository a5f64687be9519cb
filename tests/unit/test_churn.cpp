// Concurrent churn: threads register, use and unregister 1,000,000 classes
// in all while others look classes up; afterwards every slot is accounted
// for. Built with ASan/UBSan too (see .ci/run).
#include <atomic>
#include <catch2/catch.hpp>
#include <random>
#include <thread>
#include <vector>

#include "core/testing.hpp"
#include "support.hpp"

namespace {

constexpr int kChurners = 2;
constexpr int kPerChurner = 500000;
constexpr int kKeysPerChurner = 64;

lockdep_class_key g_keys[kChurners][kKeysPerChurner];

void churn(int t, std::atomic<int> &done) {
  static lockdep_class_key outer_key;
  lockdep_map outer;
  lockdep_init_map(&outer, "outer", &outer_key, 0);
  for (int i = 0; i < kPerChurner; ++i) {
    lockdep_class_key &k = g_keys[t][i % kKeysPerChurner];
    lockdep_register_key(&k);
    lockdep_map m;
    lockdep_init_map(&m, "churned", &k, 0);
    lockdep_acquire(&outer, 0, 0, LOCKDEP_WRITE, 0);
    lockdep_acquire(&m, 0, 0, LOCKDEP_WRITE, 0);
    lockdep_release(&m, 0);
    lockdep_release(&outer, 0);
    lockdep_unregister_key(&k);
  }
  done.fetch_add(1);
}

}  // namespace

TEST_CASE("concurrent register / use / unregister of 1,000,000 classes") {
  test::reports r;
  std::atomic<int> done{0};
  std::atomic<uint64_t> lookups{0}, found{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kChurners; ++t) threads.emplace_back(churn, t, std::ref(done));
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (done.load() < kChurners) {
        auto &k = g_keys[rng() % kChurners][rng() % kKeysPerChurner];
        if (lockdep::testing::class_slot(&k, 0) != UINT32_MAX) found.fetch_add(1);
        lookups.fetch_add(1);
      }
    });
  for (auto &th : threads) th.join();
  for (int i = 0; i < 3; ++i) lockdep_barrier();

  lockdep_stats s;
  lockdep_get_stats(&s);
  INFO("lookups " << lookups << ", found " << found << ", zapped " << s.classes_zapped << ", freed "
                  << s.classes_freed << ", grace periods " << s.grace_periods);
  CHECK(r.count() == 0);
  CHECK(s.enabled == 1);
  CHECK(lookups > 0);
  CHECK(s.classes_zapped >= uint64_t{kChurners} * kPerChurner);
  CHECK(s.classes_pending == 0);
  CHECK(s.classes_in_use + s.classes_pending + s.classes_free == s.classes_capacity);
  CHECK(s.chains_pending == 0);
}
