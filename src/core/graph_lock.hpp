// The graph lock serialises every writer of the class registry, dependency
// graph, chain cache and trace pool. It is a futex lock of our own: a
// pthread mutex would be interposed by the preload layer and recurse into
// the validator.
#pragma once

#include <atomic>

namespace lockdep {

class futex_lock {
 public:
  void lock();
  // As lock(), but gives up (returns false) once `stop` is set, re-checking
  // it at least every millisecond while waiting.
  bool lock_unless(const std::atomic<bool> &stop);
  void unlock();
  // After fork() in the child: the thread that held it is gone.
  // Writes only when held: a page written in the child is copied.
  void reset() {
    if (state_.load(std::memory_order_relaxed)) state_.store(0, std::memory_order_relaxed);
  }

 private:
  // 0 free, 1 locked, 2 locked with waiters (Drepper, "Futexes are tricky").
  std::atomic<int> state_{0};
};

extern futex_lock g_graph_lock;

// Set while a fork() is being prepared: the forking thread holds the graph
// lock while other libraries' prepare handlers run, and one of them may wait
// for a mutex that a thread waiting for the graph lock holds (jemalloc's
// arena locks, held by a thread inside malloc). Such waiters give up.
extern std::atomic<bool> g_fork_in_progress;

// Takes the graph lock; on unlock, queues the RCU callback that frees zapped
// slots if one is needed. rcu_call() runs after the graph lock is dropped:
// it may start the RCU worker, and the kernel had to fix an ABBA between
// its graph lock and RCU's own locks (a6f88ac32c6e). Nobody waits for a
// grace period with the graph lock held: readers take it inside their
// read-side sections.
class graph_guard {
 public:
  enum yield_to_fork_t { yield_to_fork };
  graph_guard();
  // For work that can be skipped (validating one acquisition): does not
  // take the lock while a fork is being prepared; test with operator bool.
  explicit graph_guard(yield_to_fork_t);
  ~graph_guard();
  explicit operator bool() const { return held_; }
  graph_guard(const graph_guard &) = delete;
  graph_guard &operator=(const graph_guard &) = delete;

 private:
  bool held_ = true;
};

}  // namespace lockdep
