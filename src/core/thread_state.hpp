// Per-thread state: the held-lock stack and the guards. Lives in static TLS
// (initial-exec), so reaching it never allocates, and is built lazily on the
// thread's first use: a thread_local with a constructor or destructor would
// make the C++ runtime register an exit handler, which allocates.
#pragma once

#include <boost/container/static_vector.hpp>
#include <cstdint>
#include <new>

#include "core/config.hpp"
#include "core/pools.hpp"

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

using held_stack = boost::container::static_vector<held_lock, kMaxLockDepth>;

struct thread_state {
  held_stack held;
  // Nonzero while the thread is inside the validator (or a library it
  // calls): every lock operation then passes straight through.
  int recursion = 0;
  int off = 0;               // lockdep_off() nesting
  bool exit_hooked = false;  // preload: the thread-exit check is armed
  // Return address into the caller of the validator's entry point, where
  // captured stacks start.
  uintptr_t entry_ra = 0;
};

struct thread_slot {
  alignas(thread_state) unsigned char storage[sizeof(thread_state)];
  bool ready;
};

extern thread_local thread_slot t_thread __attribute__((tls_model("initial-exec")));

inline thread_state &current_thread() {
  thread_slot &slot = t_thread;
  if (__builtin_expect(!slot.ready, 0)) {
    new (slot.storage) thread_state();
    slot.ready = true;
  }
  return *std::launder(reinterpret_cast<thread_state *>(slot.storage));
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
