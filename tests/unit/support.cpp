#include "support.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace test {

const char *const kCircular = "WARNING: possible circular locking dependency detected";
const char *const kRecursive = "WARNING: possible recursive locking detected";
const char *const kUnlock = "WARNING: bad unlock balance detected!";

namespace {

const std::string &log_path() {
  static const std::string path = [] {
    std::string p = "/tmp/lockdep-unit-" + std::to_string(getpid()) + ".log";
    std::remove(p.c_str());
    char err[256];
    if (lockdep_set_options(("log_path=" + p).c_str(), err, sizeof err) != 0)
      throw std::runtime_error(err);
    return p;
  }();
  return path;
}

long file_size(const std::string &path) {
  std::ifstream in(path, std::ios::ate | std::ios::binary);
  return in ? static_cast<long>(in.tellg()) : 0;
}

}  // namespace

reports::reports() : start_offset_(file_size(log_path())), start_count_(lockdep_report_count()) {}

std::string reports::text() const {
  std::ifstream in(log_path(), std::ios::binary);
  in.seekg(start_offset_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t count_of(const std::string &hay, const std::string &needle) {
  size_t n = 0;
  for (size_t pos = hay.find(needle); pos != std::string::npos;
       pos = hay.find(needle, pos + needle.size()))
    ++n;
  return n;
}

}  // namespace test
