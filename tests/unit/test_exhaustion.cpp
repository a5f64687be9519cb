// Every static pool, run out on purpose: the BUG line once, the validator
// off, and the program goes on.
#include <catch2/catch.hpp>
#include <vector>

#include "core/chain_cache.hpp"
#include "core/graph_lock.hpp"
#include "core/testing.hpp"
#include "support.hpp"

using namespace test;
using lockdep::pool;

namespace {

void expect_exhausted(const reports &r, const char *name) {
  const std::string out = r.text();
  INFO(out);
  CHECK(count_of(out, std::string("BUG: ") + name + " too low!\n") == 1);
  CHECK(count_of(out, "turning off the locking correctness validator.\n") == 1);
  lockdep_stats s;
  lockdep_get_stats(&s);
  CHECK(s.enabled == 0);
}

// The program keeps running, with checks now off: an inversion is silent.
void keep_running(const reports &r) {
  const uint64_t before = r.count();
  lock a("after_a"), b("after_b");
  L(a), L(b), U(b), U(a);
  L(b), L(a), U(a), U(b);
  CHECK(r.count() == before);
}

uint64_t stat(uint64_t lockdep_stats::*field) {
  lockdep_stats s;
  lockdep_get_stats(&s);
  return s.*field;
}

// A call stack `depth` frames deep, so that every depth is a distinct trace.
__attribute__((noinline)) void nested_order(lock &a, lock &b, int depth) {
  if (depth > 0) {
    nested_order(a, b, depth - 1);
    asm volatile("" ::: "memory");  // not a tail call
    return;
  }
  L(a), L(b), U(b), U(a);
}

}  // namespace

TEST_CASE("MAX_LOCKDEP_KEYS") {
  reports r;
  lockdep::set_pool_limit(pool::classes,
                          static_cast<uint32_t>(stat(&lockdep_stats::classes_in_use)) + 4);
  std::vector<std::unique_ptr<lock>> locks;
  for (int i = 0; i < 10; ++i) {
    locks.push_back(std::make_unique<lock>("many"));
    L(*locks.back()), U(*locks.back());
  }
  expect_exhausted(r, "MAX_LOCKDEP_KEYS");
  keep_running(r);
  lockdep::testing::reenable();
}

TEST_CASE("MAX_LOCKDEP_ENTRIES") {
  reports r;
  lockdep::set_pool_limit(pool::dependencies,
                          static_cast<uint32_t>(stat(&lockdep_stats::dependencies)) + 3);
  lock outer("outer");
  std::vector<std::unique_ptr<lock>> locks;
  for (int i = 0; i < 10; ++i) {
    locks.push_back(std::make_unique<lock>("inner"));
    L(outer), L(*locks.back()), U(*locks.back()), U(outer);
  }
  expect_exhausted(r, "MAX_LOCKDEP_ENTRIES");
  keep_running(r);
  lockdep::testing::reenable();
}

// The chain pool is a cache of validated stacks: when it is full it is
// emptied and refilled, and the validator stays on.
void expect_still_checking(const reports &r) {
  const std::string out = r.text();
  INFO(out);
  CHECK(count_of(out, "BUG: ") == 0);
  lockdep_stats s;
  lockdep_get_stats(&s);
  CHECK(s.enabled == 1);
  const uint64_t before = r.count();
  lock a("evicted_a"), b("evicted_b");
  L(a), L(b), U(b), U(a);
  L(b), L(a), U(a), U(b);
  CHECK(r.count() == before + 1);
}

TEST_CASE("a full chain pool is evicted, not turned off (MAX_LOCKDEP_CHAINS)") {
  reports r;
  const uint32_t limit = static_cast<uint32_t>(stat(&lockdep_stats::chains)) + 3;
  lockdep::set_pool_limit(pool::chains, limit);
  std::vector<std::unique_ptr<lock>> locks;
  for (int i = 0; i < 10; ++i) {
    locks.push_back(std::make_unique<lock>("chained"));
    L(*locks.back()), U(*locks.back());
    CHECK(stat(&lockdep_stats::chains) <= limit);
  }
  expect_still_checking(r);
  lockdep::set_pool_limit(pool::chains, 0);
}

