// Static C++ lock variables (internal linkage, in a namespace, local to a
// function) must be named in reports as written, not mangled (_ZL9log_mutex).
#include <mutex>

static std::mutex log_mutex;
namespace store {
static std::mutex table;
}

__attribute__((noinline)) static void log_then_table() {
  std::lock_guard<std::mutex> a(log_mutex);
  std::lock_guard<std::mutex> b(store::table);
}

__attribute__((noinline)) static void table_then_log() {
  static std::mutex cache;
  std::lock_guard<std::mutex> c(cache);
  std::lock_guard<std::mutex> b(store::table);
  std::lock_guard<std::mutex> a(log_mutex);
}

int main() {
  log_then_table();
  table_then_log();
  return 0;
}
