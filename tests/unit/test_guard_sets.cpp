// Gate locks (guard sets): which cycles are feasible, and the validator's
// verdicts on gated and ungated inversions, through the C API (a keyless
// map is its own class, so it can guard).
#include <catch2/catch.hpp>
#include <initializer_list>
#include <vector>

#include "core/graph_lock.hpp"
#include "core/guard_sets.hpp"
#include "core/validator.hpp"
#include "support.hpp"

using namespace test;
using lockdep::guard_set;

namespace {

guard_set gs(std::initializer_list<uint32_t> classes) {
  guard_set g{};
  for (uint32_t c : classes) {
    g.cls[g.n] = c;
    g.gen[g.n] = 1;
    ++g.n;
  }
  return g;
}

bool feasible(const std::vector<guard_set> &cycle) {
  std::vector<const guard_set *> p;
  for (const auto &g : cycle) p.push_back(&g);
  return lockdep::cycle_feasible(p.data(), static_cast<uint32_t>(p.size()));
}

lockdep::guard_counts stats() {
  lockdep::graph_guard g;
  return lockdep::guard_stats();
}

}  // namespace

TEST_CASE("a cycle is feasible when it splits into two runs with disjoint guards") {
  const uint32_t G = 1, H = 2, A = 3;
  CHECK(feasible({gs({}), gs({})}));
  CHECK(feasible({gs({G}), gs({})}));
  CHECK(feasible({gs({G}), gs({H})}));
  CHECK_FALSE(feasible({gs({G}), gs({G})}));
  CHECK_FALSE(feasible({gs({G}), gs({G, H}), gs({G})}));  // one gate over all
  // One thread's G, A, B, C and another's C, A: the two gated
  // dependencies are consecutive, one run; the ungated one the other.
  CHECK(feasible({gs({}), gs({G}), gs({G, A})}));
  // Gates alternating around a cycle of four: every split cuts one.
  CHECK_FALSE(feasible({gs({G}), gs({H}), gs({G}), gs({H})}));
  CHECK(feasible({gs({G}), gs({G}), gs({H}), gs({H})}));
  // Generations tell a lock from the slot's next occupant.
  guard_set old_g = gs({G});
  old_g.gen[0] = 2;
  CHECK(feasible({old_g, gs({G})}));
}

TEST_CASE("an inversion taken only under one gate is not reported; an ungated one is") {
  lock g("gate"), a("ga"), b("gb");
  reports r;
  L(g), L(a), L(b), U(b), U(a), U(g);
  L(g), L(b), L(a), U(a), U(b), U(g);
  CHECK(r.count() == 0);
  // Again, gated: a known stack, nothing new.
  L(g), L(b), L(a), U(a), U(b), U(g);
  CHECK(r.count() == 0);
  L(b), L(a), U(a), U(b);
  CHECK(r.count() == 1);
  CHECK(count_of(r.text(), kCircular) == 1);
  CHECK(count_of(r.text(), "(gate)") == 0);  // the ungated stack is the one named
}

TEST_CASE("a known gated dependency in a stack never validated before is checked again") {
  lock g("kgate"), a("ka"), b("kb"), y("ky");
  reports r;
  L(g), L(a), L(b), U(b), U(a), U(g);
  L(g), L(b), L(a), U(a), U(b), U(g);
  L(y), L(b), U(b), U(y);  // y -> b known, so only b -> a is new in y, b, a
  CHECK(r.count() == 0);
  L(y), L(b), L(a), U(a), U(b), U(y);
  CHECK(r.count() == 1);
}