// Stacks that the known-dependency table validates are not cached; a
// recursive reader entering a class it holds is, so that is what fills the
// pool here.
TEST_CASE("a full chain pool of cached stacks is evicted and refilled") {
  reports r;
  auto evictions = [] {
    lockdep::graph_guard guard;
    return lockdep::chain_cache_counts().evictions;
  };
  const uint64_t evicted = evictions();
  const uint32_t limit = static_cast<uint32_t>(stat(&lockdep_stats::chains)) + 3;
  lockdep::set_pool_limit(pool::chains, limit);
  std::vector<std::unique_ptr<lock>> locks;
  for (int i = 0; i < 10; ++i) {
    locks.push_back(std::make_unique<lock>("reread"));
    RL(*locks.back()), RL(*locks.back()), U(*locks.back()), U(*locks.back());
    CHECK(stat(&lockdep_stats::chains) <= limit);
  }
  CHECK(evictions() > evicted);
  expect_still_checking(r);
  lockdep::set_pool_limit(pool::chains, 0);
}

TEST_CASE("a full chain hlock pool is evicted, not turned off (MAX_LOCKDEP_CHAIN_HLOCKS)") {
  reports r;
  const uint32_t limit = static_cast<uint32_t>(stat(&lockdep_stats::chain_hlocks)) + 5;
  lockdep::set_pool_limit(pool::chain_hlocks, limit);
  lock a("a"), b("b"), c("c");
  L(a), L(b), L(c), U(c), U(b), U(a);  // 1 + 2 + 3 entries
  CHECK(stat(&lockdep_stats::chain_hlocks) <= limit);
  expect_still_checking(r);
  lockdep::set_pool_limit(pool::chain_hlocks, 0);
}

TEST_CASE("MAX_STACK_TRACES") {
  reports r;
  lockdep::set_pool_limit(pool::stack_traces,
                          static_cast<uint32_t>(stat(&lockdep_stats::stack_traces)) + 2);
  std::vector<std::unique_ptr<lock>> locks;
  for (int i = 0; i < 6; ++i) {
    locks.push_back(std::make_unique<lock>("x"));
    locks.push_back(std::make_unique<lock>("y"));
    nested_order(*locks[locks.size() - 2], *locks.back(), i);
  }
  expect_exhausted(r, "MAX_STACK_TRACES");
  keep_running(r);
  lockdep::testing::reenable();
}

TEST_CASE("MAX_STACK_TRACE_ENTRIES") {
  reports r;
  lockdep::set_pool_limit(pool::stack_trace_entries,
                          static_cast<uint32_t>(stat(&lockdep_stats::stack_trace_entries)) + 8);
  std::vector<std::unique_ptr<lock>> locks;
  for (int i = 0; i < 6; ++i) {
    locks.push_back(std::make_unique<lock>("x"));
    locks.push_back(std::make_unique<lock>("y"));
    nested_order(*locks[locks.size() - 2], *locks.back(), i);
  }
  expect_exhausted(r, "MAX_STACK_TRACE_ENTRIES");
  keep_running(r);
  lockdep::testing::reenable();
}

// Not a pool that runs out for the process: past the depth limit only that
// thread's deeper locks go untracked, with one line, and checking goes on.
TEST_CASE("MAX_LOCK_DEPTH") {
  reports r;
  lockdep::set_pool_limit(pool::lock_depth, 8);
  std::vector<std::unique_ptr<lock>> locks;
  for (int i = 0; i < 10; ++i) {
    locks.push_back(std::make_unique<lock>("deep"));
    L(*locks.back());
  }
  for (auto it = locks.rbegin(); it != locks.rend(); ++it) U(**it);
  const std::string out = r.text();
  INFO(out);
  CHECK(count_of(out, "holds 8 locks: deeper locks of this thread are not tracked") == 1);
  CHECK(count_of(out, "BUG") == 0);
  CHECK(count_of(out, "WARNING") == 0);
  lockdep_stats s;
  lockdep_get_stats(&s);
  CHECK(s.enabled == 1);
  lock a("after_a"), b("after_b");
  L(a), L(b), U(b), U(a);
  L(b), L(a), U(a), U(b);
  CHECK(count_of(r.text(), "WARNING: possible circular locking dependency detected") == 1);
  lockdep::testing::reenable();
}

TEST_CASE("an invalid subclass turns the validator off with a BUG line") {
  reports r;
  lock a("a");
  lockdep_acquire(&a.map, LOCKDEP_MAX_SUBCLASSES, 0, LOCKDEP_WRITE, 0);
  lockdep_release(&a.map, 0);  // not a bad unlock: the validator is off now
  const std::string out = r.text();
  INFO(out);
  CHECK(count_of(out, "BUG: looking up invalid subclass: 8\n") == 1);
  CHECK(count_of(out, "turning off the locking correctness validator.\n") == 1);
  CHECK(count_of(out, "WARNING") == 0);
  keep_running(r);
  lockdep::testing::reenable();
}
