// Run-time options: LOCKDEP_OPTIONS=key=value:key=value, the sanitizers'
// convention, and the same keys as `lockdep` command flags.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lockdep {

struct options {
  char log_path[1024];               // empty: stderr; %p stands for the pid
  int exitcode = 66;                 // the command's status when a report was printed
  bool fail_at_exit = false;         // without the command: exit(exitcode) if a report was printed
  bool follow_children = true;       // exec'd children are checked (and counted) too
  bool halt_on_error = false;        // _exit(exitcode) after the first report
  bool abort_on_error = false;       // abort() after the first report
  uint32_t max_reports = 0;          // 0: unlimited
  uint32_t stack_depth = 24;         // frames kept per trace
  bool print_stats = false;          // print the stats block at exit
  int verbosity = 0;                 // 1: announce start-up
  char suppressions[1024];           // a suppressions file; empty: none
  bool default_suppressions = true;  // the built-in list (suppressions.cpp)
  // Limits of the pools that hold real state; 0: the static reservation.
  uint32_t max_classes = 0;
  uint32_t max_dependencies = 0;
  // classes=site: also lock classes inferred by site. Off by default: the
  // class graph has no topological order yet, and a many-lock server ran
  // 8x slower with it (README, "Lock classes by site").
  bool classes_site = false;
  bool report_json = false;  // report_format=json: JSON lines on the report stream
  char json_path[1024];      // JSON lines also to this file; %p stands for the pid
  bool symbolize = true;     // 0: frames as (module+offset) for `lockdep symbolize`
  char graph_path[1024];     // the learned graph in DOT at exit; %p: the pid
};

const options &current_options();

// Parses `text` over the current options. Items are separated by ':' ','
// or whitespace (the sanitizers' convention); a value may be quoted with '
// or " to hold those. On error writes one line naming the key and the
// accepted values into err and changes nothing. A suppressions file named
// is read and checked here (an error names its line).
bool parse_options(const char *text, char *err, size_t err_len);

// log_path with each %p replaced by `pid` (and %% by %); false if too long.
bool expand_log_path(const char *pattern, int pid, char *out, size_t out_len);

// For command flags: 0 not an option, 1 a boolean (a bare --flag means 1),
// 2 an option that needs a value.
int option_kind(const char *key);

// The list of keys, for --help.
const char *options_help();

}  // namespace lockdep
