// The bundled example: two accounts, two transfers in opposite directions.
// This run never deadlocks (the transfers happen one after the other), but
// the lock order could: lockdep prints the circular-dependency report.
#include <cstdio>
#include <lockdep/lockdep.hpp>
#include <mutex>
#include <thread>

namespace {

// Each account lock is its own class (no key), so the report names them.
struct account {
  explicit account(const char *name) : lock(name) {}
  lockdep::annotated<std::mutex> lock;
  long balance = 100;
};

account checking("checking.lock"), savings("savings.lock");

// The fix: std::scoped_lock takes both without a fixed order and never
// deadlocks (it backs off with try_lock), so it adds no report.
__attribute__((noinline)) void transfer(account &from, account &to, long amount) {
  std::scoped_lock both(from.lock, to.lock);
  from.balance -= amount;
  to.balance += amount;
}

__attribute__((noinline)) void transfer_ordered_wrong(account &from, account &to, long amount) {
  std::lock_guard a(from.lock);
  std::lock_guard b(to.lock);
  from.balance -= amount;
  to.balance += amount;
}

}  // namespace

int main() {
  std::thread t1([] { transfer_ordered_wrong(checking, savings, 10); });
  t1.join();
  std::thread t2([] { transfer_ordered_wrong(savings, checking, 20); });
  t2.join();
  transfer(checking, savings, 5);
  std::printf("checking=%ld savings=%ld reports=%llu\n", checking.balance, savings.balance,
              static_cast<unsigned long long>(lockdep_report_count()));
  return 0;
}
