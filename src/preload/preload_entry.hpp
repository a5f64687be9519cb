// Deciding, at every interposed call, whether to look at it at all.
#pragma once

#include <cstdint>

#include "../thread_state.hpp"

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

class preload_entry {
 public:
  explicit preload_entry(uintptr_t ra) {
    if (!g_active || !validator_enabled()) return;
    thread_state &t = current_thread();
    if (t.recursion || t.off || called_from_internal_library(ra)) return;
    t_ = &t;
    ++t.recursion;
    t.entry_ra = ra;
    if (__builtin_expect(!t.exit_hooked, 0)) register_thread(t);
  }
  ~preload_entry() {
    if (t_) --t_->recursion;
  }
  preload_entry(const preload_entry &) = delete;
  preload_entry &operator=(const preload_entry &) = delete;

  explicit operator bool() const { return t_ != nullptr; }
  thread_state &thread() { return *t_; }

 private:
  thread_state *t_ = nullptr;
};

#define LOCKDEP_CALLER ((uintptr_t)__builtin_return_address(0))

// Real function pointers are filled by the constructor; a call that comes
// earlier resolves them itself.
#define LOCKDEP_REAL(fn)                                                               \
  (__builtin_expect(::lockdep::preload::g_real.fn == nullptr, 0)                       \
       ? (::lockdep::preload::resolve_real_functions(), ::lockdep::preload::g_real.fn) \
       : ::lockdep::preload::g_real.fn)

}  // namespace lockdep::preload
