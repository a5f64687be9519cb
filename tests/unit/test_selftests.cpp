// The kernel's locking self-test patterns (lib/locking-selftest.c): each
// gives the right report, or none.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace test;

namespace {

void expect_one(const reports &r, const char *title) {
  const std::string out = r.text();
  INFO(out);
  CHECK(r.count() == 1);
  CHECK(count_of(out, title) == 1);
}

void expect_none(const reports &r) {
  INFO(r.text());
  CHECK(r.count() == 0);
}

}  // namespace

TEST_CASE("AA: a lock taken twice is recursive locking") {
  reports r;
  lock A("A");
  L(A);
  L(A);
  U(A);
  U(A);
  expect_one(r, kRecursive);
  CHECK(r.text().find("lock(A);\n  lock(A);") != std::string::npos);
}

TEST_CASE("ABA: A, B, then A again") {
  reports r;
  lock A("A"), B("B");
  L(A);
  L(B);
  L(A);
  U(A);
  U(B);
  U(A);
  expect_one(r, kRecursive);
}

TEST_CASE("ABBA") {
  reports r;
  lock A("A"), B("B");
  L(A), L(B), U(B), U(A);
  L(B), L(A), U(A), U(B);
  expect_one(r, kCircular);
}

TEST_CASE("ABBCCA: three-lock cycle") {
  reports r;
  lock A("A"), B("B"), C("C");
  L(A), L(B), U(B), U(A);
  L(B), L(C), U(C), U(B);
  L(C), L(A), U(A), U(C);
  expect_one(r, kCircular);
  CHECK(r.text().find("Chain exists of:\n  A --> B --> C") != std::string::npos);
}

TEST_CASE("ABBCCDDA: four-lock cycle") {
  reports r;
  lock A("A"), B("B"), C("C"), D("D");
  L(A), L(B), U(B), U(A);
  L(B), L(C), U(C), U(B);
  L(C), L(D), U(D), U(C);
  L(D), L(A), U(A), U(D);
  expect_one(r, kCircular);
  CHECK(r.text().find("-> #3 (D)") != std::string::npos);
}

TEST_CASE("ABCABC: A-B, C-A, then B-C closes the cycle") {
  reports r;
  lock A("A"), B("B"), C("C");
  L(A), L(B), U(B), U(A);
  L(C), L(A), U(A), U(C);
  L(B), L(C), U(C), U(B);
  expect_one(r, kCircular);
}

TEST_CASE("ABCDBCDA") {
  reports r;
  lock A("A"), B("B"), C("C"), D("D");
  L(A), L(B), U(B), U(A);
  L(C), L(D), U(D), U(C);
  L(B), L(C), U(C), U(B);
  L(D), L(A), U(A), U(D);
  expect_one(r, kCircular);
}

TEST_CASE("ABCDBDDA") {
  reports r;
  lock A("A"), B("B"), C("C"), D("D");
  L(A), L(B), U(B), U(A);
  L(C), L(D), U(D), U(C);
  L(B), L(D), U(D), U(B);
  L(D), L(A), U(A), U(D);
  expect_one(r, kCircular);
}

TEST_CASE("WW: a rwlock write-locked twice") {
  reports r;
  lock X("X");
  L(X), L(X), U(X), U(X);
  expect_one(r, kRecursive);
}

TEST_CASE("unlock of a lock not held") {
  reports r;
  lock A("A");
  L(A), U(A), U(A);
  expect_one(r, kUnlock);
  CHECK(r.text().find("is trying to release lock (A) at:") != std::string::npos);
  CHECK(r.text().find("but there are no more locks to release!") != std::string::npos);
}

TEST_CASE("trylock inversion is not a deadlock") {
  reports r;
  lock A("A"), B("B");
  L(A), TL(B), U(B), U(A);  // no edge into a tried lock
  L(B), L(A), U(A), U(B);
  expect_none(r);
}

TEST_CASE("a held trylock orders the locks taken after it") {
  reports r;
  lock A("A"), B("B");
  TL(A), L(B), U(B), U(A);
  L(B), L(A), U(A), U(B);
  expect_one(r, kCircular);
}

