// Compiled with -Wpedantic -Werror against include/ as a plain (not system)
// include directory: every helper of the C++ header instantiated.
#include <lockdep/lockdep.hpp>
#include <mutex>

namespace {
// A SharedLockable of its own: std::shared_mutex is C++17, this file is
// compiled as C++11 too.
struct shared_lockable {
  void lock() {}
  bool try_lock() { return true; }
  void unlock() {}
  void lock_shared() {}
  bool try_lock_shared() { return true; }
  void unlock_shared() {}
};
}  // namespace

void lockdep_pedantic_cxx();
void lockdep_pedantic_cxx() {
  static lockdep::class_key key;
  lockdep::annotated<shared_lockable> lock("pedantic", key.get());
  { std::lock_guard<lockdep::annotated<shared_lockable>> guard(lock); }
  if (lock.try_lock()) lock.unlock();
  lock.lock_shared();
  lock.assert_held();
  lock.unlock_shared();
  if (lock.try_lock_shared()) lock.unlock_shared();
  lock.lock_nested(1);
  lock.unlock();
  lockdep::held_scope held(lock.map());
  lockdep::off_scope off;
}
