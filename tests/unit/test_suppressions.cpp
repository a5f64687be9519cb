#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "support/options.hpp"
#include "support/suppressions.hpp"

using lockdep::glob_match;

namespace {

std::string write_file(const std::string &text) {
  char path[] = "/tmp/lockdep-supp-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  return path;
}

std::string load_error(const std::string &path) {
  char err[600] = "";
  if (lockdep::parse_options(("suppressions=" + path).c_str(), err, sizeof err)) return "";
  return err;
}

}  // namespace

TEST_CASE("glob: '*' any run, '?' one character, the rest literally") {
  CHECK(glob_match("invert_*", "invert_alpha_beta"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*::lock", "Mutex::lock"));
  CHECK(glob_match("g_?eta", "g_beta"));
  CHECK(glob_match("a*b*c", "aXXbYYbc"));
  CHECK_FALSE(glob_match("g_?eta", "g_eta"));
  CHECK_FALSE(glob_match("libjvm.so", "libjvm.so.1"));
  CHECK_FALSE(glob_match("invert", "invert_alpha"));
  CHECK_FALSE(glob_match("", "x"));
}

TEST_CASE("a suppressions file: kinds, comments, blank lines, acquired_in=") {
  const std::string path =
      write_file("# comment\n\n  exit : acquired_in=libfoo.so \n*:g_lock\ncircular:Foo::bar");
  REQUIRE(load_error(path) == "");
  const lockdep::suppression_list l = lockdep::loaded_suppressions();
  REQUIRE(l.n == 3);
  CHECK(std::string(lockdep::suppress_kind_name(l.items[0].kind)) == "exit");
  CHECK(l.items[0].acquired_in);
  CHECK(std::string(l.items[0].pattern) == "libfoo.so");
  CHECK(l.items[1].kind == lockdep::kAnyKind);
  CHECK(std::string(l.items[2].pattern) == "Foo::bar");  // the first ':' ends the kind
  unlink(path.c_str());
}

TEST_CASE("a bad file changes nothing and names its line") {
  const std::string good = write_file("recursive:x\n");
  REQUIRE(load_error(good) == "");
  const std::string bad = write_file("circular:a\nnot a rule\n");
  CHECK(load_error(bad) == "lockdep: " + bad + ":2: expected KIND:PATTERN, got 'not a rule'");
  REQUIRE(lockdep::loaded_suppressions().n == 1);
  CHECK(std::string(lockdep::loaded_suppressions().items[0].pattern) == "x");
  CHECK(std::string(lockdep::current_options().suppressions) == good);
  const std::string long_line = write_file("circular:" + std::string(2000, 'x') + "\n");
  CHECK(load_error(long_line) ==
        "lockdep: " + long_line + ":1: line longer than 1023 bytes (the limit)");
  std::string big;
  for (int i = 0; i < 40; ++i) big += "circular:" + std::string(500, 'a' + i % 26) + "\n";
  const std::string too_big = write_file(big);
  CHECK(load_error(too_big) ==
        "lockdep: " + too_big + ":33: the patterns take more than 16384 bytes (the limit)");
  REQUIRE(load_error("''") == "");
  CHECK(lockdep::loaded_suppressions().n == 0);
  for (const std::string &p : {good, bad, long_line, too_big}) unlink(p.c_str());
}
