#include "program_info.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace lockdep::command {
namespace {

bool read_at(int fd, void *buf, size_t n, off_t off) {
  return pread(fd, buf, n, off) == static_cast<ssize_t>(n);
}

template <class Ehdr, class Phdr, class Dyn>
void read_segments(int fd, elf_info &e) {
  Ehdr eh;
  if (!read_at(fd, &eh, sizeof eh, 0)) return;
  std::vector<Phdr> ph(eh.e_phnum);
  for (size_t i = 0; i < ph.size(); ++i)
    if (!read_at(fd, &ph[i], sizeof(Phdr), static_cast<off_t>(eh.e_phoff + i * eh.e_phentsize)))
      return;
  const Phdr *dynamic = nullptr;
  for (const Phdr &p : ph) {
    if (p.p_type == PT_INTERP) e.has_interpreter = true;
    if (p.p_type == PT_DYNAMIC) dynamic = &p, e.has_dynamic = true;
  }
  if (!dynamic) return;
  std::vector<Dyn> dyn(dynamic->p_filesz / sizeof(Dyn));
  if (dyn.empty() || !read_at(fd, dyn.data(), dyn.size() * sizeof(Dyn), dynamic->p_offset)) return;
  // DT_STRTAB is an address: find the file offset through the PT_LOAD that maps it.
  uint64_t strtab = 0;
  for (const Dyn &d : dyn)
    if (d.d_tag == DT_STRTAB) strtab = d.d_un.d_ptr;
  off_t strtab_off = -1;
  for (const Phdr &p : ph)
    if (p.p_type == PT_LOAD && strtab >= p.p_vaddr && strtab < p.p_vaddr + p.p_filesz)
      strtab_off = static_cast<off_t>(strtab - p.p_vaddr + p.p_offset);
  if (strtab_off < 0) return;
  for (const Dyn &d : dyn) {
    if (d.d_tag == DT_NULL) break;
    if (d.d_tag != DT_NEEDED) continue;
    char name[256] = {};
    const ssize_t n =
        pread(fd, name, sizeof name - 1, strtab_off + static_cast<off_t>(d.d_un.d_val));
    if (n > 0) e.needed.emplace_back(name);
  }
}

bool starts_with(const std::string &s, const char *prefix) {
  return s.compare(0, std::strlen(prefix), prefix) == 0;
}

}  // namespace

std::string resolve_program(const std::string &name) {
  if (name.find('/') != std::string::npos) return name;
  const char *path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t pos = 0; pos <= dirs.size();) {
    size_t end = dirs.find(':', pos);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = end > pos ? dirs.substr(pos, end - pos) : std::string(".");
    candidate.append("/").append(name);
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0)
      return candidate;
    pos = end + 1;
  }
  return name;
}

elf_info read_elf(const std::string &path) {
  elf_info e;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return e;
  e.readable = true;
  unsigned char ident[EI_NIDENT];
  if (read_at(fd, ident, sizeof ident, 0) && std::memcmp(ident, ELFMAG, SELFMAG) == 0) {
    e.is_elf = true;
    e.is_64bit = ident[EI_CLASS] == ELFCLASS64;
    if (e.is_64bit)
      read_segments<Elf64_Ehdr, Elf64_Phdr, Elf64_Dyn>(fd, e);
    else
      read_segments<Elf32_Ehdr, Elf32_Phdr, Elf32_Dyn>(fd, e);
  }
  close(fd);
  return e;
}

std::string needed_library(const elf_info &e, const char *prefix) {
  for (const std::string &n : e.needed)
    if (starts_with(n, prefix)) return n;
  return {};
}

std::string likely_cause(const std::string &program, const std::string &library,
                         bool library_from_env) {
  const std::string lib_name = (library_from_env ? "LOCKDEP_LIBRARY=" : "") + library;
  const elf_info lib = read_elf(library);
  if (!lib.readable)
    return "the library " + lib_name +
           " does not exist or cannot be read, so the dynamic "
           "linker ignored it";
  if (!lib.is_elf || !lib.has_dynamic)
    return "the library " + lib_name + " is not a loadable shared library";
  const std::string path = resolve_program(program);
  const elf_info prog = read_elf(path);
  if (prog.is_elf && !prog.has_interpreter)
    return "it is a static binary (no dynamic linker, so LD_PRELOAD cannot load lockdep)";
  if (prog.is_elf && prog.is_64bit != lib.is_64bit)
    return std::string("it is a ") + (prog.is_64bit ? "64" : "32") + "-bit program and " +
           lib_name + " is " + (lib.is_64bit ? "64" : "32") + "-bit";
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
                                       ((st.st_mode & S_ISGID) && st.st_gid != getegid())))
    return "it is a setuid/setgid program, for which the dynamic linker ignores LD_PRELOAD";
  if (!prog.is_elf && prog.readable)
    return "it is a script whose interpreter did not load lockdep, or it executed another "
           "program before lockdep could start";
  return "lockdep did not start in it (the dynamic linker did not load " + lib_name + ")";
}

}  // namespace lockdep::command
