// The bundled example: two accounts, two transfers in opposite directions.
// This run never deadlocks (the transfers happen one after the other), but
// the lock order could: lockdep prints the circular-dependency report.
#include <cstdio>
#include <lockdep/lockdep.hpp>
#include <mutex>
#include <thread>

namespace {

lockdep_class_key account_key;  // every account lock is one class...

struct account {
  explicit account(const char *name, unsigned level) : lock(name), level(level) {}
  lockdep::annotated<std::mutex> lock;
  unsigned level;
  long balance = 100;
};

// ...but each account here is its own class, so the report names them.
account checking("checking.lock", 0), savings("savings.lock", 0);

__attribute__((noinline)) void transfer(account &from, account &to, long amount) {
  std::scoped_lock both(from.lock, to.lock);  // std::lock: no fixed order!
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
  (void)account_key;
  std::thread t1([] { transfer_ordered_wrong(checking, savings, 10); });
  t1.join();
  std::thread t2([] { transfer_ordered_wrong(savings, checking, 20); });
  t2.join();
  transfer(checking, savings, 5);
  std::printf("checking=%ld savings=%ld reports=%llu\n", checking.balance, savings.balance,
              static_cast<unsigned long long>(lockdep_report_count()));
  return 0;
}
