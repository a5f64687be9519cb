#include "core/graph_lock.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/deferred_free.hpp"
#include "core/fork.hpp"

namespace lockdep {

futex_lock g_graph_lock;
std::atomic<bool> g_fork_in_progress{false};

static void futex_call(std::atomic<int> *addr, int op, int val) {
  syscall(SYS_futex, reinterpret_cast<int *>(addr), op | FUTEX_PRIVATE_FLAG, val, nullptr, nullptr,
          0);
}

void futex_lock::lock() {
  int c = 0;
  if (state_.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
  if (c != 2) c = state_.exchange(2, std::memory_order_acquire);
  while (c != 0) {
    futex_call(&state_, FUTEX_WAIT, 2);
    c = state_.exchange(2, std::memory_order_acquire);
  }
}

bool futex_lock::lock_unless(const std::atomic<bool> &stop) {
  int c = 0;
  if (state_.compare_exchange_strong(c, 1, std::memory_order_acquire)) return true;
  if (c != 2) c = state_.exchange(2, std::memory_order_acquire);
  while (c != 0) {
    if (stop.load(std::memory_order_acquire)) return false;
    // A bounded wait: the thread that sets `stop` cannot wake us without
    // racing our check.
    struct timespec ms = {0, 1000000};
    syscall(SYS_futex, reinterpret_cast<int *>(&state_), FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 2, &ms,
            nullptr, 0);
    c = state_.exchange(2, std::memory_order_acquire);
  }
  return true;
}

void futex_lock::unlock() {
  if (state_.fetch_sub(1, std::memory_order_release) != 1) {
    state_.store(0, std::memory_order_release);
    futex_call(&state_, FUTEX_WAKE, 1);
  }
}

graph_guard::graph_guard() {
  core_init();  // the fork handlers exist before the graph lock is first taken
  g_graph_lock.lock();
}

graph_guard::graph_guard(yield_to_fork_t) {
  core_init();
  held_ = g_graph_lock.lock_unless(g_fork_in_progress);
}

graph_guard::~graph_guard() {
  if (!held_) return;
  const bool need_callback = prepare_free_callback();
  g_graph_lock.unlock();
  if (need_callback) queue_free_callback();
}

}  // namespace lockdep
