// lockdep::annotated<> ABBA on a lock the preload layer cannot see, built
// -O0 and -O2 by reports_tests.cmake: the report must name the lines below,
// not lines of lockdep.hpp. Keep the line numbers: the tests assert them.
#include <atomic>
#include <cstdio>
#include <lockdep/lockdep.hpp>

struct spinlock {
  std::atomic_flag held = ATOMIC_FLAG_INIT;
  void lock() {
    while (held.test_and_set(std::memory_order_acquire)) {
    }
  }
  void unlock() { held.clear(std::memory_order_release); }
};

static lockdep::annotated<spinlock> g_accounts("accounts");
static lockdep::annotated<spinlock> g_audit("audit");

__attribute__((noinline)) static void accounts_then_audit() {
  g_accounts.lock();  // line 21
  g_audit.lock();     // line 22
  g_audit.unlock();
  g_accounts.unlock();
}

__attribute__((noinline)) static void audit_then_accounts() {
  g_audit.lock();     // line 28
  g_accounts.lock();  // line 29: the report's lock
  g_accounts.unlock();
  g_audit.unlock();
}

int main() {
  accounts_then_audit();
  audit_then_accounts();
  std::puts("report_cxx_lines done");
  return 0;
}
