#include "symbolize.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstdio>
#include <cstring>

#include "elf_symbols.hpp"

namespace lockdep {

static const char *base_name(const char *path) {
  if (!path || !*path) return "?";
  const char *slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

void symbolize(uintptr_t addr, char *buf, size_t len) {
  Dl_info info{};
  void *extra = nullptr;
  // A return address may point just past the end of its function (a call
  // as the last instruction): look up the byte before it.
  const uintptr_t probe = addr ? addr - 1 : 0;
  if (!dladdr1(reinterpret_cast<void *>(probe), &info, &extra, RTLD_DL_SYMENT)) {
    std::snprintf(buf, len, "0x%lx", static_cast<unsigned long>(addr));
    return;
  }
  const auto *sym = static_cast<const ElfW(Sym) *>(extra);
  const char *module = base_name(info.dli_fname);
  if (info.dli_sname && sym) {
    const uintptr_t start = reinterpret_cast<uintptr_t>(info.dli_saddr);
    std::snprintf(buf, len, "%s+0x%lx/0x%lx [%s]", info.dli_sname,
                  static_cast<unsigned long>(addr - start),
                  static_cast<unsigned long>(sym->st_size), module);
    return;
  }
  // Not exported: look in the module's own symbol table on disk.
  const uintptr_t base = reinterpret_cast<uintptr_t>(info.dli_fbase);
  elf_symbol found{};
  if (elf_lookup(info.dli_fname, base, probe, &found)) {
    std::snprintf(buf, len, "%s+0x%lx/0x%lx [%s]", found.name,
                  static_cast<unsigned long>(addr - found.start),
                  static_cast<unsigned long>(found.size), module);
    return;
  }
  std::snprintf(buf, len, "[%s+0x%lx]", module,
                static_cast<unsigned long>(addr - base));
}

}  // namespace lockdep