TEST_CASE("read-read inversion of recursive readers is not a deadlock") {
  reports r;
  lock A("A"), B("B");
  RL(A), RL(B), U(B), U(A);
  RL(B), RL(A), U(A), U(B);
  expect_none(r);
}

TEST_CASE("recursive read of a held recursive-read lock") {
  reports r;
  lock X("X");
  RL(X), RL(X), U(X), U(X);
  expect_none(r);
}

TEST_CASE("non-recursive readers taken twice deadlock behind a writer") {
  reports r;
  lock X("X");
  RLN(X), RLN(X), U(X), U(X);
  expect_one(r, kRecursive);
}

TEST_CASE("nesting annotation: same class at another subclass") {
  static lockdep_class_key node_key;
  reports r;
  lock parent("node", &node_key), child("node", &node_key);
  L(parent);
  L(child, LOCKDEP_SINGLE_DEPTH_NESTING);
  U(child);
  U(parent);
  expect_none(r);

  SECTION("a subclass given at init nests the same way") {
    reports r2;
    lock nested_child("node", &node_key, LOCKDEP_SINGLE_DEPTH_NESTING);
    L(parent), L(nested_child), U(nested_child), U(parent);
    expect_none(r2);
  }

  SECTION("without the annotation it is recursive locking") {
    reports r2;
    L(parent), L(child), U(child), U(parent);
    expect_one(r2, kRecursive);
  }
}

// The kernel's rlock_ABBA1..3 and their rwsem (non-recursive reader) forms.
TEST_CASE("recursive read rules") {
  SECTION("X read then Y; Y then X write: deadlock") {
    reports r;
    lock X("X"), Y("Y");
    RL(X), L(Y), U(Y), U(X);
    L(Y), L(X), U(X), U(Y);
    expect_one(r, kCircular);
  }
  SECTION("Y then X read; X write then Y: deadlock") {
    reports r;
    lock X("X"), Y("Y");
    L(Y), RL(X), U(X), U(Y);
    L(X), L(Y), U(Y), U(X);
    expect_one(r, kCircular);
  }
  SECTION("Y then X read; X read then Y: recursive readers get in") {
    reports r;
    lock X("X"), Y("Y");
    L(Y), RL(X), U(X), U(Y);
    RL(X), L(Y), U(Y), U(X);
    expect_none(r);
  }
  SECTION("the same with non-recursive readers: deadlock") {
    reports r;
    lock X("X"), Y("Y");
    L(Y), RLN(X), U(X), U(Y);
    RLN(X), L(Y), U(Y), U(X);
    expect_one(r, kCircular);
  }
  SECTION("a cycle through a recursive read is broken only where -(*R)- meets -(S*)-") {
    // A -> B(read) -> C ... C -> A: B is entered as a recursive reader and
    // left as a reader, so no strong cycle.
    reports r;
    lock A("A"), B("B"), C("C");
    L(A), RL(B), U(B), U(A);
    RL(B), L(C), U(C), U(B);
    L(C), L(A), U(A), U(C);
    expect_none(r);
  }
}

TEST_CASE("each distinct problem is reported once") {
  reports r;
  lock A("A"), B("B");
  for (int i = 0; i < 3; ++i) {
    L(A), L(B), U(B), U(A);
    L(B), L(A), U(A), U(B);
  }
  expect_one(r, kCircular);
}

TEST_CASE("releasing a lock out of order keeps the stack consistent") {
  reports r;
  lock A("A"), B("B"), C("C");
  L(A), L(B), L(C);
  U(B);  // middle
  CHECK(lockdep_is_held(&A.map) == 1);
  CHECK(lockdep_is_held(&B.map) == 0);
  CHECK(lockdep_is_held(&C.map) == 1);
  U(C), U(A);
  expect_none(r);
}

TEST_CASE("an unbalanced lockdep_on() does not turn checking off") {
  lockdep_on();
  reports r;
  lock A("A"), B("B");
  L(A), L(B), U(B), U(A);
  L(B), L(A), U(A), U(B);
  expect_one(r, kCircular);
}
