// Source lines for code addresses, with elfutils libdw: function names
// (demangled, with parameters), file:line and inlined frames, from the
// module's own debug information or its separate debug file (build-id or
// .gnu_debuglink, as Debian's -dbg/-dbgsym packages install them; from a
// debuginfod server when DEBUGINFOD_URLS names one). Runs in the `lockdep`
// command, never in the checked process.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lockdep::command {

struct source_frame {
  std::string function;  // empty when unknown
  std::string file;      // empty when unknown
  int line = 0;
  bool inlined = false;     // inlined into the frame after it
  bool has_offset = false;  // the physical frame, inside a known symbol:
  uint64_t offset = 0;      // the address's offset in it (a return address's)
  uint64_t size = 0;        // the symbol's size
};

class source_lines {
 public:
  source_lines() = default;
  ~source_lines();
  source_lines(const source_lines &) = delete;
  source_lines &operator=(const source_lines &) = delete;

  // `offset`: a return address (or one past the instruction meant) as an
  // ELF virtual address of `module`; looked up at offset - 1. Innermost
  // (inlined) frames first, the physical function last; empty when the
  // module cannot be read.
  std::vector<source_frame> lookup(const std::string &module, uint64_t offset);

 private:
  struct opened;
  opened *open(const std::string &module);
  std::map<std::string, opened *> modules_;
};

std::string demangle_name(const char *name);

}  // namespace lockdep::command
