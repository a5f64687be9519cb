// What the command can learn about a program before and after running it:
// where execvp() finds it, whether the dynamic linker will load it (and so
// honour LD_PRELOAD), and which sanitizer runtimes it needs.
#pragma once

#include <string>
#include <vector>

namespace lockdep::command {

struct elf_info {
  bool readable = false;  // the file could be opened
  bool is_elf = false;
  bool is_64bit = false;
  bool has_interpreter = false;     // PT_INTERP: started by the dynamic linker
  bool has_dynamic = false;         // PT_DYNAMIC
  std::vector<std::string> needed;  // DT_NEEDED names
};

// The file execvp() would run for `name`, or `name` itself if not found.
std::string resolve_program(const std::string &name);

elf_info read_elf(const std::string &path);

// The DT_NEEDED entry whose name starts with `prefix` ("libasan.so"), or "".
std::string needed_library(const elf_info &e, const char *prefix);

// Why LD_PRELOAD=library did not start lockdep in `program`, as a phrase for
// "nothing was checked in 'program': <phrase>".
std::string likely_cause(const std::string &program, const std::string &library,
                         bool library_from_env);

}  // namespace lockdep::command
