// dlclose: the dynamic linker unmaps an unloaded module with its own
// internal munmap, which the preload layer never sees, so the locks in the
// module's static data (and their dependencies) would outlive it and a
// module loaded later at the same address would inherit them.
#include <dlfcn.h>
#include <link.h>

#include "core/address_index.hpp"
#include "core/class_graph.hpp"
#include "core/validator.hpp"
#include "lockdep/lockdep.h"
#include "preload_entry.hpp"

using namespace lockdep;
using namespace lockdep::preload;

namespace {

// Writable segments that may hold locks, of the modules loaded before the
// call. Modules with locks in static data are few; past this many the rest
// are not forgotten (a documented limit), to keep dlclose's stack small.
constexpr int kMaxRanges = 48;

struct module_range {
  uintptr_t base, lo, hi;
};

struct snapshot {
  module_range ranges[kMaxRanges];
  int n = 0;
  unsigned long long subs = 0;  // dlpi_subs: modules unloaded so far
};

bool has_subs(size_t size) {
  return size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof(dl_phdr_info::dlpi_subs);
}

int record_ranges(dl_phdr_info *info, size_t size, void *arg) {
  auto &s = *static_cast<snapshot *>(arg);
  if (has_subs(size)) s.subs = info->dlpi_subs;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_W)) continue;
    const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    const uintptr_t hi = lo + ph.p_memsz;
    if (!address_range_may_hold_locks(lo, hi)) continue;
    if (s.n == kMaxRanges) return 1;
    s.ranges[s.n++] = {info->dlpi_addr, lo, hi};
  }
  return 0;
}

int read_subs(dl_phdr_info *info, size_t size, void *arg) {
  if (has_subs(size)) *static_cast<unsigned long long *>(arg) = info->dlpi_subs;
  return 1;
}

struct still_loaded_query {
  const module_range *range;
  bool found;
};

int find_range(dl_phdr_info *info, size_t, void *arg) {
  auto &q = *static_cast<still_loaded_query *>(arg);
  if (info->dlpi_addr != q.range->base) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && info->dlpi_addr + ph.p_vaddr == q.range->lo) {
      q.found = true;
      return 1;
    }
  }
  return 0;
}

using dlclose_fn = int (*)(void *);

dlclose_fn real_dlclose() {
  static dlclose_fn fn;
  dlclose_fn f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
  if (!f) {
    f = reinterpret_cast<dlclose_fn>(dlsym(RTLD_NEXT, "dlclose"));
    __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
  }
  return f;
}

}  // namespace

extern "C" LOCKDEP_API int dlclose(void *handle) {
  const uintptr_t ip = LOCKDEP_CALLER;
  if (!g_active) return real_dlclose()(handle);
  snapshot before;
  dl_iterate_phdr(record_ranges, &before);
  const int rc = real_dlclose()(handle);
  if (rc != 0 || before.n == 0) return rc;

  unsigned long long subs = before.subs;
  dl_iterate_phdr(read_subs, &subs);
  if (subs == before.subs) return rc;  // nothing was unloaded: the common case
  preload_entry e(ip);
  if (!e) return rc;
  for (int i = 0; i < before.n; ++i) {
    still_loaded_query q{&before.ranges[i], false};
    dl_iterate_phdr(find_range, &q);
    if (q.found) continue;
    validator_forget_range(e.thread(), before.ranges[i].lo, before.ranges[i].hi);
    class_graph_forget_range(before.ranges[i].base, before.ranges[i].hi);  // code and data
  }
  return rc;
}
