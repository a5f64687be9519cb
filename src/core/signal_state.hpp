// Signal context of a thread, kept in its thread_state: which signals it
// blocks, and which signal's handler it is running. The preload layer sets
// it (sigaction's handler trampoline, pthread_sigmask, sigsuspend,
// siglongjmp); the validator reads it on every acquisition, so it is plain
// per-thread data that costs no system call to read.
//
// Signal s is bit s-1 of a 64-bit mask, as in the kernel's sigset_t.
#pragma once

#include <cstdint>

namespace lockdep {

inline uint64_t signal_bit(int sig) { return uint64_t{1} << (sig - 1); }

// One running handler. Lives in the trampoline's frame: nesting is as deep
// as the stack, and a siglongjmp() that leaves the frame leaves the level.
struct signal_level {
  signal_level *outer;  // the handler this one interrupted, or nullptr
  int sig;              // the handler context it makes current (0: none)
  // The stack pointer where the handler interrupted its context, and the
  // trampoline's own frame: the handler's frames lie between the two (on
  // the handler's stack, an alternate one perhaps).
  uintptr_t interrupted_sp;
  uintptr_t frame;
};

// The mask of the calling thread, as the kernel has it (one system call).
uint64_t kernel_blocked_mask();

struct signal_state {
  // Read when the state is attached, so a thread starts with the mask it
  // inherited from its creator; kept up to date by the preload layer.
  uint64_t blocked = kernel_blocked_mask();
  int current = 0;                    // the innermost running handler's signal; 0: none
  signal_level *innermost = nullptr;  // the running handlers, innermost first
};

// Signals that have a handler installed through sigaction()/signal() (the
// preload layer's wrapper): only those can run code that takes locks.
extern uint64_t g_signals_with_handlers;

inline uint64_t signals_with_handlers() {
  return __atomic_load_n(&g_signals_with_handlers, __ATOMIC_RELAXED);
}
inline void set_signal_handled(int sig, bool handled) {
  if (handled)
    __atomic_fetch_or(&g_signals_with_handlers, signal_bit(sig), __ATOMIC_RELAXED);
  else
    __atomic_fetch_and(&g_signals_with_handlers, ~signal_bit(sig), __ATOMIC_RELAXED);
}

// The signals whose handlers could run now in a thread with this state.
inline uint64_t deliverable_signals(const signal_state &s) {
  return signals_with_handlers() & ~s.blocked;
}

}  // namespace lockdep
