#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "support/options.hpp"

namespace {
std::string parse_error(const char *text) {
  char err[512] = "";
  if (lockdep::parse_options(text, err, sizeof err)) return "";
  return err;
}
}  // namespace

TEST_CASE("options are separated like the sanitizers': ':' ',' and whitespace") {
  REQUIRE(parse_error("exitcode=41, max_reports=3\tstack_depth=5:\n verbosity=0 ") == "");
  CHECK(lockdep::current_options().exitcode == 41);
  CHECK(lockdep::current_options().max_reports == 3);
  CHECK(lockdep::current_options().stack_depth == 5);
  CHECK(parse_error("exitcode= 7") ==
        "lockdep: bad value '' for option 'exitcode': expected an integer from 1 to 255");
  REQUIRE(parse_error("exitcode=66:max_reports=0:stack_depth=24") == "");
}

TEST_CASE("a quoted value keeps separators; booleans take yes/no") {
  REQUIRE(parse_error("log_path='/tmp/a dir/x:y,z.log' halt_on_error=yes") == "");
  CHECK(std::string(lockdep::current_options().log_path) == "/tmp/a dir/x:y,z.log");
  CHECK(lockdep::current_options().halt_on_error);
  REQUIRE(parse_error("log_path=\"it's\" halt_on_error=no") == "");
  CHECK(std::string(lockdep::current_options().log_path) == "it's");
  CHECK_FALSE(lockdep::current_options().halt_on_error);
  CHECK(parse_error("log_path='open") == "lockdep: unterminated quote in option 'log_path='open'");
  CHECK(parse_error("halt_on_error=maybe") ==
        "lockdep: bad value 'maybe' for option 'halt_on_error': expected 0, 1, true, false, yes "
        "or no");
  REQUIRE(parse_error("log_path=stderr") == "");
  CHECK(lockdep::current_options().log_path[0] == '\0');
}

TEST_CASE("log_path's %p is the pid") {
  char out[64];
  REQUIRE(lockdep::expand_log_path("/tmp/r.%p.log", 1234, out, sizeof out));
  CHECK(std::string(out) == "/tmp/r.1234.log");
  REQUIRE(lockdep::expand_log_path("100%%-%p", 7, out, sizeof out));
  CHECK(std::string(out) == "100%-7");
  CHECK_FALSE(lockdep::expand_log_path("/a/very/long/path/%p", 1234567, out, 12));
}

TEST_CASE("command flags: which keys are booleans") {
  CHECK(lockdep::option_kind("halt_on_error") == 1);
  CHECK(lockdep::option_kind("follow_children") == 1);
  CHECK(lockdep::option_kind("log_path") == 2);
  CHECK(lockdep::option_kind("bogus") == 0);
}
