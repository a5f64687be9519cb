#include "runner.hpp"

#include <lockdep/lockdep.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace difftest {
namespace {

lockdep_map g_maps[kMaxMaps];
lockdep_class_key g_keys[kMaxKeys];

const char *const kCircular = "WARNING: possible circular locking dependency detected";
const char *const kRecursive = "WARNING: possible recursive locking detected";
const char *const kUnlock = "WARNING: bad unlock balance detected!";

// "0x5581c0a3e2a0 (m1.1/2), at: ..." -> "3(m1.1/2)", with the map's index.
std::string lock_line(const std::string &line) {
  const unsigned long long addr = std::strtoull(line.c_str(), nullptr, 16);
  const auto base = reinterpret_cast<uintptr_t>(&g_maps[0]);
  std::string map = "?";
  if (addr >= base && addr < base + sizeof g_maps)
    map = std::to_string((addr - base) / sizeof(lockdep_map));
  const size_t open = line.find(" (");
  const size_t close = line.rfind("), at: ");
  if (open == std::string::npos || close == std::string::npos || close < open)
    return map + "(unparsed: " + line + ")";
  return map + line.substr(open + 1, close - open);
}

// Turns the text of the reports printed during one step into the model's
// notation.
report_list parse_reports(const std::string &text) {
  report_list out;
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  auto after = [&](size_t from, const char *marker) -> std::string {
    for (size_t j = from; j + 1 < lines.size(); ++j) {
      if (j > from && (lines[j].rfind("WARNING:", 0) == 0 || lines[j].rfind("BUG:", 0) == 0)) break;
      if (lines[j].find(marker) != std::string::npos) return lines[j + 1];
    }
    return "(missing)";
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string &l = lines[i];
    if (l == kCircular || l == kRecursive) {
      out.push_back(std::string(l == kCircular ? "circular" : "recursive") +
                    " next=" + lock_line(after(i, "is trying to acquire lock:")) +
                    " prev=" + lock_line(after(i, "but task is already holding lock:")));
    } else if (l == kUnlock) {
      std::string name = "(missing)";
      for (size_t j = i + 1; j < lines.size(); ++j) {
        const size_t at = lines[j].find(" is trying to release lock (");
        if (at == std::string::npos) continue;
        const size_t open = lines[j].find('(', at);
        const size_t close = lines[j].rfind(") at:");
        if (close != std::string::npos && close > open)
          name = lines[j].substr(open + 1, close - open - 1);
        break;
      }
      out.push_back("unlock " + name);
    } else if (l.rfind("WARNING:", 0) == 0 || l.rfind("BUG:", 0) == 0 || l.rfind("INFO:", 0) == 0) {
      out.push_back("other " + l);
    }
  }
  return out;
}

}  // namespace

runner::runner() {
  log_fd_ = memfd_create("difftest-log", 0);
  if (log_fd_ < 0) {
    std::perror("memfd_create");
    std::abort();
  }
  char options[128], err[256];
  std::snprintf(options, sizeof options, "log_path=/proc/self/fd/%d:stack_depth=1", log_fd_);
  if (lockdep_set_options(options, err, sizeof err) != 0) {
    std::fprintf(stderr, "%s\n", err);
    std::abort();
  }
  for (int i = 0; i < kMaxThreads; ++i) workers_.emplace_back([this, i] { worker(i); });
}

runner::~runner() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  for (auto &cv : turn_cv_) cv.notify_all();
  for (std::thread &w : workers_) w.join();
  close(log_fd_);
}

report_list runner::read_reports() {
  static uint64_t seen;
  const uint64_t count = lockdep_report_count();
  if (count == seen) return {};
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = pread(log_fd_, buf, sizeof buf, log_offset_);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    log_offset_ += n;
  }
  report_list r = parse_reports(text);
  if (r.size() != count - seen)
    r.push_back("other: " + std::to_string(count - seen) + " reports counted, " +
                std::to_string(r.size()) + " parsed");
  seen = count;
  return r;
}

