// Allocation sites: the allocator interposed, each block's start recorded
// with the call site that asked for it.
//
// Two static tables, both written without locks:
// - sites: call-site addresses, open addressing, an entry never removed;
//   a site's number is its slot.
// - blocks: direct-mapped by block start, one 64-bit word per slot holding
//   start << 16 | site number, so a reader never sees half an entry. A new
//   block whose slot is taken displaces the old one, which then has no known
//   site (its locks get the next kind of class: init call or first use).
//   free() clears the slot of its block.
// The cost per allocation is one site probe (a hit in a few cache lines for
// a program's hot allocation sites) and one store; finding the block of a
// lock walks back from its address, once per lock (alloc_site_lookup()).
#include "alloc_sites.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "lockdep/lockdep.h"
#include "preload_entry.hpp"
#include "real_functions.hpp"

namespace lockdep::preload {

// From the first allocation: libraries initialised before this one create
// objects too. Turned off at start-up unless classes=site.
bool g_record_alloc_sites = true;

namespace {

constexpr uint32_t kSiteBits = 15;
constexpr uint32_t kSiteSlots = 1u << kSiteBits;  // slot 0 unused: "no site"
constexpr uint32_t kSiteProbes = 32;
constexpr uint32_t kBlockBits = 20;  // 8 MiB of BSS, touched as blocks land
constexpr uint32_t kBlockSlots = 1u << kBlockBits;

std::atomic<uintptr_t> g_sites[kSiteSlots];
std::atomic<uint64_t> g_blocks[kBlockSlots];
std::atomic<uint64_t> g_site_count;
std::atomic<bool> g_huge_blocks;  // blocks that are not indexed exist

// Pages of large blocks: page number -> block start << 16 | site number.
// Two words per slot; a reader that sees a torn pair finds a block that
// does not hold its address (live blocks never overlap) and rejects it.
constexpr uint32_t kPageShift = 12;
constexpr uint32_t kPageBits = 18;  // 4 MiB of BSS
struct page_slot {
  std::atomic<uintptr_t> page;
  std::atomic<uint64_t> block;
};
page_slot g_pages[1u << kPageBits];

page_slot &page_slot_of(uintptr_t page) {
  return g_pages[(page * 0x9E3779B97F4A7C15ull) >> (64 - kPageBits)];
}

uint32_t site_hash(uintptr_t ip) {
  return static_cast<uint32_t>((ip * 0x9E3779B97F4A7C15ull) >> (64 - kSiteBits));
}
// By address, not by hash: blocks allocated together are neighbours in the
// table too, so recording touches lines the last allocation touched. Two
// blocks share a slot only 16 MiB apart (another arena, mostly).
uint32_t block_slot(uintptr_t start) {
  return static_cast<uint32_t>(start >> 4) & (kBlockSlots - 1);
}

// The number of the site `ip`, inserting it; 0 when the table is full.
uint32_t site_number(uintptr_t ip) {
  uint32_t slot = site_hash(ip);
  for (uint32_t i = 0; i < kSiteProbes; ++i, slot = (slot + 1) & (kSiteSlots - 1)) {
    if (!slot) continue;
    uintptr_t seen = g_sites[slot].load(std::memory_order_relaxed);
    if (seen == ip) return slot;
    if (seen) continue;
    if (g_sites[slot].compare_exchange_strong(seen, ip, std::memory_order_relaxed) || seen == ip) {
      if (seen != ip) g_site_count.fetch_add(1, std::memory_order_relaxed);
      return slot;
    }
  }
  return 0;
}

// dlsym() may allocate before the real allocator is known: those few blocks
// come from here, each behind a 16-byte header holding its size.
alignas(16) unsigned char g_bootstrap[64 * 1024];
std::atomic<size_t> g_bootstrap_used;

void *bootstrap_alloc(size_t n) {
  const size_t need = 16 + ((n + 15) & ~size_t{15});
  const size_t at = g_bootstrap_used.fetch_add(need);
  if (at + need > sizeof g_bootstrap) return nullptr;
  std::memcpy(g_bootstrap + at, &n, sizeof n);
  return g_bootstrap + at + 16;  // zero: the buffer is never reused
}

}  // namespace

bool bootstrap_block(const void *p) {
  const auto *c = static_cast<const unsigned char *>(p);
  return c >= g_bootstrap && c < g_bootstrap + sizeof g_bootstrap;
}

size_t bootstrap_block_size(const void *p) {
  size_t n;
  std::memcpy(&n, static_cast<const unsigned char *>(p) - 16, sizeof n);
  return n;
}

// Plain loads and stores, no locked instructions: they are on every
// allocation. Two threads storing into one slot at the same moment may
// lose one record without its mark (a documented limit).
void store_entry(std::atomic<uint64_t> &slot, uint64_t entry) {
  const uint64_t old = slot.load(std::memory_order_relaxed);
  const bool lost = (old & kLostMark) || (old >> 16 && old >> 16 != entry >> 16);
  slot.store(lost ? entry | kLostMark : entry, std::memory_order_relaxed);
}

// Clears the record of `addr` in `slot`, keeping its lost mark.
void clear_entry(std::atomic<uint64_t> &slot, uintptr_t addr) {
  const uint64_t seen = slot.load(std::memory_order_relaxed);
  if (seen >> 16 == addr) slot.store(seen & kLostMark, std::memory_order_relaxed);
}

void alloc_site_record(const void *start, size_t size, uintptr_t ip) {
  const auto s = reinterpret_cast<uintptr_t>(start);
  const uint32_t site = s >> 48 ? 0 : site_number(ip);
  if (!site) {  // no room for its site: its slot says it does not know
    g_blocks[block_slot(s)].fetch_or(kLostMark, std::memory_order_relaxed);
    return;
  }
  const uint64_t entry = uint64_t{s} << 16 | site;
  store_entry(g_blocks[block_slot(s)], entry);
  if (size <= kMaxInteriorOffset) return;
  // Too large to index, or before start-up: free() cannot measure blocks
  // before start-up (a sanitizer's allocator may not be ready to answer),
  // so their pages could not be cleared. Such blocks make every lock found
  // in no block unknown.
  if (size > kMaxIndexedBlock || !g_active) {
    g_huge_blocks.store(true, std::memory_order_relaxed);
    return;
  }
  // Every page the block touches past its first kMaxInteriorOffset bytes.
  for (uintptr_t p = (s + kMaxInteriorOffset) >> kPageShift; p <= (s + size - 1) >> kPageShift;
       ++p) {
    page_slot &slot = page_slot_of(p);
    const uintptr_t was = slot.page.exchange(p, std::memory_order_relaxed);
    const uint64_t old = slot.block.exchange(entry, std::memory_order_relaxed);
    if ((old & kLostMark) || (was && was != p))
      slot.block.fetch_or(kLostMark, std::memory_order_relaxed);
  }
}

void alloc_site_grown(const void *start, size_t size) {
  const auto s = reinterpret_cast<uintptr_t>(start);
  const uint64_t e = g_blocks[block_slot(s)].load(std::memory_order_relaxed);
  if (e >> 16 == s) alloc_site_record(start, size, code_site(static_cast<uint32_t>(e & kSiteMask)));
}

void alloc_site_forget(const void *start, size_t size) {
  const auto s = reinterpret_cast<uintptr_t>(start);
  clear_entry(g_blocks[block_slot(s)], s);
  if (size <= kMaxInteriorOffset || size > kMaxIndexedBlock) return;
  for (uintptr_t p = (s + kMaxInteriorOffset) >> kPageShift; p <= (s + size - 1) >> kPageShift;
       ++p) {
    page_slot &ps = page_slot_of(p);
    if (ps.page.load(std::memory_order_relaxed) == p &&
        ps.block.load(std::memory_order_relaxed) >> 16 == s)
      ps.page.store(0, std::memory_order_relaxed);
  }
}

namespace {

bool found_in(uint64_t entry, uintptr_t addr, uintptr_t *site_ip, uintptr_t *block_start) {
  const uintptr_t s = entry >> 16;
  if (!s || addr < s || addr >= s + malloc_usable_size(reinterpret_cast<void *>(s))) return false;
  *site_ip = g_sites[entry & kSiteMask].load(std::memory_order_relaxed);
  *block_start = s;
  return *site_ip != 0;
}

}  // namespace

lookup_result alloc_site_lookup(uintptr_t addr, uintptr_t *site_ip, uintptr_t *block_start) {
  const uintptr_t p = addr >> kPageShift;
  page_slot &ps = page_slot_of(p);
  const uint64_t pe = ps.block.load(std::memory_order_relaxed);
  if (ps.page.load(std::memory_order_relaxed) == p && found_in(pe, addr, site_ip, block_start))
    return lookup_result::found;
  bool lost = (pe & kLostMark) || g_huge_blocks.load(std::memory_order_relaxed);
  const uintptr_t top = addr & ~uintptr_t{7};
  for (uintptr_t off = 0; off <= kMaxInteriorOffset && off <= top; off += 8) {
    const uintptr_t s = top - off;
    const uint64_t e = g_blocks[block_slot(s)].load(std::memory_order_relaxed);
    if (e & kLostMark) lost = true;  // its block may have started here
    if (e >> 16 != s) continue;
    // The nearest block start below the lock: it holds the lock, or the
    // lock is in no block (or in one not recorded).
    if (found_in(e, addr, site_ip, block_start)) return lookup_result::found;
    break;
  }
  return lost ? lookup_result::unknown : lookup_result::absent;
}

uint32_t code_site_number(uintptr_t ip) { return site_number(ip); }
uintptr_t code_site(uint32_t number) {
  return number && number < kSiteSlots ? g_sites[number].load(std::memory_order_relaxed) : 0;
}

uint64_t alloc_sites_known() { return g_site_count.load(std::memory_order_relaxed); }

}  // namespace lockdep::preload

