#include "source_lines.hpp"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace lockdep::command {

// One Dwfl per module: every shared object is reported at its link-time
// addresses (base 0), so two of them must not share a Dwfl.
struct source_lines::opened {
  Dwfl *dwfl = nullptr;
  Dwfl_Module *module = nullptr;
};

namespace {

char *g_debuginfo_path = nullptr;
const Dwfl_Callbacks kCallbacks = {
    dwfl_build_id_find_elf,
    dwfl_standard_find_debuginfo,
    dwfl_offline_section_address,
    &g_debuginfo_path,
};

const char *attr_string(Dwarf_Die *die, int name) {
  Dwarf_Attribute attr;
  return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

// The name of a subprogram or inlined subroutine: its linkage name
// demangled (with parameters), else its plain name.
std::string die_name(Dwarf_Die *die) {
  const char *linkage = attr_string(die, DW_AT_linkage_name);
  if (!linkage) linkage = attr_string(die, DW_AT_MIPS_linkage_name);
  if (linkage) return demangle_name(linkage);
  const char *name = attr_string(die, DW_AT_name);
  return name ? name : "";
}

bool die_udata(Dwarf_Die *die, int name, Dwarf_Word *out) {
  Dwarf_Attribute attr;
  return dwarf_formudata(dwarf_attr(die, name, &attr), out) == 0;
}

// A relative source file name made absolute with the compilation unit's
// directory, as addr2line and the sanitizers print them: "a/b/../c" -> "a/c".
std::string absolute(const std::string &file, const char *comp_dir) {
  // A relative comp_dir (Debian builds map theirs away) says nothing more.
  if (file.empty() || file[0] == '/' || !comp_dir || comp_dir[0] != '/') return file;
  std::vector<std::string> parts;
  const std::string joined = std::string(comp_dir) + "/" + file;
  for (size_t at = 0; at <= joined.size();) {
    size_t slash = joined.find('/', at);
    if (slash == std::string::npos) slash = joined.size();
    const std::string part = joined.substr(at, slash - at);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    at = slash + 1;
  }
  std::string out;
  for (const std::string &p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

}  // namespace

std::string demangle_name(const char *name) {
  if (!name) return "";
  int status = 0;
  char *out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || !out) return name;
  std::string s = out;
  std::free(out);
  return s;
}

source_lines::~source_lines() {
  for (auto &m : modules_) {
    if (m.second && m.second->dwfl) dwfl_end(m.second->dwfl);
    delete m.second;
  }
}

source_lines::opened *source_lines::open(const std::string &module) {
  auto it = modules_.find(module);
  if (it != modules_.end()) return it->second;
  opened *o = new opened;
  o->dwfl = dwfl_begin(&kCallbacks);
  if (o->dwfl) {
    dwfl_report_begin(o->dwfl);
    const char *slash = std::strrchr(module.c_str(), '/');
    o->module =
        dwfl_report_elf(o->dwfl, slash ? slash + 1 : module.c_str(), module.c_str(), -1, 0, false);
    dwfl_report_end(o->dwfl, nullptr, nullptr);
  }
  if (!o->module) {
    if (o->dwfl) dwfl_end(o->dwfl);
    delete o;
    o = nullptr;
  }
  modules_[module] = o;
  return o;
}

std::vector<source_frame> source_lines::lookup(const std::string &module, uint64_t offset) {
  std::vector<source_frame> frames;
  opened *o = open(module);
  if (!o || !offset) return frames;
  const Dwarf_Addr addr = offset - 1;

  source_frame physical;
  GElf_Off symbol_offset = 0;
  GElf_Sym sym;
  const char *symbol =
      dwfl_module_addrinfo(o->module, addr, &symbol_offset, &sym, nullptr, nullptr, nullptr);
  if (symbol) {
    // "__libc_start_main@@GLIBC_2.34": the version is not part of the name.
    const std::string plain(symbol, std::strcspn(symbol, "@"));
    physical.function = demangle_name(plain.c_str());
    physical.has_offset = true;
    physical.offset = symbol_offset + 1;
    physical.size = sym.st_size;
  }

  std::string file;
  int line = 0;
  if (Dwfl_Line *l = dwfl_module_getsrc(o->module, addr)) {
    int lineno = 0;
    const char *f = dwfl_lineinfo(l, nullptr, &lineno, nullptr, nullptr, nullptr);
    if (f) {
      file = f;
      line = lineno;
    }
  }

  Dwarf_Addr bias = 0;
  Dwarf_Die *cu = dwfl_module_addrdie(o->module, addr, &bias);
  Dwarf_Die *scopes = nullptr;
  const int n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
  Dwarf_Files *files = nullptr;
  size_t nfiles = 0;
  if (cu && dwarf_getsrcfiles(cu, &files, &nfiles) != 0) files = nullptr;
  for (int i = 0; i < n; ++i) {
    Dwarf_Die *scope = &scopes[i];
    const int tag = dwarf_tag(scope);
    if (tag == DW_TAG_inlined_subroutine) {
      source_frame f;
      f.function = die_name(scope);
      f.file = file;
      f.line = line;
      f.inlined = true;
      frames.push_back(f);
      // Where it was inlined: the location in the scope around it.
      Dwarf_Word call_file = 0, call_line = 0;
      file.clear();
      line = 0;
      if (files && die_udata(scope, DW_AT_call_file, &call_file)) {
        const char *name = dwarf_filesrc(files, call_file, nullptr, nullptr);
        if (name) file = name;
      }
      if (die_udata(scope, DW_AT_call_line, &call_line)) line = static_cast<int>(call_line);
    } else if (tag == DW_TAG_subprogram) {
      if (physical.function.empty()) physical.function = die_name(scope);
      break;
    }
  }
  std::free(scopes);
  physical.file = file;
  physical.line = line;
  frames.push_back(physical);
  const char *comp_dir = cu ? attr_string(cu, DW_AT_comp_dir) : nullptr;
  for (source_frame &f : frames) f.file = absolute(f.file, comp_dir);
  return frames;
}

}  // namespace lockdep::command
