// Looking up a code address in a module's .symtab on disk, for functions
// that dladdr() cannot name (static functions, executables built without
// -rdynamic). Uses mmap, never the allocator.
#pragma once

#include <cstdint>

namespace lockdep {

struct elf_symbol {
  char name[160];
  uintptr_t start;  // run-time address
  uintptr_t size;
};

enum class elf_symbol_kind { function, object };

bool elf_lookup(const char *path, uintptr_t load_base, uintptr_t addr, elf_symbol_kind kind,
                elf_symbol *out);

}  // namespace lockdep
