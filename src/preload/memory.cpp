// free, realloc, munmap: memory that goes away takes its locks with it.
// operator delete reaches free() too.
#include <malloc.h>
#include <sys/mman.h>

#include <cstring>

#include "alloc_sites.hpp"
#include "core/address_index.hpp"
#include "lock_calls.hpp"
#include "real_functions.hpp"
#include "site_class.hpp"

using namespace lockdep;
using namespace lockdep::preload;

namespace {

// Two hash probes for memory with no locks on its pages: the common case.
void forget_locks_in(uintptr_t lo, uintptr_t hi, uintptr_t ip) {
  if (!address_range_may_hold_locks(lo, hi)) return;
  forget_init_sites(lo, hi);
  preload_entry e(ip);
  if (e) validator_forget_range(e.thread(), lo, hi);
}

}  // namespace

extern "C" {

LOCKDEP_API void free(void *p) {
  if (__builtin_expect(bootstrap_block(p), 0)) return;  // dlsym()'s: never reused
  if (p && g_active) {
    const auto lo = reinterpret_cast<uintptr_t>(p);
    const size_t size = malloc_usable_size(p);
    if (g_record_alloc_sites) alloc_site_forget(p, size);
    forget_locks_in(lo, lo + size, LOCKDEP_CALLER);
  } else if (p && g_record_alloc_sites) {
    alloc_site_forget(p, 0);  // before start-up: only small blocks were recorded
  }
  auto fn = LOCKDEP_REAL(free);
  if (fn) fn(p);  // else: dlsym() is bootstrapping; leaking this block is safe
}

LOCKDEP_API void *realloc(void *p, size_t n) {
  if (__builtin_expect(bootstrap_block(p), 0)) {
    void *q = malloc(n);
    const size_t have = bootstrap_block_size(p);
    if (q) std::memcpy(q, p, have < n ? have : n);
    return q;
  }
  const size_t old = p && g_active ? malloc_usable_size(p) : 0;
  void *q = LOCKDEP_REAL(realloc)(p, n);
  if (g_record_alloc_sites && q != p) {
    if (p && (q || n == 0)) alloc_site_forget(p, old);
    if (q) alloc_site_record(q, n, LOCKDEP_CALLER);
  } else if (g_record_alloc_sites && q && n > old) {
    alloc_site_grown(q, n);
  }
  if (old) {
    const auto lo = reinterpret_cast<uintptr_t>(p);
    // Moved, or realloc(p, 0) freed it: all of it died. A NULL for n > 0 is
    // a failure that leaves the block alone.
    if ((q && q != p) || (!q && n == 0))
      forget_locks_in(lo, lo + old, LOCKDEP_CALLER);
    else if (q && n < old)
      forget_locks_in(lo + n, lo + old, LOCKDEP_CALLER);  // shrunk
  }
  return q;
}

LOCKDEP_API int munmap(void *addr, size_t len) {
  if (g_active) {
    const auto lo = reinterpret_cast<uintptr_t>(addr);
    forget_locks_in(lo, lo + len, LOCKDEP_CALLER);
  }
  return LOCKDEP_REAL(munmap)(addr, len);
}

}  // extern "C"
