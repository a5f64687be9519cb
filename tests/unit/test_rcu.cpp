// The validator's private RCU (src/core/rcu.*): grace periods wait for the
// readers that started before them, with reader slots and with the
// fallback when every slot is taken; slots come back when threads exit and
// after fork(); callbacks run after a grace period.
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "core/rcu.hpp"

using namespace std::chrono_literals;
using lockdep::rcu_read_guard;

namespace {

// Threads that each enter a read-side section and stay until released.
class readers {
 public:
  explicit readers(int n) : threads_(static_cast<size_t>(n)) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    for (auto &t : threads_) REQUIRE(pthread_create(&t, &attr, run, this) == 0);
    pthread_attr_destroy(&attr);
    while (inside_.load() != n) std::this_thread::sleep_for(1ms);
  }
  ~readers() { release(); }
  void release() {
    if (threads_.empty()) return;
    leave_ = true;
    for (auto &t : threads_) pthread_join(t, nullptr);
    threads_.clear();
  }
  // Only the readers that have a slot leave.
  void release_slotted() { leave_slotted_ = true; }
  // Set by every reader before it leaves its section.
  int left() const { return left_.load(); }

 private:
  static void *run(void *p) {
    auto *self = static_cast<readers *>(p);
    std::optional<rcu_read_guard> rcu;
    rcu.emplace();
    const bool slotted = lockdep::t_rcu_reader.slot != nullptr;
    self->inside_.fetch_add(1);
    while (!self->leave_ && !(slotted && self->leave_slotted_)) std::this_thread::sleep_for(1ms);
    self->left_.fetch_add(1);
    rcu.reset();
    return nullptr;
  }
  std::vector<pthread_t> threads_;
  std::atomic<int> inside_{0}, left_{0};
  std::atomic<bool> leave_{false}, leave_slotted_{false};
};

// A grace period run on another thread; records how many readers had left
// when it ended.
class grace_period {
 public:
  explicit grace_period(const readers &r)
      : thread_([this, &r] {
          lockdep::rcu_synchronize();
          left_seen_ = r.left();
          done_ = true;
        }) {}
  ~grace_period() { thread_.join(); }
  bool ends_within(std::chrono::milliseconds wait) const {
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!done_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
    return done_;
  }
  int left_seen() {
    thread_.join();
    thread_ = std::thread([] {});
    return left_seen_;
  }

 private:
  std::atomic<bool> done_{false};
  int left_seen_ = -1;
  std::thread thread_;
};

}  // namespace

TEST_CASE("a grace period waits for a reader that started before it") {
  readers r(1);
  grace_period gp(r);
  CHECK_FALSE(gp.ends_within(100ms));
  r.release();
  CHECK(gp.left_seen() == 1);
}

TEST_CASE("with more reading threads than slots, the fallback holds grace periods too") {
  const int n = static_cast<int>(lockdep::kRcuSlots) + 64;
  readers r(n);
  CHECK(lockdep::rcu_slots_in_use() == lockdep::kRcuSlots);
  r.release_slotted();
  while (r.left() != static_cast<int>(lockdep::kRcuSlots)) std::this_thread::sleep_for(1ms);
  // Only the 64 readers without a slot are inside now.
  grace_period gp(r);
  CHECK_FALSE(gp.ends_within(100ms));
  r.release();
  CHECK(gp.left_seen() == n);
  // Exited threads gave their slots back.
  CHECK(lockdep::rcu_slots_in_use() <= 1);
}

TEST_CASE("a reader nested in itself holds the grace period until the outermost unlock") {
  int left_seen = -1;
  std::atomic<int> stage{0}, left{0};
  std::thread t([&] {
    lockdep::rcu_read_lock();
    lockdep::rcu_read_lock();
    lockdep::rcu_read_unlock();
    stage = 1;
    while (stage != 2) std::this_thread::sleep_for(1ms);
    left = 1;
    lockdep::rcu_read_unlock();
  });
  while (stage != 1) std::this_thread::yield();
  std::atomic<bool> done{false};
  std::thread writer([&] {
    lockdep::rcu_synchronize();
    left_seen = left;
    done = true;
  });
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(done);
  stage = 2;
  t.join();
  writer.join();
  CHECK(left_seen == 1);
}

namespace {
std::atomic<int> g_called{0};
uint64_t g_gp_at_call;
void record(lockdep::rcu_head *) {
  g_gp_at_call = lockdep::rcu_grace_periods();
  g_called.fetch_add(1);
}
}  // namespace

TEST_CASE("a queued callback runs after a grace period, and rcu_barrier waits for it") {
  static lockdep::rcu_head head;
  const uint64_t before = lockdep::rcu_grace_periods();
  g_called = 0;
  {
    readers r(1);
    lockdep::rcu_call(&head, record);
    std::this_thread::sleep_for(50ms);
    CHECK(g_called == 0);  // the reader holds its grace period back
  }
  lockdep::rcu_barrier();
  CHECK(g_called == 1);
  CHECK(g_gp_at_call > before);
}

TEST_CASE("in a child, the parent's other readers are gone: grace periods end, slots are free") {
  readers r(8);  // 8 threads inside read-side sections at the fork
  {
    rcu_read_guard mine;  // this thread has a slot too
  }
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(10);
    lockdep::rcu_synchronize();
    static lockdep::rcu_head head;
    lockdep::rcu_call(&head, record);
    lockdep::rcu_barrier();
    _exit(lockdep::rcu_slots_in_use() == 1 && g_called.load() >= 1 ? 0 : 1);
  }
  g_called = 0;
  r.release();
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
