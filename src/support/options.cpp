#include "support/options.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "core/config.hpp"
#include "support/suppressions.hpp"

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
  for (const char *yes : {"1", "true", "yes"})
    if (!std::strcmp(v, yes)) return *out = true, true;
  for (const char *no : {"0", "false", "no"})
    if (!std::strcmp(v, no)) return *out = false, true;
  return false;
}

bool is_separator(char c) {
  return c == ':' || c == ',' || std::isspace(static_cast<unsigned char>(c));
}

struct key_spec {
  const char *key;
  const char *accepted;
};

constexpr key_spec kKeys[] = {
    {"log_path", "a file path (%p: the pid), or 'stderr'"},
    {"exitcode", "an integer from 1 to 255"},
    {"fail_at_exit", "0, 1, true, false, yes or no"},
    {"follow_children", "0, 1, true, false, yes or no"},
    {"halt_on_error", "0, 1, true, false, yes or no"},
    {"abort_on_error", "0, 1, true, false, yes or no"},
    {"max_reports", "an integer from 0 (unlimited) to 1000000"},
    {"stack_depth", "an integer from 1 to 64"},
    {"print_stats", "0, 1, true, false, yes or no"},
    {"verbosity", "0 or 1"},
    {"suppressions", "a suppressions file (KIND:PATTERN lines), or '' for none"},
    {"default_suppressions", "0, 1, true, false, yes or no"},
    {"max_classes", "an integer from 1 to 1048576 (the static reservation)"},
    {"max_dependencies", "an integer from 1 to 4194304 (the static reservation)"},
    {"classes", "site (also check classes inferred by where locks come from) or instance"},
    {"report_format", "text or json"},
    {"json_path", "a file path (%p: the pid), or '' for none"},
    {"symbolize", "0, 1, true, false, yes or no"},
    {"graph_path", "a file path (%p: the pid), or '' for none"},
};
static_assert(kMaxClasses == 1048576 && kMaxDependencies == 4194304, "the texts above");

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
  if (!std::strcmp(key, "fail_at_exit")) return parse_bool(value, &o.fail_at_exit);
  if (!std::strcmp(key, "follow_children")) return parse_bool(value, &o.follow_children);
  if (!std::strcmp(key, "halt_on_error")) return parse_bool(value, &o.halt_on_error);
  if (!std::strcmp(key, "abort_on_error")) return parse_bool(value, &o.abort_on_error);
  if (!std::strcmp(key, "print_stats")) return parse_bool(value, &o.print_stats);
  if (!std::strcmp(key, "default_suppressions")) return parse_bool(value, &o.default_suppressions);
  if (!std::strcmp(key, "suppressions")) {
    if (std::strlen(value) >= sizeof o.suppressions) return false;
    std::strcpy(o.suppressions, value);
    return true;
  }
  if (!std::strcmp(key, "classes")) {
    if (!std::strcmp(value, "site")) return o.classes_site = true, true;
    if (!std::strcmp(value, "instance")) return o.classes_site = false, true;
    return false;
  }
  if (!std::strcmp(key, "symbolize")) return parse_bool(value, &o.symbolize);
  if (!std::strcmp(key, "report_format")) {
    if (std::strcmp(value, "text") && std::strcmp(value, "json")) return false;
    o.report_json = !std::strcmp(value, "json");
    return true;
  }
  if (!std::strcmp(key, "json_path")) {
    if (std::strlen(value) >= sizeof o.json_path) return false;
    std::strcpy(o.json_path, value);
    return true;
  }
  if (!std::strcmp(key, "graph_path")) {
    if (std::strlen(value) >= sizeof o.graph_path) return false;
    std::strcpy(o.graph_path, value);
    return true;
  }
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
  if (!std::strcmp(key, "max_classes")) {
    if (!parse_uint(value, 1, kMaxClasses, &n)) return false;
    o.max_classes = static_cast<uint32_t>(n);
    return true;
  }
  if (!std::strcmp(key, "max_dependencies")) {
    if (!parse_uint(value, 1, kMaxDependencies, &n)) return false;
    o.max_dependencies = static_cast<uint32_t>(n);
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

namespace {
bool parse_options_into(const char *text, char *err, size_t err_len);
}  // namespace

// The error names what the user wrote, which may hold any byte: control
// characters are shown as '?', so the message stays one line.
bool parse_options(const char *text, char *err, size_t err_len) {
  if (parse_options_into(text, err, err_len)) return true;
  for (char *c = err; err_len && *c; ++c)
    if (static_cast<unsigned char>(*c) < 0x20 || *c == 0x7f) *c = '?';
  return false;
}

namespace {
bool parse_options_into(const char *text, char *err, size_t err_len) {
  options next = g_options;
  bool suppressions_named = false;
  char item[1200];
  for (const char *p = text ? text : ""; *p;) {
    if (is_separator(*p)) {
      ++p;
      continue;
    }
    // One item: up to a separator outside quotes; the quotes are dropped.
    size_t len = 0;
    char quote = 0;
    const char *begin = p;
    for (; *p && (quote || !is_separator(*p)); ++p) {
      if (quote && *p == quote) {
        quote = 0;
        continue;
      }
      if (!quote && (*p == '\'' || *p == '"')) {
        quote = *p;
        continue;
      }
      if (len + 1 >= sizeof item) {
        std::snprintf(err, err_len, "lockdep: option too long: '%.40s...'", begin);
        return false;
      }
      item[len++] = *p;
    }
    item[len] = '\0';
    if (quote) {
      std::snprintf(err, err_len, "lockdep: unterminated quote in option '%.60s'", begin);
      return false;
    }
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
      char known[400] = "";
      for (const auto &k : kKeys) {
        if (known[0]) std::strcat(known, ", ");
        std::strcat(known, k.key);
      }
      std::snprintf(err, err_len, "lockdep: unknown option '%s'; known options: %s", key, known);
      return false;
    }
    if (!apply(next, key, value)) {
      std::snprintf(err, err_len, "lockdep: bad value '%s' for option '%s': expected %s", value,
                    key, spec->accepted);
      return false;
    }
    if (!std::strcmp(key, "suppressions")) suppressions_named = true;
  }
  if (suppressions_named) {
    if (!suppressions_stage(next.suppressions, err, err_len)) return false;
    suppressions_commit();
  }
  g_options = next;
  return true;
}
}  // namespace

