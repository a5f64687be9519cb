// Deciding, at every interposed call, whether to look at it at all.
#pragma once

#include <cstdint>

#include "core/thread_state.hpp"

namespace lockdep::preload {

// Set by the constructor when the library was preloaded (LD_PRELOAD names
// it, or LOCKDEP_INTERPOSE=1). A program that only links liblockdep.so to
// annotate its own locks keeps its pthread calls to itself.
extern bool g_active;

// True for a return address inside a library the validator itself uses
// (liburcu, libunwind): their locks are ours, never the host's.
bool called_from_internal_library(uintptr_t return_address);

// First tracked call of a thread: arrange the exit check.
void register_thread(thread_state &t);

// A validator_entry for an interposed call, which also arms the thread's
// exit check the first time the thread is seen.
class preload_entry : public validator_entry {
 public:
  explicit preload_entry(uintptr_t ra)
      : validator_entry(ra, g_active && !called_from_internal_library(ra)) {
    if (!*this) return;
    thread().entry_sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    if (__builtin_expect(!thread().exit_hooked, 0)) register_thread(thread());
  }
};

#define LOCKDEP_CALLER ((uintptr_t)__builtin_return_address(0))

// Real function pointers are filled by the constructor; a call that comes
// earlier resolves them itself.
#define LOCKDEP_REAL(fn)                                                               \
  (__builtin_expect(::lockdep::preload::g_real.fn == nullptr, 0)                       \
       ? (::lockdep::preload::resolve_real_functions(), ::lockdep::preload::g_real.fn) \
       : ::lockdep::preload::g_real.fn)

}  // namespace lockdep::preload
