// Run-time options: LOCKDEP_OPTIONS=key=value:key=value, the sanitizers'
// convention, and the same keys as `lockdep` command flags.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lockdep {

struct options {
  char log_path[1024];          // empty: stderr
  int exitcode = 66;            // the command's status when a report was printed
  bool halt_on_error = false;   // _exit(exitcode) after the first report
  bool abort_on_error = false;  // abort() after the first report
  uint32_t max_reports = 0;     // 0: unlimited
  uint32_t stack_depth = 24;    // frames kept per trace
  bool print_stats = false;     // print the stats block at exit
  int verbosity = 0;            // 1: announce start-up
};

const options &current_options();

// Parses `text` over the current options. On error writes one line naming
// the key and the accepted values into err and changes nothing.
bool parse_options(const char *text, char *err, size_t err_len);

// The list of keys, for --help.
const char *options_help();

}  // namespace lockdep