using namespace lockdep::preload;

namespace {

// The requested size: asking the allocator for the usable one is not safe
// before it is ready (a sanitizer's, before its start-up).
inline void *recorded(void *p, size_t n, uintptr_t ip) {
  if (p && g_record_alloc_sites) alloc_site_record(p, n, ip);
  return p;
}

// operator new: the next definition (libstdc++'s), which calls malloc() and
// so records the block with a call site inside libstdc++; the block is
// recorded again here with the caller of operator new.
template <class Fn>
Fn next_definition(std::atomic<Fn> &slot, const char *name) {
  Fn fn = slot.load(std::memory_order_acquire);
  if (!fn) {
    fn = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
    slot.store(fn, std::memory_order_release);
  }
  return fn;
}

using new_fn = void *(*)(size_t);
using new_nothrow_fn = void *(*)(size_t, const std::nothrow_t &);
using new_aligned_fn = void *(*)(size_t, std::align_val_t);
using new_aligned_nothrow_fn = void *(*)(size_t, std::align_val_t, const std::nothrow_t &);
std::atomic<new_fn> g_new, g_new_array;
std::atomic<new_nothrow_fn> g_new_nothrow, g_new_array_nothrow;
std::atomic<new_aligned_fn> g_new_aligned, g_new_array_aligned;
std::atomic<new_aligned_nothrow_fn> g_new_aligned_nothrow, g_new_array_aligned_nothrow;

}  // namespace

