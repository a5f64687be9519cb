// lockdep for userspace: thin C++ layer over <lockdep/lockdep.h>.
#pragma once

#include <lockdep/lockdep.h>

#include <utility>

// The GNU extensions of LOCKDEP_THIS_IP: GCC forgets __extension__ when it
// instantiates a template, so -Wpedantic is off for the helpers below.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"

namespace lockdep {

// A class key in dynamic storage: registered for its lifetime; destroying
// it forgets every class and dependency learned for it.
class class_key {
 public:
  class_key() { lockdep_register_key(&key_); }
  ~class_key() { lockdep_unregister_key(&key_); }
  class_key(const class_key &) = delete;
  class_key &operator=(const class_key &) = delete;
  const lockdep_class_key *get() const { return &key_; }

 private:
  lockdep_class_key key_{};
};

// The helpers below are never inlined and pass LOCKDEP_CALLER_IP: a report
// names the line that called lock() or unlock(), not a line in this header,
// at every optimisation level (a label inlined into the caller has no
// reliable address under optimisation).
#define LOCKDEP_HELPER_ __attribute__((noinline))

// Wraps any BasicLockable (and Lockable, when it has try_lock) so that every
// lock and unlock is checked. `key` nullptr makes the lock its own class.
template <class Lockable>
class annotated {
 public:
  explicit annotated(const char *name, const lockdep_class_key *key = nullptr,
                     unsigned subclass = 0) {
    lockdep_init_map(&map_, name, key, subclass);
  }
  ~annotated() { lockdep_reset_map(&map_); }
  annotated(const annotated &) = delete;
  annotated &operator=(const annotated &) = delete;

  LOCKDEP_HELPER_ void lock() { acquire(0, LOCKDEP_CALLER_IP); }
  // Takes a lock of a class already held, at another nesting level.
  LOCKDEP_HELPER_ void lock_nested(unsigned subclass) { acquire(subclass, LOCKDEP_CALLER_IP); }
  LOCKDEP_HELPER_ bool try_lock() {
    if (!lock_.try_lock()) return false;
    lockdep_acquire(&map_, 0, LOCKDEP_TRY, LOCKDEP_WRITE, LOCKDEP_CALLER_IP);
    return true;
  }
  LOCKDEP_HELPER_ void unlock() {
    lockdep_release(&map_, LOCKDEP_CALLER_IP);
    lock_.unlock();
  }

  // Shared side, for SharedLockable types. glibc's rwlocks (and so
  // std::shared_mutex) let readers in past a waiting writer: recursive.
  LOCKDEP_HELPER_ void lock_shared(lockdep_read mode = LOCKDEP_READ_RECURSIVE) {
    lockdep_acquire(&map_, 0, 0, mode, LOCKDEP_CALLER_IP);
    lock_.lock_shared();
  }
  LOCKDEP_HELPER_ bool try_lock_shared() {
    if (!lock_.try_lock_shared()) return false;
    lockdep_acquire(&map_, 0, LOCKDEP_TRY, LOCKDEP_READ_RECURSIVE, LOCKDEP_CALLER_IP);
    return true;
  }
  LOCKDEP_HELPER_ void unlock_shared() {
    lockdep_release(&map_, LOCKDEP_CALLER_IP);
    lock_.unlock_shared();
  }

  bool is_held() const { return lockdep_is_held(&map_) != 0; }
  void assert_held(const char *file = __builtin_FILE(), int line = __builtin_LINE()) const {
    lockdep_assert_held_at(&map_, file, line);
  }
  Lockable &native() { return lock_; }
  lockdep_map *map() { return &map_; }

 private:
  void acquire(unsigned subclass, uintptr_t ip) {
    lockdep_acquire(&map_, subclass, 0, LOCKDEP_WRITE, ip);
    lock_.lock();
  }

  Lockable lock_;
  lockdep_map map_;
};

// RAII annotation of a lock the validator cannot see being taken (a
// lock-free handoff, a custom spinlock): acquire now, release at scope end.
class held_scope {
 public:
  LOCKDEP_HELPER_ explicit held_scope(lockdep_map *map, unsigned subclass = 0,
                                      lockdep_read read = LOCKDEP_WRITE)
      : map_(map) {
    lockdep_acquire(map_, subclass, 0, read, LOCKDEP_CALLER_IP);
  }
  LOCKDEP_HELPER_ ~held_scope() { lockdep_release(map_, LOCKDEP_CALLER_IP); }
  held_scope(const held_scope &) = delete;
  held_scope &operator=(const held_scope &) = delete;

 private:
  lockdep_map *map_;
};

// Suspends checking in this thread for a scope.
struct off_scope {
  off_scope() { lockdep_off(); }
  ~off_scope() { lockdep_on(); }
  off_scope(const off_scope &) = delete;
  off_scope &operator=(const off_scope &) = delete;
};

}  // namespace lockdep

#undef LOCKDEP_HELPER_

#pragma GCC diagnostic pop
