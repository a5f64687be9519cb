// The lock fast path: an acquisition whose outcome the thread has seen
// before costs a lookup in a small per-thread table and a push, with no
// shared cache line written, no atomic read-modify-write, no RCU section
// and no hash walk; a release of the innermost lock is a pop.
//
// The table remembers steps: "with a stack whose chain key is K, this lock
// (in this mode) gets class id I and the stack's key becomes K'". It is
// filled by validator_acquire() when an acquisition needed no validation (a
// chain-cache hit, a stack made of known dependencies, a trylock) and the
// class was live. Such a fact stays true until a class dies: only zapping a
// class removes dependencies and chains. Every zap (and every change of a
// pool limit) moves a global epoch, and an entry only matches under the
// epoch it was recorded in. Registering classes, adding dependencies or
// evicting cached chains leaves a validated stack valid.
//
// An entry is found and checked with one 64-bit comparison of a hash of
// (chain key below, lock, mode, epoch): a false match, like a chain-key
// collision in the chain cache, has a probability of 2^-64 per lookup.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/chain_cache.hpp"
#include "core/thread_state.hpp"

namespace lockdep {

// A hash of the zap epoch, mixed into every entry's check. Changed (under
// the graph lock, after a zapped class's chains and dependencies are gone)
// with release; read with acquire before anything an entry records.
extern std::atomic<uint64_t> g_fast_salt;

inline uint64_t fast_salt() { return g_fast_salt.load(std::memory_order_acquire); }

// After a class is zapped, and when a pool limit changes: every remembered
// step is forgotten.
void fast_path_invalidate();

// The lock and its mode in one word. Locks are 4-byte aligned and user
// addresses fit in 47 bits.
inline uint64_t fast_tag(const void *lock, uint8_t read, bool trylock) {
  return (reinterpret_cast<uintptr_t>(lock) << 3) | (uint64_t{read} << 1) | uint64_t{trylock};
}

// Where the step from `below` by `tag` lives, and what it must hold.
inline uint64_t fast_key(uint64_t below, uint64_t tag) {
  return below ^ (tag * 0x9E3779B97F4A7C15ull);
}
inline fast_entry &fast_slot(thread_state &t, uint64_t key) {
  return t.fast[key >> (64 - kFastEntriesBits)];
}

// What the signal rules (core/signal_usage.hpp) look at besides the lock:
// the signals whose handlers could run now, and the handler running. A
// step is remembered after the lock's usage bits were marked for this
// context, so it holds only in the same one; 0 in a program without
// handlers, and the key is then the plain one.
inline uint64_t fast_signal_context(const thread_state &t) {
  return (deliverable_signals(t.sig) * 0xD6E8FEB86659FD93ull) ^
         static_cast<uint64_t>(t.sig.current);
}

// The top of the held stack's chain key (0 when empty).
inline uint64_t held_top_key(const thread_state &t) {
  return t.held.empty() ? 0 : t.held.back().chain_key;
}

// Records that `h` (a lock keyed by its own address, subclass 0) was pushed
// on the current stack without needing validation; `salt` was read before
// its class was looked up.
inline void fast_path_remember(thread_state &t, const held_lock &h, uint64_t salt) {
  const uint64_t key =
      fast_key(held_top_key(t) ^ fast_signal_context(t), fast_tag(h.instance, h.read, h.trylock));
  fast_entry &e = fast_slot(t, key);
  e.check = key ^ salt;
  e.chain_key = h.chain_key;
  e.id = h.id;
}

// True when the thread is inside the validator, has it switched off, or
// has untracked locks.
inline bool fast_blocked(const thread_state &t) {
  return (t.recursion | t.off | static_cast<int>(t.untracked)) != 0;
}
inline bool fast_blocked_for_release(const thread_state &t) { return (t.recursion | t.off) != 0; }

// The caller's gate is open (see fast_blocked()). Pushes the lock and
// returns true when the table knows this step; false: take the full path.
inline bool fast_acquire(thread_state &t, const void *lock, uint8_t read, bool trylock,
                         uintptr_t ip) {
  // An entry was remembered below the depth limit at this very depth (the
  // chain key stands for the stack), and a changed limit moves the epoch.
  // This bound only keeps a chain-key collision inside the array.
  const size_t depth = t.held.size();
  if (__builtin_expect(depth >= kMaxLockDepth - 1, 0)) return false;
  const uint64_t below = depth ? t.held[depth - 1].chain_key : 0;
  const uint64_t key = fast_key(below ^ fast_signal_context(t), fast_tag(lock, read, trylock));
  const fast_entry &e = fast_slot(t, key);
  if (e.check != (key ^ fast_salt())) return false;
  held_lock h;
  h.chain_key = e.chain_key;
  h.id = e.id;
  h.acquire_ip = ip;
  h.instance = lock;
  h.class_idx = hlock_class(h.id);
  h.class_generation = static_cast<uint32_t>(h.id >> 32);
  h.references = 0;
  h.read = read;
  h.trylock = trylock;
  h.reentrant = false;
  // A signal handler that locks must not land between the writes and the
  // push: while the guard is up its locks pass through untracked.
  ++t.recursion;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t.held.push_back(h);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  --t.recursion;
  return true;
}

// Pops `lock` when it is the innermost held lock, held once.
inline bool fast_release(thread_state &t, const void *lock) {
  if (t.held.empty()) return false;
  const held_lock &h = t.held.back();
  if (h.instance != lock || h.references) return false;
  t.held.pop_back();
  return true;
}

}  // namespace lockdep
