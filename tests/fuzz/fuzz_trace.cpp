// libFuzzer target: the trace interpreter of the differential test
// (tests/model/), reading a trace from bytes (difftest::decode). Every input
// runs on the real validator and on the reference model; a crash, the
// validator turning itself off, or a report that differs from the model's
// aborts.
//
// All inputs share one process, so after each the runner releases what is
// held and forgets every key and map. The "already reported" memory of the
// validator cannot be cleared that way: bad unlocks are remembered per map
// address across inputs (the model is told), and comparison stops once the
// validator's table of reported problems could be full or a class slot
// could have been reused (reports are remembered by slot).
#include <lockdep/lockdep.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "model.hpp"
#include "runner.hpp"
#include "trace.hpp"

using namespace difftest;

namespace {

std::set<int> g_unlock_reported;
uint64_t g_inputs, g_compared;  // printed at exit: how much the model checked

void print_counts() {
  std::fprintf(stderr, "fuzz_trace: %llu inputs, %llu of them compared with the model\n",
               static_cast<unsigned long long>(g_inputs),
               static_cast<unsigned long long>(g_compared));
}  // maps whose bad unlock was reported by an earlier input

// "unlock m3.2" -> 3
int unlock_map(const std::string &report) {
  if (report.rfind("unlock m", 0) != 0) return -1;
  return std::atoi(report.c_str() + 8);
}

[[noreturn]] void fail(const trace &t, size_t step, const report_list &expected,
                       const report_list &got) {
  std::fprintf(stderr, "fuzz_trace: mismatch at step %zu\nmodel expects:\n", step);
  for (const std::string &r : expected) std::fprintf(stderr, "  %s\n", r.c_str());
  std::fprintf(stderr, "validator reported:\n");
  for (const std::string &r : got) std::fprintf(stderr, "  %s\n", r.c_str());
  std::fprintf(stderr, "trace:\n%s", format(t).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static runner *r = [] {
    std::atexit(print_counts);
    return new runner;  // its threads live as long as the process
  }();
  const trace t = decode(data, size);
  if (t.steps.empty()) return 0;

  lockdep_stats stats;
  lockdep_get_stats(&stats);
  const bool compare =
      lockdep_report_count() < 15000 && stats.classes_registered + 1024 < stats.classes_capacity;
  ++g_inputs;
  g_compared += compare;

  model m(t.threads, model::kNoCache);
  std::map<size_t, report_list> expected;
  const std::vector<bool> valid = valid_steps(t);
  for (size_t i = 0; i < t.steps.size(); ++i) {
    if (!valid[i]) continue;
    report_list e;
    for (const std::string &rep : m.apply(t.steps[i]))
      if (!g_unlock_reported.count(unlock_map(rep))) e.push_back(rep);
    if (!e.empty()) expected[i] = e;
  }
  r->run(t, [&](size_t i, const report_list &got) {
    for (const std::string &rep : got)
      if (unlock_map(rep) >= 0) g_unlock_reported.insert(unlock_map(rep));
    if (!compare) return;
    const auto it = expected.find(i);
    const report_list none;
    const report_list &want = it == expected.end() ? none : it->second;
    if (got != want) fail(t, i, want, got);
  });
  if (const report_list extra = r->forget_everything(); !extra.empty()) {
    std::fprintf(stderr, "fuzz_trace: cleaning up after the trace reported:\n");
    for (const std::string &rep : extra) std::fprintf(stderr, "  %s\n", rep.c_str());
    std::fprintf(stderr, "trace:\n%s", format(t).c_str());
    std::abort();
  }

  lockdep_get_stats(&stats);
  if (!stats.enabled) {
    std::fprintf(stderr, "fuzz_trace: the validator turned itself off\ntrace:\n%s",
                 format(t).c_str());
    std::abort();
  }
  return 0;
}
