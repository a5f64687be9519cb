#include "core/graph_lock.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/deferred_free.hpp"
#include "core/fork.hpp"

namespace lockdep {

futex_lock g_graph_lock;

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

graph_guard::~graph_guard() {
  const bool need_callback = prepare_free_callback();
  g_graph_lock.unlock();
  if (need_callback) queue_free_callback();
}

}  // namespace lockdep