void runner::execute(int thread, const step &s) {
  lockdep_map *map = &g_maps[s.map];
  std::vector<int> &mine = acquired_[thread];
  switch (s.what) {
    case op::init:
      names_.push_back(map_name(s.map, ++inits_[s.map]));
      lockdep_init_map(map, names_.back().c_str(), s.key < 0 ? nullptr : &g_keys[s.key],
                       static_cast<unsigned>(s.sub));
      break;
    case op::acquire:
      lockdep_acquire(map, static_cast<unsigned>(s.sub),
                      (s.trylock ? LOCKDEP_TRY : 0u) | (s.reentrant ? LOCKDEP_REENTRANT : 0u),
                      static_cast<lockdep_read>(s.mode), 0);
      mine.push_back(s.map);
      break;
    case op::release:
      lockdep_release(map, 0);
      for (size_t j = mine.size(); j-- > 0;)
        if (mine[j] == s.map) {
          mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(j));
          break;
        }
      break;
    case op::reg:
      lockdep_register_key(&g_keys[s.key]);
      break;
    case op::unreg:
      lockdep_unregister_key(&g_keys[s.key]);
      break;
    case op::reset:
      lockdep_reset_map(map);
      break;
  }
}

void runner::worker(int id) {
  std::unique_lock lk(mu_);
  for (;;) {
    turn_cv_[id].wait(lk, [&] {
      return stopping_ || (steps_ && turn_ < steps_->size() && (*steps_)[turn_].thread == id);
    });
    if (stopping_) return;
    const size_t i = turn_;
    lk.unlock();
    execute(id, (*steps_)[i]);
    const report_list r = read_reports();
    if (on_step_) on_step_(i, r);
    lk.lock();
    do ++turn_;
    while (turn_ < steps_->size() && !valid_[turn_]);
    pass_baton();
  }
}

void runner::pass_baton() {
  if (turn_ < steps_->size())
    turn_cv_[(*steps_)[turn_].thread].notify_one();
  else
    done_cv_.notify_one();
}

void runner::run(const trace &t, const std::function<void(size_t, const report_list &)> &on_step) {
  std::unique_lock lk(mu_);
  for (int &n : inits_) n = 0;
  steps_ = &t.steps;
  valid_ = valid_steps(t);
  on_step_ = on_step;
  turn_ = 0;
  while (turn_ < t.steps.size() && !valid_[turn_]) ++turn_;
  pass_baton();
  done_cv_.wait(lk, [&] { return turn_ >= t.steps.size(); });
  steps_ = nullptr;
  on_step_ = nullptr;
}

report_list runner::forget_everything() {
  // Every map first made keyless, so that the trace's own validity rules
  // accept the releases and resets, and a reset forgets the map's classes.
  trace cleanup;
  cleanup.threads = kMaxThreads;
  for (int m = 0; m < kMaxMaps; ++m) {
    step s;
    s.what = op::init;
    s.map = m;
    cleanup.steps.push_back(s);
  }
  for (int th = 0; th < kMaxThreads; ++th)
    for (size_t j = acquired_[th].size(); j-- > 0;) {
      step s;
      s.thread = th;
      s.what = op::release;
      s.map = acquired_[th][j];
      cleanup.steps.push_back(s);
    }
  for (int m = 0; m < kMaxMaps; ++m) {
    step s;
    s.what = op::reset;
    s.map = m;
    cleanup.steps.push_back(s);
  }
  for (int k = 0; k < kMaxKeys; ++k) {
    step s;
    s.what = op::unreg;
    s.key = k;
    cleanup.steps.push_back(s);
  }
  report_list printed;
  run(cleanup,
      [&](size_t, const report_list &r) { printed.insert(printed.end(), r.begin(), r.end()); });
  // Every map now has its cleanup name, the last kMaxMaps made.
  while (names_.size() > kMaxMaps) names_.pop_front();
  return printed;
}

}  // namespace difftest
