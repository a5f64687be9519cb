// The differential test: random traces (or saved ones) run through the real
// validator and through the reference model; the reports of every step must
// be the same.
//
//   difftest --seed S --count N [--first I] [--save DIR]   random traces I..I+N-1
//   difftest --replay FILE...                              saved traces
//   difftest --print S I                                   show one random trace
//   difftest --shrink FILE                                 a saved trace, made minimal
//   difftest --show FILE                                   each step and its reports
//
// --chain-cache first: the model also copies the validator's chain cache
// and its two known defects (model.cpp), to look past them.
//
// Each trace runs in a fresh child process (fork), so that it starts with an
// empty graph and an empty "already reported" table; the parent never calls
// the validator. A mismatch is shrunk to a minimal trace, printed and, with
// --save, written to DIR. Exit status 1 when any trace mismatched.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "model.hpp"
#include "runner.hpp"
#include "trace.hpp"

using namespace difftest;

namespace {

using step_reports = std::map<size_t, report_list>;

// Reports both sides agreed on, by kind: a run that compares nothing
// proves nothing.
std::map<std::string, uint64_t> g_agreed;
bool g_counting;  // only the random traces themselves count, not shrinking

void write_all(int fd, const std::string &s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = write(fd, s.data() + done, s.size() - done);
    if (n <= 0) _exit(3);
    done += static_cast<size_t>(n);
  }
}

// Runs `t` on the real validator in a child process. Returns the reports of
// each step that reported, or an "other" entry at step SIZE_MAX when the
// child died.
step_reports run_real(const trace &t) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  const pid_t pid = fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    close(fds[0]);
    alarm(60);  // a hang is a failure, not a stuck test
    {
      // Never destroyed: _exit() ends its threads without their thread-exit
      // destructors, one of which (libunwind's trace cache) crashes under
      // ThreadSanitizer.
      runner &r = *new runner;
      r.run(t, [&](size_t i, const report_list &reports) {
        for (const std::string &rep : reports)
          write_all(fds[1], std::to_string(i) + "\t" + rep + "\n");
      });
    }
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    text.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  step_reports out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.find('\t');
    out[std::stoul(line.substr(0, tab))].push_back(line.substr(tab + 1));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    out[SIZE_MAX].push_back("other: child " +
                            std::string(WIFSIGNALED(status)
                                            ? "killed by signal " + std::to_string(WTERMSIG(status))
                                            : "exited " + std::to_string(WEXITSTATUS(status))));
  return out;
}

unsigned g_chain_cache = model::kNoCache;  // --chain-cache: model::kValidatorCache

step_reports run_model(const trace &t) {
  step_reports out;
  model m(t.threads, g_chain_cache);
  const std::vector<bool> valid = valid_steps(t);
  for (size_t i = 0; i < t.steps.size(); ++i) {
    if (!valid[i]) continue;
    report_list r = m.apply(t.steps[i]);
    if (!r.empty()) out[i] = std::move(r);
  }
  return out;
}

// Empty when both sides agree; otherwise a description of the first
// difference.
std::string compare(const trace &t) {
  const step_reports real = run_real(t), expected = run_model(t);
  if (real == expected) {
    if (g_counting)
      for (const auto &[i, reports] : real)
        for (const std::string &r : reports) ++g_agreed[r.substr(0, r.find(' '))];
    return {};
  }
  auto describe = [](const step_reports &s, size_t i) {
    auto it = s.find(i);
    if (it == s.end()) return std::string("  (nothing)\n");
    std::string out;
    for (const std::string &r : it->second) out += "  " + r + "\n";
    return out;
  };
  size_t first = SIZE_MAX;
  for (const auto &[i, r] : real)
    if (expected.count(i) == 0 || expected.at(i) != r) first = std::min(first, i);
  for (const auto &[i, r] : expected)
    if (real.count(i) == 0 || real.at(i) != r) first = std::min(first, i);
  std::string where = first == SIZE_MAX
                          ? "after the last step"
                          : "at step " + std::to_string(first) + ": " + format_step(t.steps[first]);
  return "mismatch " + where + "\nmodel expects:\n" + describe(expected, first) +
         "validator reported:\n" + describe(real, first);
}

// Greedy shrinking: drop runs of steps while the trace still mismatches.
trace shrink(trace t) {
  for (size_t chunk = t.steps.size() / 2; chunk >= 1; chunk /= 2) {
    for (size_t at = 0; at + chunk <= t.steps.size();) {
      trace smaller = t;
      smaller.steps.erase(smaller.steps.begin() + static_cast<std::ptrdiff_t>(at),
                          smaller.steps.begin() + static_cast<std::ptrdiff_t>(at + chunk));
      if (!compare(smaller).empty())
        t = smaller;
      else
        at += chunk;
    }
  }
  return t;
}

trace random_trace(uint64_t seed, uint64_t index) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + index);
  return generate(rng);
}