bool expand_log_path(const char *pattern, int pid, char *out, size_t out_len) {
  size_t n = 0;
  for (const char *p = pattern; *p; ++p) {
    char piece[24];
    size_t piece_len = 1;
    piece[0] = *p;
    if (p[0] == '%' && p[1] == 'p') {
      piece_len = static_cast<size_t>(std::snprintf(piece, sizeof piece, "%d", pid));
      ++p;
    } else if (p[0] == '%' && p[1] == '%') {
      ++p;
    }
    if (n + piece_len >= out_len) return false;
    std::memcpy(out + n, piece, piece_len);
    n += piece_len;
  }
  if (!out_len) return false;
  out[n] = '\0';
  return true;
}

int option_kind(const char *key) {
  for (const auto &k : kKeys)
    if (!std::strcmp(k.key, key)) return std::strncmp(k.accepted, "0, 1, true", 10) ? 2 : 1;
  return 0;
}

const char *options_help() {
  return "  log_path=PATH        append reports to PATH instead of stderr; %p is the pid\n"
         "  exitcode=N           exit status of `lockdep` when a report was printed (66)\n"
         "  fail_at_exit=0|1     without the command: a process that printed a report\n"
         "                       ends with exitcode when it calls exit() (0)\n"
         "  follow_children=0|1  check programs the program runs (exec) too (1)\n"
         "  halt_on_error=0|1    exit with exitcode right after the first report (0)\n"
         "  abort_on_error=0|1   abort() right after the first report (0)\n"
         "  max_reports=N        print at most N reports, 0 for no limit (0)\n"
         "  stack_depth=N        frames kept per stack trace, 1..64 (24)\n"
         "  print_stats=0|1      print class/dependency/chain counts at exit (0)\n"
         "  verbosity=N          0 quiet, 1 announce start-up on the report stream (0)\n"
         "  suppressions=FILE    reports not to print: lines KIND:PATTERN, KIND one of\n"
         "                       circular recursive unlock freed exit not_held\n"
         "                       after_destroy cond_unheld cond_two_mutexes\n"
         "                       inconsistent signal_order or *\n"
         "  default_suppressions=0|1  the built-in list for known runtime behaviour (1)\n"
         "  max_classes=N        lock classes at most, 1..1048576 (1048576); past it:\n"
         "                       BUG: MAX_LOCKDEP_KEYS too low!, and checking stops\n"
         "  max_dependencies=N   dependencies at most, 1..4194304 (4194304); past it:\n"
         "                       BUG: MAX_LOCKDEP_ENTRIES too low!, and checking stops\n"
         "  classes=site|instance  preload mode: also check lock classes inferred from\n"
         "                       where each lock comes from (static symbol, allocation\n"
         "                       site and offset, init call, first use) (instance)\n"
         "  report_format=text|json  reports as text or as JSON lines (text)\n"
         "  json_path=PATH       also write each report as a JSON line to PATH (%p: pid)\n"
         "  symbolize=0|1        without the command: 0 prints frames as (module+0xoffset)\n"
         "                       for `lockdep symbolize` (1)\n"
         "  graph_path=FILE      write the learned lock graph (Graphviz DOT) to FILE at\n"
         "                       exit and on SIGUSR2; %p is the pid (none)\n";
}

}  // namespace lockdep
