// The C++ header in a downstream -Wpedantic -Werror build: the same ABBA with
// lockdep::annotated<std::mutex>.
#include <cstdio>
#include <lockdep/lockdep.hpp>
#include <mutex>

int main() {
  static lockdep_class_key left_key, right_key;
  lockdep::annotated<std::mutex> left("left", &left_key), right("right", &right_key);
  {
    std::lock_guard<lockdep::annotated<std::mutex>> a(left);
    std::lock_guard<lockdep::annotated<std::mutex>> b(right);
    right.assert_held();
  }
  {
    std::lock_guard<lockdep::annotated<std::mutex>> b(right);
    std::lock_guard<lockdep::annotated<std::mutex>> a(left);
  }
  std::printf("reports: %llu\n", static_cast<unsigned long long>(lockdep_report_count()));
  return 0;
}
