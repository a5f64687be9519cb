// Per-thread state: the held-lock stack and the guards.
//
// Static TLS holds one pointer (initial-exec, so reaching it never
// allocates and costs one load). The state itself lives in a block of our
// own (thread_state.cpp): static TLS must stay small, because glibc carves
// a thread's static TLS out of its stack, and a library loaded with dlopen()
// must fit in the few hundred bytes of surplus static TLS glibc keeps for
// it. A block is attached on the thread's first use and returned at thread
// exit; its held stack is touched (made resident) only as deep as it grows.
#pragma once

#include <boost/container/static_vector.hpp>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "core/config.hpp"
#include "core/pools.hpp"
#include "core/signal_state.hpp"

namespace lockdep {

struct held_lock {
  uint64_t chain_key;  // key of the stack up to and including this lock
  uint64_t id;         // hlock_id(): class, read mode, class generation
  uintptr_t acquire_ip;
  const void *instance;  // the lockdep_map
  uint32_t class_idx;
  uint32_t class_generation;  // the class is gone when this differs
  uint32_t references;        // re-takes of a reentrant lock
  uint8_t read;               // 0 write, 1 read, 2 recursive read
  bool trylock;
  bool reentrant;
};

// One remembered step of the lock fast path (core/fast_path.hpp): with the
// stack whose chain key is `below`, the lock and mode `tag` get hlock id
// `id` and make the key `chain_key`. `check` is fast_check(below, tag) mixed
// with the zap epoch's salt: one comparison tells all three.
struct fast_entry {
  uint64_t check;
  uint64_t chain_key;
  uint64_t id;
  uint64_t unused;  // 32 bytes: an entry never straddles a cache line
};
inline constexpr uint32_t kFastEntriesBits = 6;

// The held locks, innermost last: a fixed capacity and no allocation.
// Construction touches only the count: the entries stay unwritten (and the
// pages of a thread's state block that hold them are never faulted in)
// until used, so a thread that holds few locks costs few pages.
using held_stack = boost::container::static_vector<held_lock, kMaxLockDepth>;

struct thread_state {
  thread_state() {}  // see held_stack()
  // Nonzero while the thread is inside the validator (or a library it
  // calls): every lock operation then passes straight through.
  // The first three are what the lock fast path tests (fast_path.hpp).
  int recursion = 0;
  int off = 0;  // lockdep_off() nesting
  // Locks taken past the depth limit, not on `held`: their releases are
  // expected, and nothing is tracked until they are all gone.
  uint32_t untracked = 0;
  bool exit_hooked = false;  // preload: the thread-exit check is armed
  // Return address into the caller of the validator's entry point, where
  // captured stacks start.
  uintptr_t entry_ra = 0;
  // The caller's frame at that entry: locks above it may be on its stack.
  uintptr_t entry_sp = 0;
  // The validator's slow paths (a new chain, a report) run on a stack of
  // their own (run_on_side_stack()): the host's thread may have a 16 KiB
  // stack, and unwinding and symbolizing need several KiB. 0: none.
  uintptr_t side_stack_top = 0;
  bool on_side_stack = false;
  bool side_stack_used = false;  // its pages are resident: give them back at exit
  signal_state sig;              // blocked signals, running handlers
  // The fast path's steps, direct-mapped; zeroed when a block is attached
  // to a thread (attach_thread_state()).
  alignas(64) fast_entry fast[1u << kFastEntriesBits];
  held_stack held;  // last: its untouched tail costs no memory
};

// constinit: no TLS wrapper function (a call through the PLT) at every use.
extern constinit thread_local thread_state *t_state __attribute__((tls_model("initial-exec")));

// Slow path of current_thread(): attaches a block to the calling thread.
thread_state *attach_thread_state();

inline thread_state &current_thread() {
  thread_state *t = t_state;
  if (__builtin_expect(t == nullptr, 0)) t = attach_thread_state();
  return *t;
}

// Calls fn(arg) on the stack that ends at `top` (16-byte aligned).
void call_on_stack(void (*fn)(void *), void *arg, uintptr_t top);

// Runs f() on the thread's side stack; directly when the thread is on it
// already or has none.
template <class F>
void run_on_side_stack(thread_state &t, F &&f) {
  if (t.on_side_stack || !t.side_stack_top) {
    f();
    return;
  }
  t.on_side_stack = true;
  t.side_stack_used = true;
  using fn_type = std::remove_reference_t<F>;
  call_on_stack([](void *p) { (*static_cast<fn_type *>(p))(); }, &f, t.side_stack_top);
  t.on_side_stack = false;
}

// Entering the validator from outside: inactive (and the caller must pass
// the operation through untouched) when the validator is off, the thread
// is already inside it, or the thread called lockdep_off().
class validator_entry {
 public:
  // `allowed`: the caller's own reason to look at this call (the preload
  // layer's: interposition is on and the caller is not one of our libraries).
  explicit validator_entry(uintptr_t entry_ra, bool allowed = true)
      : t_(current_thread()), active_(allowed && validator_enabled() && !t_.recursion && !t_.off) {
    if (active_) {
      ++t_.recursion;
      t_.entry_ra = entry_ra;
    }
  }
  ~validator_entry() {
    if (active_) --t_.recursion;
  }
  validator_entry(const validator_entry &) = delete;
  validator_entry &operator=(const validator_entry &) = delete;

  explicit operator bool() const { return active_; }
  thread_state &thread() { return t_; }

 private:
  thread_state &t_;
  bool active_;
};

}  // namespace lockdep
