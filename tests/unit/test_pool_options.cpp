// max_classes= and max_dependencies=: pools of real state sized by options,
// within their static reservation, out-of-range values refused.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/pools.hpp"
#include "core/testing.hpp"
#include "support.hpp"

using namespace test;

namespace {

std::string set_error(const char *text) {
  char err[512] = "";
  if (lockdep_set_options(text, err, sizeof err) == 0) return "";
  return err;
}

lockdep_stats stats() {
  lockdep_stats s;
  lockdep_get_stats(&s);
  return s;
}

}  // namespace

TEST_CASE("max_classes and max_dependencies: out-of-range values are refused") {
  CHECK(set_error("max_classes=0") ==
        "lockdep: bad value '0' for option 'max_classes': expected an integer from 1 to 1048576 "
        "(the static reservation)");
  CHECK(set_error("max_classes=1048577") ==
        "lockdep: bad value '1048577' for option 'max_classes': expected an integer from 1 to "
        "1048576 (the static reservation)");
  CHECK(set_error("max_dependencies=4194305") ==
        "lockdep: bad value '4194305' for option 'max_dependencies': expected an integer from 1 "
        "to 4194304 (the static reservation)");
  CHECK(set_error("max_dependencies=-5") != "");
  CHECK(set_error("max_dependencies=1e6") != "");
  // A refused value changes nothing.
  CHECK(lockdep::pool_limit(lockdep::pool::classes) == 1048576);
  CHECK(lockdep::pool_limit(lockdep::pool::dependencies) == 4194304);
  CHECK(stats().dependencies_capacity == 4194304);
}

TEST_CASE("max_dependencies sets the limit, and running past it turns checking off with a hint") {
  const uint64_t in_use = stats().dependencies;
  const std::string text = "max_dependencies=" + std::to_string(in_use + 3);
  REQUIRE(set_error(text.c_str()) == "");
  CHECK(lockdep::pool_limit(lockdep::pool::dependencies) == in_use + 3);
  CHECK(stats().dependencies_capacity == in_use + 3);
  CHECK(lockdep::pool_limit(lockdep::pool::classes) == 1048576);  // untouched

  reports r;
  lock outer("po_outer");
  std::vector<std::unique_ptr<lock>> inner;
  for (int i = 0; i < 10; ++i) {
    inner.push_back(std::make_unique<lock>("po_inner"));
    L(outer), L(*inner.back()), U(*inner.back()), U(outer);
  }
  const std::string out = r.text();
  INFO(out);
  CHECK(count_of(out, "BUG: MAX_LOCKDEP_ENTRIES too low!\n") == 1);
  CHECK(count_of(out, "turning off the locking correctness validator.\n") == 1);
  CHECK(count_of(out, "lockdep: the limit was max_dependencies=" + std::to_string(in_use + 3) +
                          " (at most 4194304): a larger one keeps checking on\n") == 1);
  CHECK(stats().enabled == 0);
  REQUIRE(set_error("max_dependencies=4194304") == "");
  lockdep::testing::reenable();
}

TEST_CASE("max_classes sets the limit of the class pool") {
  const uint64_t in_use = stats().classes_in_use;
  const std::string text = "max_classes=" + std::to_string(in_use + 2);
  REQUIRE(set_error(text.c_str()) == "");
  CHECK(stats().classes_capacity == in_use + 2);
  reports r;
  std::vector<std::unique_ptr<lock>> locks;
  for (int i = 0; i < 5; ++i) {
    locks.push_back(std::make_unique<lock>("po_class"));
    L(*locks.back()), U(*locks.back());
  }
  const std::string out = r.text();
  INFO(out);
  CHECK(count_of(out, "BUG: MAX_LOCKDEP_KEYS too low!\n") == 1);
  CHECK(count_of(out, "lockdep: the limit was max_classes=") == 1);
  REQUIRE(set_error("max_classes=1048576") == "");
  lockdep::testing::reenable();
}