int usage() {
  std::fprintf(stderr,
               "usage: difftest --seed S --count N [--first I] [--save DIR]\n"
               "       difftest --replay FILE...\n"
               "       difftest --print S I\n"
               "       difftest --shrink FILE\n"
               "       difftest --show FILE\n"
               "(--chain-cache first: the model copies the validator's chain cache)\n");
  return 2;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc >= 2 && !std::strcmp(argv[1], "--chain-cache")) {
    g_chain_cache = model::kValidatorCache;
    --argc;
    ++argv;
  }
  if (argc >= 3 && !std::strcmp(argv[1], "--replay")) {
    int failed = 0;
    for (int i = 2; i < argc; ++i) {
      std::ifstream f(argv[i]);
      std::stringstream text;
      text << f.rdbuf();
      std::string error;
      const auto t = parse(text.str(), &error);
      if (!f || !t) {
        std::fprintf(stderr, "%s: %s\n", argv[i], f ? error.c_str() : "cannot read");
        ++failed;
        continue;
      }
      const std::string diff = compare(*t);
      std::printf("%s: %s\n", argv[i], diff.empty() ? "same reports" : diff.c_str());
      failed += !diff.empty();
    }
    return failed ? 1 : 0;
  }
  if (argc == 3 && !std::strcmp(argv[1], "--show")) {
    std::ifstream f(argv[2]);
    std::stringstream text;
    text << f.rdbuf();
    std::string error;
    const auto t = parse(text.str(), &error);
    if (!t) {
      std::fprintf(stderr, "%s: %s\n", argv[2], error.c_str());
      return 2;
    }
    const step_reports real = run_real(*t), expected = run_model(*t);
    for (size_t i = 0; i < t->steps.size(); ++i) {
      std::printf("%3zu  %s\n", i, format_step(t->steps[i]).c_str());
      if (auto it = real.find(i); it != real.end())
        for (const std::string &r : it->second) std::printf("       validator: %s\n", r.c_str());
      if (auto it = expected.find(i); it != expected.end())
        for (const std::string &r : it->second) std::printf("       model:     %s\n", r.c_str());
    }
    return real == expected ? 0 : 1;
  }
  if (argc == 3 && !std::strcmp(argv[1], "--shrink")) {
    std::ifstream f(argv[2]);
    std::stringstream text;
    text << f.rdbuf();
    std::string error;
    const auto t = parse(text.str(), &error);
    if (!t) {
      std::fprintf(stderr, "%s: %s\n", argv[2], error.c_str());
      return 2;
    }
    const trace small = shrink(*t);
    std::printf("%s%s", compare(small).c_str(), format(small).c_str());
    return 0;
  }
  if (argc == 4 && !std::strcmp(argv[1], "--print")) {
    std::fputs(format(random_trace(std::stoull(argv[2]), std::stoull(argv[3]))).c_str(), stdout);
    return 0;
  }
  uint64_t seed = 0, count = 0, first = 0;
  bool have_seed = false;
  std::string save;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seed"))
      seed = std::stoull(argv[i + 1]), have_seed = true;
    else if (!std::strcmp(argv[i], "--count"))
      count = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--first"))
      first = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--save"))
      save = argv[i + 1];
    else
      return usage();
  }
  if (!have_seed || !count || argc % 2 == 0) return usage();
  uint64_t mismatches = 0, steps = 0;
  std::map<std::string, uint64_t> known;
  for (uint64_t i = first; i < first + count; ++i) {
    const trace t = random_trace(seed, i);
    steps += t.steps.size();
    g_counting = true;
    const bool same = compare(t).empty();
    g_counting = false;
    if (same) continue;
    ++mismatches;
    // A difference that the chain cache's known defects explain (the model
    // copying them agrees with the validator) is counted, not shrunk.
    if (!g_chain_cache) {
      // Which of the two defects explains it: one alone, or only both.
      auto explained_by = [&](unsigned mode) {
        g_chain_cache = mode;
        const bool same = compare(t).empty();
        g_chain_cache = model::kNoCache;
        return same;
      };
      const char *which = explained_by(model::kKeyIgnoresTrylock) ? "key ignores trylock"
                          : explained_by(model::kCachesRejected)  ? "rejected dependency cached"
                          : explained_by(model::kValidatorCache)  ? "both together"
                                                                  : nullptr;
      if (which) {
        ++known[which];
        std::printf("trace seed %llu index %llu: known chain cache defect: %s\n",
                    static_cast<unsigned long long>(seed), static_cast<unsigned long long>(i),
                    which);
        continue;
      }
    }
    const trace small = shrink(t);
    const std::string diff = compare(small);
    std::printf("trace seed %llu index %llu: %s", static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(i), diff.c_str());
    std::printf("minimal trace:\n%s\n", format(small).c_str());
    if (!save.empty()) {
      const std::string path =
          save + "/seed" + std::to_string(seed) + "-" + std::to_string(i) + ".trace";
      std::ofstream out(path);
      out << "# found by: difftest" << (g_chain_cache ? " --chain-cache" : "") << " --seed " << seed
          << " --first " << i << " --count 1\n";
      std::istringstream lines(diff);
      for (std::string l; std::getline(lines, l);) out << "# " << l << "\n";
      out << format(small);
      std::printf("saved %s\n", path.c_str());
    }
    std::fflush(stdout);
  }
  std::printf("reports agreed on:");
  for (const auto &[kind, n] : g_agreed)
    std::printf(" %s %llu", kind.c_str(), static_cast<unsigned long long>(n));
  std::printf("\n");
  uint64_t explained = 0;
  std::string why;
  for (const auto &[which, n] : known) {
    explained += n;
    why += ", " + which + " " + std::to_string(n);
  }
  std::printf(
      "difftest: seed %llu, traces %llu..%llu (%llu traces, %llu steps): %llu mismatches, "
      "%llu of them the known chain cache defects%s\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(first),
      static_cast<unsigned long long>(first + count - 1), static_cast<unsigned long long>(count),
      static_cast<unsigned long long>(steps), static_cast<unsigned long long>(mismatches),
      static_cast<unsigned long long>(explained), why.c_str());
  return mismatches ? 1 : 0;
}
