// lockdep [options] [--] program [args...]
//
// Runs the program with liblockdep.so preloaded and reports on stderr.
// Exits with the program's status, or with `exitcode` (66) when lockdep
// printed a report, so that CI can tell the two apart.
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lockdep/lockdep.h"
#include "support/options.hpp"

namespace {

constexpr int kUsageError = 2;

void usage(FILE *out) {
  std::fprintf(out,
               "usage: lockdep [options] [--] program [args...]\n"
               "\n"
               "Runs program with the lock validator preloaded. Lock-order problems are\n"
               "reported on stderr (or log_path) in the Linux kernel lockdep's format.\n"
               "Exit status: the program's, or exitcode (66) when a report was printed;\n"
               "2 for a usage error.\n"
               "\n"
               "options (also LOCKDEP_OPTIONS=key=value:key=value; flags win):\n"
               "  --help               this text\n"
               "  --version            the version\n"
               "  --KEY=VALUE          any option below, '-' or '_' alike (--log-path=FILE)\n"
               "  --halt-on-error, --abort-on-error, --print-stats   mean =1\n"
               "\n%s"
               "\nenvironment: LOCKDEP_LIBRARY overrides where liblockdep.so is found.\n",
               lockdep::options_help());
}

std::string self_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  std::string s(buf);
  return s.substr(0, s.rfind('/'));
}

// The library by absolute path: beside us in the build tree, or installed.
std::string find_library() {
  if (const char *env = std::getenv("LOCKDEP_LIBRARY")) return env;
  const std::string dir = self_dir();
  const std::string candidates[] = {
      dir + "/../../src/liblockdep.so",  // build tree: build/tools/lockdep/
      dir + "/../lib/liblockdep.so",
      dir + "/../" LOCKDEP_INSTALL_LIBDIR "/liblockdep.so",
      LOCKDEP_INSTALL_FULL_LIBDIR "/liblockdep.so",
  };
  for (const std::string &c : candidates) {
    char real[PATH_MAX];
    if (realpath(c.c_str(), real) && access(real, R_OK) == 0) return real;
  }
  return {};
}

pid_t g_child = -1;
void forward_signal(int sig) {
  if (g_child > 0) kill(g_child, sig);
}

}  // namespace

int main(int argc, char **argv) {
  std::string flag_options;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    }
    if (a == "--version") {
      std::printf("lockdep %s\n", LOCKDEP_VERSION);
      return 0;
    }
    if (a.rfind("--", 0) != 0) break;  // the program
    a = a.substr(2);
    for (char &c : a)
      if (c == '-') c = '_';
    if (a.find('=') == std::string::npos) {
      if (a == "halt_on_error" || a == "abort_on_error" || a == "print_stats") {
        a += "=1";
      } else {
        std::fprintf(stderr, "lockdep: unknown flag '%s' (see lockdep --help)\n", argv[i]);
        return kUsageError;
      }
    }
    flag_options += (flag_options.empty() ? "" : ":") + a;
  }
  if (i >= argc) {
    std::fprintf(stderr, "lockdep: no program to run (see lockdep --help)\n");
    return kUsageError;
  }

  std::string options;
  if (const char *env = std::getenv("LOCKDEP_OPTIONS")) options = env;
  if (!flag_options.empty()) options += (options.empty() ? "" : ":") + flag_options;
  char err[512];
  if (!lockdep::parse_options(options.c_str(), err, sizeof err)) {
    std::fprintf(stderr, "%s\n", err);
    return kUsageError;
  }
  const int report_status = lockdep::current_options().exitcode;

  const std::string lib = find_library();
  if (lib.empty()) {
    std::fprintf(stderr, "lockdep: cannot find liblockdep.so (set LOCKDEP_LIBRARY)\n");
    return kUsageError;
  }
  std::string preload = lib;
  if (const char *old = std::getenv("LD_PRELOAD"); old && *old) preload += std::string(":") + old;

  // The library tells us about each report through this pipe; non-blocking
  // so that a program printing thousands of reports never stalls on it.
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    std::perror("lockdep: pipe");
    return kUsageError;
  }
  fcntl(status_pipe[1], F_SETFL, O_NONBLOCK);

  const pid_t parent = getpid();
  g_child = fork();
  if (g_child < 0) {
    std::perror("lockdep: fork");
    return kUsageError;
  }
  if (g_child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);     // if we are killed, so is the program
    if (getppid() != parent) _exit(127);  // killed before prctl() took effect
    close(status_pipe[0]);
    const int fd = fcntl(status_pipe[1], F_DUPFD, 10);  // without O_CLOEXEC
    setenv("LOCKDEP_STATUS_FD", std::to_string(fd).c_str(), 1);
    setenv("LD_PRELOAD", preload.c_str(), 1);
    setenv("LOCKDEP_OPTIONS", options.c_str(), 1);
    execvp(argv[i], argv + i);
    std::fprintf(stderr, "lockdep: cannot run '%s': %s\n", argv[i], std::strerror(errno));
    _exit(127);
  }
  close(status_pipe[1]);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) signal(sig, forward_signal);

  int status = 0;
  while (waitpid(g_child, &status, 0) < 0 && errno == EINTR) {
  }
  fcntl(status_pipe[0], F_SETFL, O_NONBLOCK);
  char byte;
  const bool reported = read(status_pipe[0], &byte, 1) == 1;
  if (reported) return report_status;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}
