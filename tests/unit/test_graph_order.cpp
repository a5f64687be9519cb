// The dependency graph's topological order: a new dependency is rejected
// exactly when the full breadth-first search (the check before the order
// existed) finds a strong path, for every mix of read kinds, insertion
// order and zapped classes; and the order saves the searches it should.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "core/config.hpp"
#include "core/dependency_graph.hpp"

using namespace lockdep;

namespace {

uint32_t g_path[kMaxClasses];
uint32_t g_base = 1000;  // each test case uses its own class indices

uint64_t rng(uint64_t &s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

// Offers prev -> next as the validator does; returns whether it was
// rejected, after checking that the verdict is the full search's.
bool offer(uint32_t prev, uint8_t prev_read, uint32_t next, uint8_t next_read) {
  const uint8_t kind = dep_kind(prev_read, next_read);
  const uint32_t existing = find_dependency(prev, next);
  if (existing && (dependency_at(existing).mask & kind)) return false;
  const bool full = find_strong_path(next, next_read, prev, prev_read, g_path) != 0;
  bool against = false;
  const uint32_t len = check_new_dependency(prev, prev_read, next, next_read, g_path, against);
  REQUIRE((len != 0) == full);
  if (len) {
    // The path really runs next -> ... -> prev.
    REQUIRE(dependency_at(g_path[0]).from == next);
    REQUIRE(dependency_at(g_path[len - 1]).to == prev);
    for (uint32_t i = 1; i < len; ++i)
      REQUIRE(dependency_at(g_path[i - 1]).to == dependency_at(g_path[i]).from);
    return true;
  }
  if (existing)
    add_dependency_kind(existing, kind);
  else
    REQUIRE(add_dependency(prev, next, kind, 0, against));
  return false;
}

uint32_t take_classes(uint32_t n) {
  const uint32_t first = g_base;
  g_base += n;
  return first;
}

}  // namespace

TEST_CASE("a chain inserted in descending order needs no search, and its closing edge is found") {
  const uint32_t n = 2000, c = take_classes(n);
  const auto before = dependency_order_counts();
  for (uint32_t i = n - 1; i-- > 0;) REQUIRE_FALSE(offer(c + i, 0, c + i + 1, 0));
  const auto after = dependency_order_counts();
  CHECK(after.fast - before.fast == n - 1);
  CHECK(after.region_nodes == before.region_nodes);
  CHECK(find_strong_path(c, 0, c + n - 1, 0, g_path) == n - 1);
  bool against = false;
  CHECK(check_new_dependency(c + n - 1, 0, c, 0, g_path, against) == n - 1);
  for (uint32_t i = 0; i < n; ++i) dependency_graph_remove_class(c + i);
}

TEST_CASE("edges against the order are reordered, and a later inversion is still found") {
  const uint32_t c = take_classes(4);
  // a->b, c->d, then b->c forces d and c after b; then d->a closes.
  REQUIRE_FALSE(offer(c + 2, 0, c + 3, 0));
  REQUIRE_FALSE(offer(c + 0, 0, c + 1, 0));
  REQUIRE_FALSE(offer(c + 3, 0, c + 0, 0));  // c->d->a->b
  REQUIRE(offer(c + 1, 0, c + 2, 0));        // b->c closes c->d->a->b
  for (uint32_t i = 0; i < 4; ++i) dependency_graph_remove_class(c + i);
}

TEST_CASE("a read-read cycle is admitted against the order and forgotten with its class") {
  const uint32_t c = take_classes(2);
  // A(read) -> B(recursive read) and B(read) -> A(recursive read): no deadlock.
  REQUIRE_FALSE(offer(c, 1, c + 1, 2));
  const auto before = dependency_order_counts();
  REQUIRE_FALSE(offer(c + 1, 1, c, 2));
  CHECK(dependency_order_counts().against_order == before.against_order + 1);
  // While it is in the graph the full search runs; a writer cycle is found.
  const uint32_t d = take_classes(1);
  REQUIRE_FALSE(offer(c + 1, 0, d, 0));
  CHECK(offer(d, 0, c + 1, 0));
  dependency_graph_remove_class(c);
  dependency_graph_remove_class(c + 1);
  dependency_graph_remove_class(d);
  // With it gone the fast path is back.
  const uint32_t e = take_classes(2);
  const auto fast = dependency_order_counts().fast;
  REQUIRE_FALSE(offer(e, 0, e + 1, 0));
  CHECK(dependency_order_counts().fast == fast + 1);
  dependency_graph_remove_class(e);
  dependency_graph_remove_class(e + 1);
}

TEST_CASE("random graphs with every read kind and zaps: verdicts equal the full search") {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const uint32_t n = 12 + static_cast<uint32_t>(seed % 30);
    const uint32_t c = take_classes(n);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull;
    for (int step = 0; step < 600; ++step) {
      const uint32_t a = static_cast<uint32_t>(rng(s) % n);
      uint32_t b = static_cast<uint32_t>(rng(s) % n);
      if (a == b) b = (b + 1) % n;
      if (rng(s) % 50 == 0) {
        dependency_graph_remove_class(c + a);
        continue;
      }
      // Mostly writers, so that both deadlocking and harmless cycles occur.
      const uint8_t ra = rng(s) % 4 == 0 ? static_cast<uint8_t>(1 + rng(s) % 2) : 0;
      const uint8_t rb = rng(s) % 4 == 0 ? static_cast<uint8_t>(1 + rng(s) % 2) : 0;
      offer(c + a, ra, c + b, rb);
      // The searches read the edge blocks; they must mirror the lists
      // through every addition, new kind and zap.
      if (step % 50 == 0)
        for (uint32_t i = 0; i < n; ++i) REQUIRE(dependency_lists_agree(c + i));
    }
    for (uint32_t i = 0; i < n; ++i) REQUIRE(dependency_lists_agree(c + i));
    for (uint32_t i = 0; i < n; ++i) dependency_graph_remove_class(c + i);
    for (uint32_t i = 0; i < n; ++i) REQUIRE(dependency_lists_agree(c + i));
  }
  // Every against-order dependency went with its class.
  const uint32_t e = take_classes(2);
  const auto fast = dependency_order_counts().fast;
  REQUIRE_FALSE(offer(e, 0, e + 1, 0));
  CHECK(dependency_order_counts().fast == fast + 1);
}
