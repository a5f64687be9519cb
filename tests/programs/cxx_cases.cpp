// Whole-program test cases for the C++ standard library's locks, which are
// built on pthreads and never call pthread_mutex_init themselves.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace {

std::mutex g_accounts_mutex;
std::mutex g_audit_mutex;

__attribute__((noinline)) void audit_then_accounts() {
  std::lock_guard a(g_audit_mutex);
  std::lock_guard b(g_accounts_mutex);
}
__attribute__((noinline)) void accounts_then_audit() {
  std::lock_guard a(g_accounts_mutex);
  std::lock_guard b(g_audit_mutex);
}

int std_mutex_cycle() {
  std::thread(audit_then_accounts).join();
  std::thread(accounts_then_audit).join();
  return 0;
}

std::shared_mutex g_config_mutex;
std::shared_mutex g_cache_mutex;
int shared_mutex_cycle() {
  {
    std::unique_lock w(g_config_mutex);  // writer
    std::shared_lock r(g_cache_mutex);
  }
  {
    std::unique_lock w(g_cache_mutex);   // writer
    std::shared_lock r(g_config_mutex);  // waits for a writer of config
  }
  return 0;
}

int shared_mutex_read_read() {
  {
    std::shared_lock a(g_config_mutex);
    std::shared_lock b(g_cache_mutex);
  }
  {
    std::shared_lock b(g_cache_mutex);
    std::shared_lock a(g_config_mutex);
  }
  return 0;
}

int recursive_mutex_relock() {
  std::recursive_mutex m;
  std::lock_guard a(m);
  std::lock_guard b(m);
  std::lock_guard c(g_audit_mutex);
  return 0;
}

int timed_mutex_cycle() {
  std::timed_mutex a, b;
  {
    std::unique_lock la(a, std::chrono::seconds(5));
    std::unique_lock lb(b, std::chrono::seconds(5));
  }
  {
    std::unique_lock lb(b, std::chrono::seconds(5));
    std::unique_lock la(a, std::chrono::seconds(5));
  }
  return 0;
}

// std::scoped_lock orders its locks with try-and-back-off: never a report.
int scoped_lock_both_orders() {
  for (int i = 0; i < 100; ++i) {
    std::scoped_lock l1(g_accounts_mutex, g_audit_mutex);
    std::scoped_lock l2(g_cache_mutex);
  }
  std::scoped_lock l3(g_audit_mutex, g_accounts_mutex);
  return 0;
}

// A consumer holds the log lock while waiting on the queue: the wakeup
// re-takes queue under log, the reverse of the producer's order.
int condition_variable_cycle() {
  std::mutex queue, log;
  std::condition_variable cv;
  {
    std::lock_guard q(queue);
    std::lock_guard l(log);
  }
  std::unique_lock q(queue);
  std::lock_guard l(log);
  cv.wait_for(q, std::chrono::milliseconds(1));
  return 0;
}

struct session {
  std::mutex lock;
  char payload[48];
};

// An object with a std::mutex is deleted and its memory reused by another
// object, locked in the opposite order: the new mutex is a new lock.
int heap_reuse() {
  std::mutex registry;
  auto *first = new session;
  void *const first_address = first;
  {
    std::lock_guard r(registry);
    std::lock_guard s(first->lock);
  }
  delete first;
  auto *second = new session;
  std::printf("address reused: %s\n", static_cast<void *>(second) == first_address ? "yes" : "no");
  {
    std::lock_guard s(second->lock);
    std::lock_guard r(registry);
  }
  const bool reused = static_cast<void *>(second) == first_address;
  delete second;
  return reused ? 0 : 3;
}

struct named_case {
  const char *name;
  int (*fn)();
};

const named_case kCases[] = {
    {"std_mutex_cycle", std_mutex_cycle},
    {"shared_mutex_cycle", shared_mutex_cycle},
    {"shared_mutex_read_read", shared_mutex_read_read},
    {"recursive_mutex_relock", recursive_mutex_relock},
    {"timed_mutex_cycle", timed_mutex_cycle},
    {"scoped_lock_both_orders", scoped_lock_both_orders},
    {"condition_variable_cycle", condition_variable_cycle},
    {"heap_reuse", heap_reuse},
};

}  // namespace

int main(int argc, char **argv) {
  for (const auto &c : kCases)
    if (argc >= 2 && !std::strcmp(argv[1], c.name)) return c.fn();
  std::fprintf(stderr, "usage: %s CASE\n", argv[0]);
  return 2;
}