TEST_CASE("a new stack that holds every guard of its known dependencies needs no graph lock") {
  lock g("fgate"), x("fx"), a("fa"), b("fb");
  reports r;
  L(g), L(a), L(b), U(b), U(a), U(g);
  L(g), L(b), L(a), U(a), U(b), U(g);  // b -> a guarded by g
  L(g), L(x), L(b), U(b), U(x), U(g);  // x -> b known
  const uint64_t misses = lockdep::chain_cache_misses();
  L(g), L(x), L(b), L(a), U(a), U(b), U(x), U(g);  // a new stack; b -> a keeps its guard
  CHECK(lockdep::chain_cache_misses() == misses);
  L(x), L(b), L(a), U(a), U(b), U(x);  // without the gate: validated, and a cycle
  CHECK(lockdep::chain_cache_misses() > misses);
  CHECK(r.count() == 1);
}

TEST_CASE("a read hold, or a class shared by several locks, does not guard") {
  SECTION("read") {
    lock g("rgate"), a("ra"), b("rb");
    reports r;
    RLN(g), L(a), L(b), U(b), U(a), U(g);
    RLN(g), L(b), L(a), U(a), U(b), U(g);
    CHECK(r.count() == 1);
  }
  SECTION("shared class") {
    static lockdep_class_key key;
    lock g1("sgate1", &key), g2("sgate2", &key), a("sa"), b("sb");
    reports r;
    L(g1), L(a), L(b), U(b), U(a), U(g1);
    L(g2), L(b), L(a), U(a), U(b), U(g2);
    CHECK(r.count() == 1);
    lockdep_unregister_key(&key);
  }
}

TEST_CASE("a gated shortest path does not hide a longer ungated one") {
  lock g("lgate"), a("la"), b("lb"), c("lc");
  reports r;
  L(g), L(a), L(b), U(b), U(a), U(g);  // a -> b, gated
  L(a), L(c), U(c), U(a);              // a -> c -> b, not gated
  L(c), L(b), U(b), U(c);
  CHECK(r.count() == 0);
  const auto before = stats();
  L(g), L(b), L(a), U(a), U(b), U(g);  // closes a -> b (gated) and a -> c -> b (not)
  CHECK(r.count() == 1);
  CHECK(count_of(r.text(), "(lc)") > 0);  // the chain reported is the longer one
  CHECK(stats().searches == before.searches + 1);
}

TEST_CASE("one thread's gated stack and another's ungated order deadlock") {
  lock g("tgate"), a("ta"), b("tb"), c("tc");
  reports r;
  L(g), L(a), L(b), L(c), U(c), U(b), U(a), U(g);
  CHECK(r.count() == 0);
  L(c), L(a), U(a), U(c);
  CHECK(r.count() == 1);
}

TEST_CASE("the outermost guards are kept; a guard dropped for room errs towards reporting") {
  lock x1("x1"), x2("x2"), x3("x3"), x4("x4"), g("ogate"), a("oa"), b("ob");
  reports r;
  L(x1), L(x2), L(x3), L(x4), L(g), L(a), L(b);  // a -> b guarded by x1..x4 only
  U(b), U(a), U(g), U(x4), U(x3), U(x2), U(x1);
  L(g), L(a), L(b), U(b), U(a), U(g);  // the intersection loses g too
  L(g), L(b), L(a), U(a), U(b), U(g);
  CHECK(r.count() == 1);
}

TEST_CASE("a dependency seen only under a gate that died is set aside until seen again") {
  lock a("da"), b("db");
  reports r;
  {
    lock g("dgate");
    L(g), L(a), L(b), U(b), U(a), U(g);
  }                        // the gate is forgotten
  L(b), L(a), U(a), U(b);  // a -> b was observed only under a dead lock
  CHECK(r.count() == 0);
  L(a), L(b), U(b), U(a);  // observed again, without a gate: now a cycle
  CHECK(r.count() == 1);
}

TEST_CASE("gated cycles are counted") {
  lock g("cgate"), a("ca"), b("cb");
  const auto before = stats();
  L(g), L(a), L(b), U(b), U(a), U(g);
  L(g), L(b), L(a), U(a), U(b), U(g);
  CHECK(stats().gated_cycles == before.gated_cycles + 1);
}
