#include "support/options.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/config.hpp"

namespace lockdep {
namespace {

options g_options{};

bool parse_uint(const char *v, unsigned long lo, unsigned long hi, unsigned long *out) {
  if (!*v) return false;
  char *end = nullptr;
  errno = 0;
  const unsigned long x = std::strtoul(v, &end, 10);
  if (errno || *end || v[0] == '-' || x < lo || x > hi) return false;
  *out = x;
  return true;
}

bool parse_bool(const char *v, bool *out) {
  if (!std::strcmp(v, "1") || !std::strcmp(v, "true")) return *out = true, true;
  if (!std::strcmp(v, "0") || !std::strcmp(v, "false")) return *out = false, true;
  return false;
}

struct key_spec {
  const char *key;
  const char *accepted;
};

constexpr key_spec kKeys[] = {
    {"log_path", "a file path, or 'stderr'"},
    {"exitcode", "an integer from 1 to 255"},
    {"halt_on_error", "0, 1, true or false"},
    {"abort_on_error", "0, 1, true or false"},
    {"max_reports", "an integer from 0 (unlimited) to 1000000"},
    {"stack_depth", "an integer from 1 to 64"},
    {"print_stats", "0, 1, true or false"},
    {"verbosity", "0 or 1"},
};

bool apply(options &o, const char *key, const char *value) {
  unsigned long n = 0;
  if (!std::strcmp(key, "log_path")) {
    if (!*value || std::strlen(value) >= sizeof o.log_path) return false;
    if (!std::strcmp(value, "stderr"))
      o.log_path[0] = '\0';
    else
      std::strcpy(o.log_path, value);
    return true;
  }
  if (!std::strcmp(key, "exitcode")) {
    if (!parse_uint(value, 1, 255, &n)) return false;
    o.exitcode = static_cast<int>(n);
    return true;
  }
  if (!std::strcmp(key, "halt_on_error")) return parse_bool(value, &o.halt_on_error);
  if (!std::strcmp(key, "abort_on_error")) return parse_bool(value, &o.abort_on_error);
  if (!std::strcmp(key, "print_stats")) return parse_bool(value, &o.print_stats);
  if (!std::strcmp(key, "max_reports")) {
    if (!parse_uint(value, 0, 1000000, &n)) return false;
    o.max_reports = static_cast<uint32_t>(n);
    return true;
  }
  if (!std::strcmp(key, "stack_depth")) {
    if (!parse_uint(value, 1, kMaxStackDepth, &n)) return false;
    o.stack_depth = static_cast<uint32_t>(n);
    return true;
  }
  if (!std::strcmp(key, "verbosity")) {
    if (!parse_uint(value, 0, 1, &n)) return false;
    o.verbosity = static_cast<int>(n);
    return true;
  }
  return false;
}

}  // namespace

const options &current_options() { return g_options; }

bool parse_options(const char *text, char *err, size_t err_len) {
  options next = g_options;
  char item[1200];
  for (const char *p = text ? text : ""; *p;) {
    const char *end = std::strchr(p, ':');
    const size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
    if (len >= sizeof item) {
      std::snprintf(err, err_len, "lockdep: option too long: '%.40s...'", p);
      return false;
    }
    std::memcpy(item, p, len);
    item[len] = '\0';
    p += len + (end ? 1 : 0);
    if (!len) continue;
    char *eq = std::strchr(item, '=');
    if (!eq) {
      std::snprintf(err, err_len, "lockdep: option '%s' needs a value (key=value)", item);
      return false;
    }
    *eq = '\0';
    const char *key = item, *value = eq + 1;
    const key_spec *spec = nullptr;
    for (const auto &k : kKeys)
      if (!std::strcmp(k.key, key)) spec = &k;
    if (!spec) {
      std::snprintf(err, err_len,
                    "lockdep: unknown option '%s'; known options: log_path, exitcode, "
                    "halt_on_error, abort_on_error, max_reports, stack_depth, "
                    "print_stats, verbosity",
                    key);
      return false;
    }
    if (!apply(next, key, value)) {
      std::snprintf(err, err_len, "lockdep: bad value '%s' for option '%s': expected %s", value,
                    key, spec->accepted);
      return false;
    }
  }
  g_options = next;
  return true;
}

const char *options_help() {
  return "  log_path=PATH        write reports to PATH (appended) instead of stderr\n"
         "  exitcode=N           exit status of `lockdep` when a report was printed (66)\n"
         "  halt_on_error=0|1    exit with exitcode right after the first report (0)\n"
         "  abort_on_error=0|1   abort() right after the first report (0)\n"
         "  max_reports=N        print at most N reports, 0 for no limit (0)\n"
         "  stack_depth=N        frames kept per stack trace, 1..64 (24)\n"
         "  print_stats=0|1      print class/dependency/chain counts at exit (0)\n"
         "  verbosity=N          0 quiet, 1 announce start-up on the report stream (0)\n";
}

}  // namespace lockdep
