#include "site_class.hpp"

#include <link.h>

#include <atomic>

#include "alloc_sites.hpp"
#include "core/address_index.hpp"
#include "core/class_graph.hpp"
#include "preload_entry.hpp"
#include "report/elf_symbols.hpp"
#include "support/options.hpp"

namespace lockdep::preload {
namespace {

// Init call sites by lock address: direct-mapped, one word per slot
// (address << 16 | code site number); a collision forgets the older lock's
// init site, which then falls back to its first use.
constexpr uint32_t kInitBits = 16;
std::atomic<uint64_t> g_init_sites[1u << kInitBits];

std::atomic<uint64_t> &init_slot(uintptr_t lock) {
  return g_init_sites[((lock >> 3) * 0x9E3779B97F4A7C15ull) >> (64 - kInitBits)];
}

// The init site of `lock`: 0 if it had no init call, false if that is not
// known (its slot lost a record).
bool init_site_of(uintptr_t lock, uintptr_t *site) {
  const uint64_t e = init_slot(lock).load(std::memory_order_relaxed);
  *site = e >> 16 == lock ? code_site(static_cast<uint32_t>(e & kSiteMask)) : 0;
  return *site || !(e & kLostMark);
}

struct module_search {
  uintptr_t addr;
  uintptr_t base;
  const char *path;
  bool found;
};

// The module whose loaded segments hold `addr` (its data or bss).
int find_module(dl_phdr_info *info, size_t, void *arg) {
  auto *m = static_cast<module_search *>(arg);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    if (m->addr < lo || m->addr >= lo + ph.p_memsz) continue;
    m->base = info->dlpi_addr;
    m->path = info->dlpi_name;
    m->found = true;
    return 1;
  }
  return 0;
}

// Called once per lock instance, under the graph lock; never allocates.
// A lock's class must not depend on what the tables happened to keep: two
// locks of one type in two classes make false cycles. So a lock whose
// records may have been lost has no class (it is still checked as an
// instance).
void resolve_site(const void *key, uintptr_t first_ip, site_identity *out) {
  const auto addr = reinterpret_cast<uintptr_t>(key);
  uintptr_t init = 0;
  const bool init_known = init_site_of(addr, &init);
  uintptr_t alloc_ip = 0, block = 0;
  const lookup_result heap = alloc_site_lookup(addr, &alloc_ip, &block);
  *out = {site_kind::none, first_ip, 0, 0};
  if (heap == lookup_result::found) {
    // The init site too: allocation wrappers (xmalloc) share one site
    // among many types, whose init calls still tell them apart.
    if (init_known) *out = {site_kind::heap_block, alloc_ip, addr - block, init};
    return;
  }
  module_search m{addr, 0, nullptr, false};
  dl_iterate_phdr(find_module, &m);
  if (m.found) {
    elf_symbol sym{};
    // Without a symbol (a stripped module), the lock is a class of its own.
    const bool named = elf_lookup(m.path, m.base, addr, elf_symbol_kind::object, &sym);
    *out = {site_kind::static_symbol, named ? sym.start : addr, 0, 0};
    return;
  }
  if (heap == lookup_result::unknown || !init_known) return;
  if (init) {
    *out = {site_kind::init_call, init, 0, 0};
    return;
  }
  *out = {site_kind::first_use, first_ip, 0, 0};
}

// After the options (101) and the preload layer's set-up (102).
__attribute__((constructor(104))) void site_classes_init() {
  if (!g_active || !current_options().classes_site) {
    g_record_alloc_sites = false;
    return;
  }
  set_site_resolver(resolve_site);
}

}  // namespace

void note_lock_init(const void *lock, uintptr_t ip) {
  if (!g_record_alloc_sites) return;
  const auto a = reinterpret_cast<uintptr_t>(lock);
  const uint32_t site = code_site_number(ip);
  if (a >> 48 || !site) {
    init_slot(a).fetch_or(kLostMark, std::memory_order_relaxed);
    return;
  }
  store_entry(init_slot(a), uint64_t{a} << 16 | site);
}

void forget_init_sites(uintptr_t lo, uintptr_t hi) {
  if (!g_record_alloc_sites) return;
  for_each_lock_page(lo, hi, [&](uintptr_t page) {
    const uintptr_t end =
        page + (uintptr_t{1} << kPageShift) < hi ? page + (uintptr_t{1} << kPageShift) : hi;
    for (uintptr_t a = (page > lo ? page : lo + 3) & ~uintptr_t{3}; a < end; a += 4)
      note_lock_destroy(reinterpret_cast<const void *>(a));
  });
}

void note_lock_destroy(const void *lock) {
  if (!g_record_alloc_sites) return;
  const auto a = reinterpret_cast<uintptr_t>(lock);
  clear_entry(init_slot(a), a);
}

}  // namespace lockdep::preload
