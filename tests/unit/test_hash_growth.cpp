// The chain and dependency hashes start small and double as entries
// accumulate (issue 11, target 2): every entry is found after any number of
// doublings, and lock-free chain lookups that race with a doubling only
// ever miss, never crash or find what is not there.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "core/chain_cache.hpp"
#include "core/dependency_graph.hpp"
#include "core/graph_lock.hpp"
#include "core/rcu.hpp"

namespace {

using namespace lockdep;

uint64_t key_of(uint64_t i) { return iterate_chain_key(0x1234, i); }

constexpr uint32_t kClass = 7;  // every test chain names this class slot
constexpr uint64_t kChains = 100000;

}  // namespace

TEST_CASE("chain hash: every chain is found across doublings, racing readers only miss") {
  // A reader looks up the first chains, added before any doubling, while
  // the rest are added: it may miss one now and then, never hang or crash,
  // and never find a key that was never added.
  {
    graph_guard guard;
    for (uint64_t i = 0; i < 64; ++i) {
      const uint64_t id = hlock_id(kClass, 0, false, 1);
      REQUIRE(chain_add(key_of(i), &id, 1));
    }
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> found{0}, phantom{0};
  std::thread reader([&] {
    while (!stop.load()) {
      rcu_read_guard rcu;
      for (uint64_t i = 0; i < 64; ++i) found += chain_lookup(key_of(i));
      phantom += chain_lookup(key_of(kChains + 1));
    }
  });
  for (uint64_t i = 64; i < kChains; ++i) {
    graph_guard guard;
    const uint64_t id = hlock_id(kClass, 0, false, 1);
    REQUIRE(chain_add(key_of(i), &id, 1));
  }
  stop = true;
  reader.join();
  CHECK(found.load() > 0);
  CHECK(phantom.load() == 0);
  {
    rcu_read_guard rcu;
    uint64_t missing = 0;
    for (uint64_t i = 0; i < kChains; ++i) missing += !chain_lookup(key_of(i));
    CHECK(missing == 0);
    CHECK_FALSE(chain_lookup(key_of(kChains + 1)));
  }
  graph_guard guard;
  chain_cache_invalidate_class(kClass);
  rcu_read_guard rcu;
  CHECK_FALSE(chain_lookup(key_of(0)));
}

TEST_CASE("dependency hash: every dependency is found across doublings") {
  graph_guard guard;
  constexpr uint32_t kFrom = 100, kTargets = 50000;
  for (uint32_t to = 0; to < kTargets; ++to)
    REQUIRE(add_dependency(kFrom + 1 + to % 7, 1000 + to, kDepEN, 0) != 0);
  uint32_t missing = 0;
  for (uint32_t to = 0; to < kTargets; ++to)
    missing += !find_dependency(kFrom + 1 + to % 7, 1000 + to);
  CHECK(missing == 0);
  CHECK(find_dependency(kFrom + 1, 1000 + 1) == 0);  // 1 % 7 != 0: never added
  for (uint32_t c = kFrom + 1; c <= kFrom + 7; ++c) dependency_graph_remove_class(c);
  CHECK(dependency_count() == 0);
}