extern "C" {

LOCKDEP_API void *malloc(size_t n) {
  auto fn = LOCKDEP_REAL(malloc);
  if (__builtin_expect(!fn, 0)) return bootstrap_alloc(n);
  return recorded(fn(n), n, LOCKDEP_CALLER);
}

LOCKDEP_API void *calloc(size_t n, size_t size) {
  auto fn = LOCKDEP_REAL(calloc);
  if (__builtin_expect(!fn, 0)) {
    if (size && n > SIZE_MAX / size) return nullptr;
    return bootstrap_alloc(n * size);
  }
  return recorded(fn(n, size), n * size, LOCKDEP_CALLER);
}

LOCKDEP_API int posix_memalign(void **out, size_t align, size_t n) {
  const int rc = LOCKDEP_REAL(posix_memalign)(out, align, n);
  if (rc == 0) recorded(*out, n, LOCKDEP_CALLER);
  return rc;
}

LOCKDEP_API void *aligned_alloc(size_t align, size_t n) {
  return recorded(LOCKDEP_REAL(aligned_alloc)(align, n), n, LOCKDEP_CALLER);
}

LOCKDEP_API void *memalign(size_t align, size_t n) {
  return recorded(LOCKDEP_REAL(memalign)(align, n), n, LOCKDEP_CALLER);
}

}  // extern "C"

#define LOCKDEP_NEW(slot, name, call, fallback) \
  auto fn = next_definition(slot, name);        \
  return recorded(fn ? call : fallback, n, LOCKDEP_CALLER)

LOCKDEP_API void *operator new(size_t n) { LOCKDEP_NEW(g_new, "_Znwm", fn(n), malloc(n)); }
LOCKDEP_API void *operator new[](size_t n) { LOCKDEP_NEW(g_new_array, "_Znam", fn(n), malloc(n)); }
LOCKDEP_API void *operator new(size_t n, const std::nothrow_t &t) noexcept {
  LOCKDEP_NEW(g_new_nothrow, "_ZnwmRKSt9nothrow_t", fn(n, t), malloc(n));
}
LOCKDEP_API void *operator new[](size_t n, const std::nothrow_t &t) noexcept {
  LOCKDEP_NEW(g_new_array_nothrow, "_ZnamRKSt9nothrow_t", fn(n, t), malloc(n));
}
LOCKDEP_API void *operator new(size_t n, std::align_val_t a) {
  LOCKDEP_NEW(g_new_aligned, "_ZnwmSt11align_val_t", fn(n, a),
              aligned_alloc(static_cast<size_t>(a), n));
}
LOCKDEP_API void *operator new[](size_t n, std::align_val_t a) {
  LOCKDEP_NEW(g_new_array_aligned, "_ZnamSt11align_val_t", fn(n, a),
              aligned_alloc(static_cast<size_t>(a), n));
}
LOCKDEP_API void *operator new(size_t n, std::align_val_t a, const std::nothrow_t &t) noexcept {
  LOCKDEP_NEW(g_new_aligned_nothrow, "_ZnwmSt11align_val_tRKSt9nothrow_t", fn(n, a, t),
              aligned_alloc(static_cast<size_t>(a), n));
}
LOCKDEP_API void *operator new[](size_t n, std::align_val_t a, const std::nothrow_t &t) noexcept {
  LOCKDEP_NEW(g_new_array_aligned_nothrow, "_ZnamSt11align_val_tRKSt9nothrow_t", fn(n, a, t),
              aligned_alloc(static_cast<size_t>(a), n));
}
