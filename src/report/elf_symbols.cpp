#include "report/elf_symbols.hpp"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace lockdep {

namespace {

class mapped_file {
 public:
  explicit mapped_file(const char *path) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (fstat(fd, &st) == 0 && st.st_size > static_cast<off_t>(sizeof(ElfW(Ehdr)))) {
      void *p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        data_ = static_cast<const unsigned char *>(p);
        size_ = static_cast<size_t>(st.st_size);
      }
    }
    close(fd);
  }
  ~mapped_file() {
    if (data_) munmap(const_cast<unsigned char *>(data_), size_);
  }
  mapped_file(const mapped_file &) = delete;
  mapped_file &operator=(const mapped_file &) = delete;

  bool contains(size_t off, size_t len) const {
    return data_ && off <= size_ && len <= size_ - off;
  }
  const unsigned char *data() const { return data_; }

 private:
  const unsigned char *data_ = nullptr;
  size_t size_ = 0;
};

// The file mapped at `load_base`, from /proc/self/maps: a module opened by
// a relative path is known to the dynamic linker by that path, which the
// current directory may no longer resolve. Reads in fixed chunks, no
// allocation.
bool mapped_path(uintptr_t load_base, char *out, size_t len) {
  const int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  size_t have = 0;
  bool found = false;
  for (;;) {
    const ssize_t got = read(fd, buf + have, sizeof buf - 1 - have);
    if (got <= 0) break;
    have += static_cast<size_t>(got);
    buf[have] = '\0';
    char *line = buf;
    char *nl;
    while ((nl = std::strchr(line, '\n'))) {
      *nl = '\0';
      unsigned long lo = 0, hi = 0;
      int path_at = 0;
      if (std::sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &path_at) >= 2 && path_at &&
          load_base >= lo && load_base < hi && line[path_at] == '/') {
        std::snprintf(out, len, "%s", line + path_at);
        found = true;
        break;
      }
      line = nl + 1;
    }
    if (found) break;
    have = std::strlen(line);
    if (have == sizeof buf - 1) have = 0;  // a line longer than the buffer: skip it
    std::memmove(buf, line, have);
  }
  close(fd);
  return found;
}

}  // namespace

bool elf_lookup(const char *path, uintptr_t load_base, uintptr_t addr, elf_symbol_kind kind,
                elf_symbol *out) {
  const unsigned want = kind == elf_symbol_kind::function ? STT_FUNC : STT_OBJECT;
  char resolved[256];
  if (!path || !path[0])
    path = "/proc/self/exe";  // the main program
  else if (path[0] != '/')
    path = mapped_path(load_base, resolved, sizeof resolved) ? resolved : "/proc/self/exe";
  mapped_file file(path);
  if (!file.contains(0, sizeof(ElfW(Ehdr)))) return false;
  const auto *eh = reinterpret_cast<const ElfW(Ehdr) *>(file.data());
  if (std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_shentsize != sizeof(ElfW(Shdr)))
    return false;
  if (!file.contains(eh->e_shoff, size_t{eh->e_shnum} * sizeof(ElfW(Shdr)))) return false;
  const auto *sh = reinterpret_cast<const ElfW(Shdr) *>(file.data() + eh->e_shoff);
  // Executables linked at a fixed address hold absolute symbol values.
  const uintptr_t bias = eh->e_type == ET_DYN ? load_base : 0;
  const uintptr_t target = addr - bias;

  for (unsigned i = 0; i < eh->e_shnum; ++i) {
    if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
    const ElfW(Shdr) &strtab = sh[sh[i].sh_link];
    if (!file.contains(sh[i].sh_offset, sh[i].sh_size) ||
        !file.contains(strtab.sh_offset, strtab.sh_size))
      continue;
    const auto *syms = reinterpret_cast<const ElfW(Sym) *>(file.data() + sh[i].sh_offset);
    const size_t n = sh[i].sh_size / sizeof(ElfW(Sym));
    for (size_t s = 0; s < n; ++s) {
      const ElfW(Sym) &sym = syms[s];
      if (ELF64_ST_TYPE(sym.st_info) != want || sym.st_value == 0) continue;
      if (target < sym.st_value || target >= sym.st_value + (sym.st_size ? sym.st_size : 1))
        continue;
      if (sym.st_name >= strtab.sh_size) continue;
      const char *name =
          reinterpret_cast<const char *>(file.data() + strtab.sh_offset + sym.st_name);
      const size_t room = strtab.sh_size - sym.st_name;
      const size_t len = strnlen(name, room < sizeof(out->name) - 1 ? room : sizeof(out->name) - 1);
      std::memcpy(out->name, name, len);
      out->name[len] = '\0';
      out->start = sym.st_value + bias;
      out->size = sym.st_size;
      return true;
    }
  }
  return false;
}

}  // namespace lockdep
