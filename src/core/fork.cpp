// The fork handlers.
//
// prepare: the forking thread is marked as inside the validator, then takes
// the graph lock and the report lock, so the child gets them free and the
// state they protect whole. The mark stays until our parent/child handler:
// other libraries' handlers run in between (glibc runs prepare handlers
// last-registered-first, the others first-registered-first), and the
// pthread mutexes they lock and unlock there pass through untracked
// instead of waiting for the graph lock this thread holds (redis +
// jemalloc's BGSAVE hang). Nothing here waits for a grace period or polls.
//
// child: the locks are released, every RCU reader slot but this thread's
// is freed, the RCU worker is gone (started again on demand) and a
// free-callback that was in flight or about to be queued is queued again.
#include "core/fork.hpp"

#include <pthread.h>

#include <atomic>

#include "core/deferred_free.hpp"
#include "core/graph_lock.hpp"
#include "core/rcu.hpp"
#include "core/thread_state.hpp"
#include "report/report.hpp"

namespace lockdep {
namespace {

std::atomic<int> g_init_state{0};  // 0 not yet, 1 in progress, 2 done

void before_fork() {
  ++current_thread().recursion;
  g_fork_in_progress.store(true, std::memory_order_release);
  g_graph_lock.lock();
  report_lock_before_fork();  // inside the graph lock, as reports take it
}

void after_fork_parent() {
  report_lock_after_fork();
  g_graph_lock.unlock();
  g_fork_in_progress.store(false, std::memory_order_release);
  --current_thread().recursion;
}

void after_fork_child() {
  report_lock_after_fork();  // the only thread left is the one that took them
  rcu_after_fork_child();
  deferred_free_after_fork_child();
  g_graph_lock.reset();
  g_fork_in_progress.store(false, std::memory_order_relaxed);
  --current_thread().recursion;
}

}  // namespace

void core_init() {
  int state = g_init_state.load(std::memory_order_acquire);
  if (state == 2 || state == 1 || !g_init_state.compare_exchange_strong(state, 1)) return;
  rcu_init();
  pthread_atfork(before_fork, after_fork_parent, after_fork_child);
  g_init_state.store(2, std::memory_order_release);
}

}  // namespace lockdep

namespace lockdep {
namespace {
// Also for programs that link the core without the library's constructor
// (the unit tests).
__attribute__((constructor(101))) void core_load() { core_init(); }
}  // namespace
}  // namespace lockdep
