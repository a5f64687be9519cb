// fork() in linked mode (no preload): the child of a forking program has a
// working validator, whatever the other threads of the parent were doing,
// and lockdep_barrier() returns in it. Each child runs under alarm(): a hang
// turns into a failed child instead of a stuck test.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "core/class_registry.hpp"
#include "core/graph_lock.hpp"
#include "core/rcu.hpp"
#include "core/testing.hpp"
#include "support.hpp"

using namespace std::chrono_literals;

namespace {

void use(lockdep_class_key &key) {
  lockdep_map m;
  lockdep_init_map(&m, "forked", &key, 0);
  lockdep_acquire(&m, 0, 0, LOCKDEP_WRITE, 0);
  lockdep_release(&m, 0);
}

bool nothing_pending() {
  lockdep_stats st;
  lockdep_get_stats(&st);
  return st.classes_pending == 0 && st.chains_pending == 0;
}

// In a child: a key used, unregistered and waited for ends up in a free
// slot, and nothing stays pending.
bool child_frees_a_zapped_class() {
  static lockdep_class_key k;
  lockdep_register_key(&k);
  use(k);
  const uint32_t slot = lockdep::testing::class_slot(&k, 0);
  lockdep_unregister_key(&k);
  lockdep_barrier();
  return slot != UINT32_MAX && lockdep::testing::class_slot_is_free(slot) && nothing_pending();
}

// Exit status 0: the child did its work; anything else (the alarm's
// SIGALRM included) is a failure.
int g_last_status;
bool child_ok(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return false;
  g_last_status = status;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

// Issue 6 item 3.
TEST_CASE("a child forked between scheduling and queueing the callback frees its zaps") {
  static lockdep_class_key k;
  lockdep_barrier();
  use(k);
  const uint32_t slot = lockdep::testing::class_slot(&k, 0);
  REQUIRE(slot != UINT32_MAX);
  // What graph_guard's destructor does, with a fork() between its two steps.
  lockdep::g_graph_lock.lock();
  {
    lockdep::rcu_read_guard rcu;
    lockdep::zap_class(lockdep::class_lookup(&k, 0));
  }
  const bool need_callback = lockdep::prepare_free_callback();
  lockdep::g_graph_lock.unlock();
  REQUIRE(need_callback);
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(10);
    lockdep_barrier();
    const bool first = lockdep::testing::class_slot_is_free(slot) && nothing_pending();
    _exit(first && child_frees_a_zapped_class() ? 0 : 1);
  }
  lockdep::queue_free_callback();
  REQUIRE(pid > 0);
  CHECK(child_ok(pid));
  lockdep_barrier();
  CHECK(lockdep::testing::class_slot_is_free(slot));
}

// Issue 6 item 2.
TEST_CASE("100 children of a parent whose other thread churns classes all work") {
  // The RCU worker and the churning thread are running before the first
  // fork: a fork in the middle of a thread's creation leaves ASan's own
  // thread registry locked in the child (glibc's pthread_create is safe).
  lockdep_barrier();
  std::atomic<bool> stop{false};
  std::atomic<unsigned> rounds{0};
  std::thread churn([&] {
    static lockdep_class_key keys[8];
    for (unsigned i = 0; !stop; ++i) {
      lockdep_class_key &k = keys[i % 8];
      lockdep_register_key(&k);
      use(k);
      lockdep_unregister_key(&k);
      rounds.store(i + 1, std::memory_order_relaxed);
    }
  });
  while (rounds.load(std::memory_order_relaxed) < 100) std::this_thread::yield();
  int failed = 0;
  for (int i = 0; i < 100; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      alarm(10);
      _exit(child_frees_a_zapped_class() ? 0 : 1);
    }
    if (pid < 0 || !child_ok(pid)) {
      ++failed;
      UNSCOPED_INFO("child " << i << ": wait status 0x" << std::hex << g_last_status << std::dec);
    }
  }
  stop = true;
  churn.join();
  CHECK(failed == 0);
}

TEST_CASE("a fork while another thread holds the graph lock gives a working child") {
  std::atomic<bool> held{false};
  std::thread holder([&] {
    lockdep::g_graph_lock.lock();
    held = true;
    std::this_thread::sleep_for(50ms);
    lockdep::g_graph_lock.unlock();
  });
  while (!held) std::this_thread::yield();
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(10);
    _exit(child_frees_a_zapped_class() ? 0 : 1);
  }
  holder.join();
  REQUIRE(pid > 0);
  CHECK(child_ok(pid));
}

TEST_CASE("lockdep_barrier() returns in the child of a single-threaded parent") {
  // Grandchild of a child: whatever threads the test process has, the
  // child has only its own, and has freed classes before it forks.
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(20);
    if (!child_frees_a_zapped_class()) _exit(2);
    const pid_t grandchild = fork();
    if (grandchild == 0) {
      alarm(10);
      _exit(child_frees_a_zapped_class() ? 0 : 1);
    }
    _exit(child_ok(grandchild) ? 0 : 1);
  }
  REQUIRE(pid > 0);
  CHECK(child_ok(pid));
}
