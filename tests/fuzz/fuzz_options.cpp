// libFuzzer target: the LOCKDEP_OPTIONS parser (src/support/options.cpp).
// Beyond not crashing: a rejected text changes nothing and explains itself
// in one line that fits the buffer; an accepted one leaves every option in
// its documented range.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "support/options.hpp"

namespace {

void check(bool ok, const char *what, const std::string &text) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_options: %s for '%s'\n", what, text.c_str());
  std::abort();
}

const char kDefaults[] =
    "log_path=stderr:exitcode=66:halt_on_error=0:abort_on_error=0:max_reports=0:"
    "stack_depth=24:print_stats=0:verbosity=0";

bool same(const lockdep::options &a, const lockdep::options &b) {
  return !std::strcmp(a.log_path, b.log_path) && a.exitcode == b.exitcode &&
         a.halt_on_error == b.halt_on_error && a.abort_on_error == b.abort_on_error &&
         a.max_reports == b.max_reports && a.stack_depth == b.stack_depth &&
         a.print_stats == b.print_stats && a.verbosity == b.verbosity;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err0[8];
  if (!lockdep::parse_options(kDefaults, err0, sizeof err0)) std::abort();
  const std::string text(reinterpret_cast<const char *>(data), size);  // up to the first NUL
  const lockdep::options before = lockdep::current_options();

  // A short error buffer now and then, with a guard after it.
  const size_t err_len = size % 4 == 0 ? 9 : 300;
  char err[300 + 16];
  std::memset(err, 0x5a, sizeof err);
  const bool ok = lockdep::parse_options(text.c_str(), err, err_len);
  for (size_t i = err_len; i < sizeof err; ++i) check(err[i] == 0x5a, "error text overran", text);

  const lockdep::options &o = lockdep::current_options();
  if (!ok) {
    check(same(before, o), "a rejected text changed the options", text);
    check(std::memchr(err, '\0', err_len) != nullptr, "error text not terminated", text);
    check(std::strchr(err, '\n') == nullptr, "error text is more than one line", text);
    check(std::strncmp(err, "lockdep: ", err_len - 1 < 9 ? err_len - 1 : 9) == 0,
          "error text does not start with 'lockdep: '", text);
    return 0;
  }
  check(o.exitcode >= 1 && o.exitcode <= 255, "exitcode out of range", text);
  check(o.stack_depth >= 1 && o.stack_depth <= 64, "stack_depth out of range", text);
  check(o.max_reports <= 1000000, "max_reports out of range", text);
  check(o.verbosity == 0 || o.verbosity == 1, "verbosity out of range", text);
  check(std::memchr(o.log_path, '\0', sizeof o.log_path) != nullptr, "log_path not terminated",
        text);
  // Parsing the same text again over the result is a no-op.
  const lockdep::options once = o;
  check(lockdep::parse_options(text.c_str(), err, err_len), "accepted once, then rejected", text);
  check(same(once, lockdep::current_options()), "not idempotent", text);
  return 0;
}
