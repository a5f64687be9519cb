#include "report/symbolize.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "report/demangle.hpp"
#include "report/elf_symbols.hpp"

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
  char name[256];
  if (info.dli_sname && sym) {
    const uintptr_t start = reinterpret_cast<uintptr_t>(info.dli_saddr);
    demangle(info.dli_sname, name, sizeof name);
    std::snprintf(buf, len, "%s+0x%lx/0x%lx [%s]", name, static_cast<unsigned long>(addr - start),
                  static_cast<unsigned long>(sym->st_size), module);
    return;
  }
  // Not exported: look in the module's own symbol table on disk.
  const uintptr_t base = reinterpret_cast<uintptr_t>(info.dli_fbase);
  elf_symbol found{};
  if (elf_lookup(info.dli_fname, base, probe, elf_symbol_kind::function, &found)) {
    demangle(found.name, name, sizeof name);
    std::snprintf(buf, len, "%s+0x%lx/0x%lx [%s]", name,
                  static_cast<unsigned long>(addr - found.start),
                  static_cast<unsigned long>(found.size), module);
    return;
  }
  std::snprintf(buf, len, "[%s+0x%lx]", module, static_cast<unsigned long>(addr - base));
}

namespace {

// The file mapped at `addr`, from /proc/self/maps: an absolute path even
// for a module dlopen()ed by a relative one. Reads through a fixed buffer.
bool mapped_file(uintptr_t addr, char *out, size_t len) {
  const int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];  // a longer line (a very long path) is skipped
  size_t have = 0;
  bool found = false;
  for (;;) {
    const ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
    if (n <= 0) break;
    have += static_cast<size_t>(n);
    buf[have] = '\0';
    char *line = buf;
    for (char *nl; (nl = std::strchr(line, '\n')); line = nl + 1) {
      *nl = '\0';
      unsigned long lo = 0, hi = 0;
      int path_at = 0;
      if (std::sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &path_at) >= 2 && path_at &&
          addr >= lo && addr < hi && line[path_at] == '/') {
        std::snprintf(out, len, "%s", line + path_at);
        found = true;
        break;
      }
    }
    if (found) break;
    have = static_cast<size_t>(buf + have - line);
    std::memmove(buf, line, have);
    if (have == sizeof buf - 1) have = 0;  // a line longer than the buffer
  }
  close(fd);
  return found;
}

}  // namespace

bool locate_frame(uintptr_t addr, frame_location *out) {
  Dl_info info{};
  void *extra = nullptr;
  const uintptr_t probe = addr ? addr - 1 : 0;
  if (!dladdr1(reinterpret_cast<void *>(probe), &info, &extra, RTLD_DL_LINKMAP) || !extra)
    return false;
  const auto *map = static_cast<const link_map *>(extra);
  out->offset = addr - map->l_addr;
  out->module[0] = '\0';
  if (map->l_name && map->l_name[0] == '/') {
    std::snprintf(out->module, sizeof out->module, "%s", map->l_name);
  } else if (map->l_name && map->l_name[0] && mapped_file(probe, out->module, sizeof out->module)) {
  } else if (map->l_name && map->l_name[0]) {
    std::snprintf(out->module, sizeof out->module, "%s", map->l_name);
  } else {
    const ssize_t n = readlink("/proc/self/exe", out->module, sizeof out->module - 1);
    if (n > 0)
      out->module[n] = '\0';
    else
      std::snprintf(out->module, sizeof out->module, "%s", info.dli_fname ? info.dli_fname : "?");
  }
  out->function[0] = '\0';
  if (info.dli_sname) {
    demangle(info.dli_sname, out->function, sizeof out->function);
  } else {
    elf_symbol found{};
    if (elf_lookup(info.dli_fname, reinterpret_cast<uintptr_t>(info.dli_fbase), probe,
                   elf_symbol_kind::function, &found))
      demangle(found.name, out->function, sizeof out->function);
  }
  return true;
}

namespace {

// The function containing `ip`, without offsets; false if unknown.
bool function_name(uintptr_t ip, char *buf, size_t len) {
  Dl_info info{};
  if (!ip || !dladdr(reinterpret_cast<void *>(ip - 1), &info)) return false;
  if (info.dli_sname) {
    demangle(info.dli_sname, buf, len);
    return true;
  }
  elf_symbol found{};
  if (elf_lookup(info.dli_fname, reinterpret_cast<uintptr_t>(info.dli_fbase), ip - 1,
                 elf_symbol_kind::function, &found)) {
    demangle(found.name, buf, len);
    return true;
  }
  return false;
}

void name_with_offset(char *buf, size_t len, const char *mangled, uintptr_t off) {
  char name[192];
  demangle(mangled, name, sizeof name);
  if (off)
    std::snprintf(buf, len, "%s+0x%lx", name, static_cast<unsigned long>(off));
  else
    std::snprintf(buf, len, "%s", name);
}

}  // namespace

void describe_lock(uintptr_t addr, uintptr_t first_ip, char *buf, size_t len) {
  Dl_info info{};
  void *extra = nullptr;
  if (dladdr1(reinterpret_cast<void *>(addr), &info, &extra, RTLD_DL_SYMENT)) {
    const auto *sym = static_cast<const ElfW(Sym) *>(extra);
    const uintptr_t start = reinterpret_cast<uintptr_t>(info.dli_saddr);
    if (info.dli_sname && sym && addr < start + (sym->st_size ? sym->st_size : 1)) {
      name_with_offset(buf, len, info.dli_sname, addr - start);
      return;
    }
    elf_symbol found{};
    const uintptr_t base = reinterpret_cast<uintptr_t>(info.dli_fbase);
    if (elf_lookup(info.dli_fname, base, addr, elf_symbol_kind::object, &found)) {
      name_with_offset(buf, len, found.name, addr - found.start);
      return;
    }
    std::snprintf(buf, len, "%s+0x%lx", base_name(info.dli_fname),
                  static_cast<unsigned long>(addr - base));
    return;
  }
  char fn[sizeof(elf_symbol::name)];
  if (function_name(first_ip, fn, sizeof fn))
    std::snprintf(buf, len, "0x%lx@%s", static_cast<unsigned long>(addr), fn);
  else
    std::snprintf(buf, len, "0x%lx", static_cast<unsigned long>(addr));
}

}  // namespace lockdep
