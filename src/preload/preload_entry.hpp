// Deciding, at every interposed call, whether to look at it at all.
#pragma once

#include <cstdint>

#include "core/fast_path.hpp"
#include "core/thread_state.hpp"

namespace lockdep::preload {

// Set by the constructor when the library was preloaded (LD_PRELOAD names
// it, or LOCKDEP_INTERPOSE=1). A program that only links liblockdep.so to
// annotate its own locks keeps its pthread calls to itself.
extern bool g_active;

// The span of every internal library's code (empty: none loaded).
extern uintptr_t g_internal_lo, g_internal_hi;
bool called_from_internal_range(uintptr_t return_address);

// True for a return address inside a library the validator itself uses
// (libunwind): their locks are ours, never the host's. Inline: every lock
// call asks, and nearly every answer is one comparison away.
inline bool called_from_internal_library(uintptr_t return_address) {
  if (__builtin_expect(return_address - g_internal_lo >= g_internal_hi - g_internal_lo, 1))
    return false;
  return called_from_internal_range(return_address);
}

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

// The lock fast path's gate (core/fast_path.hpp): the calling thread when
// the call may take it, nullptr for the full path (preload_entry).
//
// Unlike preload_entry it does not ask whether the caller is an internal
// library: the fast path only ever pushes a lock whose step the full path
// remembered, which it never does for an internal library's call (their
// locks are theirs alone), and only pops the lock on top of the stack.
// Nor whether the thread's exit check is armed: a thread's first lock
// always takes the full path (attach_thread_state() clears the steps).
inline thread_state *fast_thread(uintptr_t) {
  thread_state *t = t_state;
  if (__builtin_expect(t == nullptr || !g_active || !validator_enabled() || fast_blocked(*t), 0))
    return nullptr;
  return t;
}
// With the validator off, a pop changes nothing that matters.
inline thread_state *fast_thread_for_release(uintptr_t) {
  thread_state *t = t_state;
  if (__builtin_expect(t == nullptr || !g_active || fast_blocked_for_release(*t), 0))
    return nullptr;
  return t;
}

#define LOCKDEP_CALLER ((uintptr_t)__builtin_return_address(0))

// Real function pointers are filled by the constructor; a call that comes
// earlier resolves them itself.
#define LOCKDEP_REAL(fn)                                                               \
  (__builtin_expect(::lockdep::preload::g_real.fn == nullptr, 0)                       \
       ? (::lockdep::preload::resolve_real_functions(), ::lockdep::preload::g_real.fn) \
       : ::lockdep::preload::g_real.fn)

}  // namespace lockdep::preload
