// The C++ layer: annotated<Lockable>, class_key, held_scope, off_scope.
#include <catch2/catch.hpp>
#include <lockdep/lockdep.hpp>
#include <mutex>
#include <shared_mutex>

#include "support.hpp"

using test::reports;

TEST_CASE("annotated<std::mutex> reports an inversion through std::lock_guard") {
  reports r;
  lockdep::annotated<std::mutex> a("cpp_a"), b("cpp_b");
  {
    std::lock_guard ga(a);
    std::lock_guard gb(b);
    CHECK(a.is_held());
  }
  {
    std::lock_guard gb(b);
    std::lock_guard ga(a);
  }
  INFO(r.text());
  CHECK(r.count() == 1);
  CHECK(test::count_of(r.text(), test::kCircular) == 1);
  CHECK_FALSE(a.is_held());
}

TEST_CASE("annotated<std::shared_mutex>: read-read inversion is fine, read-write is not") {
  lockdep::annotated<std::shared_mutex> a("sh_a"), b("sh_b");
  reports r;
  {
    std::shared_lock ra(a);
    std::shared_lock rb(b);
  }
  {
    std::shared_lock rb(b);
    std::shared_lock ra(a);
  }
  CHECK(r.count() == 0);
  {
    std::unique_lock wb(b);
    std::unique_lock wa(a);
  }
  INFO(r.text());
  CHECK(r.count() == 1);
}

TEST_CASE("a class_key shared by many locks is one class, and its death forgets it") {
  reports r;
  {
    lockdep::class_key key;
    lockdep::annotated<std::mutex> a1("a", key.get()), a2("a", key.get()), b("b");
    {
      std::lock_guard g1(a1);
      std::lock_guard gb(b);
    }
    {
      std::lock_guard gb(b);
      std::lock_guard g2(a2);  // same class as a1: inversion
    }
    CHECK(r.count() == 1);
  }
  lockdep::annotated<std::mutex> c("c");
  CHECK(r.count() == 1);
}

TEST_CASE("try_lock, held_scope, off_scope and assert_held") {
  reports r;
  lockdep::annotated<std::mutex> a("ta"), b("tb");
  {
    std::lock_guard ga(a);
    REQUIRE(b.try_lock());  // no edge into a tried lock
    b.unlock();
  }
  {
    std::lock_guard gb(b);
    std::lock_guard ga(a);
  }
  CHECK(r.count() == 0);

  static lockdep_class_key handoff_key;
  lockdep_map handoff;
  lockdep_init_map(&handoff, "handoff", &handoff_key, 0);
  {
    lockdep::held_scope h(&handoff);
    CHECK(lockdep_is_held(&handoff) == 1);
  }
  CHECK(lockdep_is_held(&handoff) == 0);

  lockdep::annotated<std::mutex> c("tc"), d("td");
  {
    std::lock_guard gc(c);
    std::lock_guard gd(d);
  }
  {
    lockdep::off_scope off;  // the inversion below is not seen
    std::lock_guard gd(d);
    std::lock_guard gc(c);
  }
  CHECK(r.count() == 0);

  a.assert_held();
  INFO(r.text());
  CHECK(test::count_of(r.text(), "WARNING: lock not held!") == 1);
}
