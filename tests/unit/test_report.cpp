// The whole circular report: title, both lock names, every chain edge with a
// frame from the function that recorded it, the scenario table, held locks.
#include <catch2/catch.hpp>
#include <regex>

#include "support.hpp"

using namespace test;

namespace {

lock *g_a, *g_b, *g_c;

__attribute__((noinline)) void record_a_then_b() { L(*g_a), L(*g_b), U(*g_b), U(*g_a); }
__attribute__((noinline)) void record_b_then_c() { L(*g_b), L(*g_c), U(*g_c), U(*g_b); }
__attribute__((noinline)) void close_cycle_c_then_a() { L(*g_c), L(*g_a), U(*g_a), U(*g_c); }

// The text between `from` and the next line that starts with `until`.
std::string section(const std::string &s, const std::string &from, const std::string &until) {
  const size_t a = s.find(from);
  if (a == std::string::npos) return {};
  const size_t b = s.find(until, a + from.size());
  return s.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

}  // namespace

TEST_CASE("circular report, whole") {
  lock a("inode_lock"), b("journal_lock"), c("buffer_lock");
  g_a = &a, g_b = &b, g_c = &c;
  reports r;
  record_a_then_b();
  record_b_then_c();
  close_cycle_c_then_a();
  const std::string out = r.text();
  INFO(out);
  REQUIRE(r.count() == 1);

  CHECK(out.find("======================================================\n"
                 "WARNING: possible circular locking dependency detected\n") != std::string::npos);
  CHECK(std::regex_search(
      out, std::regex(R"(\S+/\d+ is trying to acquire lock:\n0x[0-9a-f]+ \(inode_lock\), at: )")));
  CHECK(std::regex_search(
      out, std::regex(R"(but task is already holding lock:\n0x[0-9a-f]+ \(buffer_lock\), at: )")));
  CHECK(out.find("which lock already depends on the new lock.") != std::string::npos);

  // The chain in reverse: #2 buffer_lock (recorded by b->c), #1 journal_lock
  // (recorded by a->b), #0 inode_lock (now).
  const std::string e2 = section(out, "-> #2 (buffer_lock):", "\n\n");
  const std::string e1 = section(out, "-> #1 (journal_lock):", "\n\n");
  const std::string e0 = section(out, "-> #0 (inode_lock):", "\n\n");
  CHECK(e2.find("record_b_then_c") != std::string::npos);
  CHECK(e1.find("record_a_then_b") != std::string::npos);
  CHECK(e0.find("close_cycle_c_then_a") != std::string::npos);
  CHECK(std::regex_search(e1, std::regex(R"(record_a_then_b\S*\+0x[0-9a-f]+/0x[0-9a-f]+ \[)")));

  CHECK(out.find("Chain exists of:\n  inode_lock --> journal_lock --> buffer_lock\n") !=
        std::string::npos);
  CHECK(out.find(" Possible unsafe locking scenario:\n\n"
                 "       CPU0                    CPU1\n"
                 "       ----                    ----\n"
                 "  lock(buffer_lock);\n"
                 "                               lock(journal_lock);\n"
                 "                               lock(buffer_lock);\n"
                 "  lock(inode_lock);\n\n"
                 " *** DEADLOCK ***\n") != std::string::npos);
  CHECK(std::regex_search(
      out, std::regex(R"(1 lock held by \S+/\d+:\n #0: 0x[0-9a-f]+ \(buffer_lock\))")));
  const std::string bt = section(out, "stack backtrace:", "\n\n");
  CHECK(bt.find("close_cycle_c_then_a") != std::string::npos);
}

TEST_CASE("two-lock report has no 'Chain exists of'") {
  lock a("A"), b("B");
  reports r;
  L(a), L(b), U(b), U(a);
  L(b), L(a), U(a), U(b);
  const std::string out = r.text();
  INFO(out);
  CHECK(out.find("Chain exists of") == std::string::npos);
  CHECK(out.find("-> #1 (B):") != std::string::npos);
  CHECK(out.find("-> #0 (A):") != std::string::npos);
}
