// Runs a trace against the real validator through its public C API. Each
// logical thread is an OS thread (the validator's held stacks are per OS
// thread); a baton makes the steps run one at a time, in trace order.
// Reports are read back from the log file (log_path) after each step.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model.hpp"
#include "trace.hpp"

namespace difftest {

class runner {
 public:
  // Sets log_path to a private memory file: call before anything reports.
  runner();
  ~runner();
  runner(const runner &) = delete;
  runner &operator=(const runner &) = delete;

  // Runs the valid steps of `t`; `on_step(index, reports)` is called for
  // each, on the thread that ran it.
  void run(const trace &t, const std::function<void(size_t, const report_list &)> &on_step);

  // Releases what each thread still holds and forgets every key and map, so
  // that the next trace starts from an empty graph (the fuzzer runs many
  // traces in one process).
  // Returns what that printed (nothing, when the runner's bookkeeping
  // matches the validator's).
  report_list forget_everything();

 private:
  void worker(int id);
  void pass_baton();  // under mu_
  void execute(int thread, const step &s);
  report_list read_reports();

  int log_fd_ = -1;
  long log_offset_ = 0;

  std::mutex mu_;
  std::condition_variable turn_cv_[kMaxThreads];  // one per worker: wake only the next
  std::condition_variable done_cv_;
  std::vector<std::thread> workers_;
  const std::vector<step> *steps_ = nullptr;
  std::vector<bool> valid_;
  size_t turn_ = 0;
  bool stopping_ = false;
  std::function<void(size_t, const report_list &)> on_step_;
  // What each thread acquired and has not released, for forget_everything.
  std::vector<int> acquired_[kMaxThreads];
  int inits_[kMaxMaps] = {};
  std::deque<std::string> names_;  // map names must outlive the maps
};

}  // namespace difftest
