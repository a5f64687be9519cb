// lockdep [options] [--] program [args...]
//
// Runs the program with liblockdep.so preloaded and reports on stderr. The
// library tells us through a pipe that it started and whether it printed a
// report; the exit status says which of these happened (see usage()).
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "graph.hpp"
#include "lockdep/lockdep.h"
#include "program_info.hpp"
#include "report/report_channel.hpp"
#include "report/status_pipe.hpp"
#include "report_receiver.hpp"
#include "support/options.hpp"
#include "symbolize.hpp"

namespace {

using namespace lockdep::command;

constexpr int kUsageError = 2;
// Not 0 or 1 (a program's own success or failure), not 2 (usage), not 66
// (a report), below 126 (the shell's cannot-execute / not-found and the
// 128+signal range): the neighbour of 66, as sysexits' EX_DATAERR is of
// EX_NOINPUT.
constexpr int kNothingChecked = 65;
constexpr int kCannotRun = 127;

void usage(FILE *out) {
  std::fprintf(out,
               "usage: lockdep [options] [--] program [args...]\n"
               "       lockdep graph FILE [-o OUTPUT]   (summarise a graph_path file)\n"
               "\n"
               "Runs program with the lock validator preloaded. Lock-order problems are\n"
               "reported on stderr (or log_path) in the Linux kernel lockdep's format.\n"
               "\n"
               "exit status, the first that applies:\n"
               "  2          usage error, bad option or unusable log_path (nothing ran)\n"
               "  127        the program could not be run\n"
               "  128+N      the program died of signal N (even after a report)\n"
               "  65         nothing was checked: lockdep did not start in the program\n"
               "             (static or setuid binary, ThreadSanitizer, library not loadable)\n"
               "  exitcode   a report was printed (66 unless exitcode=N says otherwise)\n"
               "  otherwise  the program's own exit status\n"
               "\n"
               "options (also LOCKDEP_OPTIONS=key=value, separated by ':' ',' or spaces;\n"
               "flags win; booleans take 0/1, true/false, yes/no):\n"
               "  --help               this text\n"
               "  --version            the version\n"
               "  --KEY=VALUE          any option below, '-' or '_' alike in KEY\n"
               "  --KEY VALUE          the same\n"
               "  --BOOLEAN            means BOOLEAN=1 (--halt-on-error, --print-stats, ...)\n"
               "\n"
               "Reports are symbolized here, outside the program: function names with\n"
               "parameters, file:line and inlined frames where debug information (or a\n"
               "separate debug file) is installed.\n"
               "\n"
               "  lockdep symbolize < raw   symbolizes reports printed with symbolize=0\n"
               "\n%s"
               "\nenvironment: LOCKDEP_LIBRARY overrides where liblockdep.so is found\n"
               "(default: beside lockdep, the build tree, then the install directory).\n",
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

// The library by absolute path: beside us (a copied pair), in the build
// tree, or installed.
std::string find_library() {
  if (const char *env = std::getenv("LOCKDEP_LIBRARY")) return env;
  const std::string dir = self_dir();
  const std::string candidates[] = {
      dir + "/liblockdep.so",
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

// A flag's value inside LOCKDEP_OPTIONS text: quoted, so that ':' ',' and
// spaces in a path survive.
std::string quoted(const std::string &value) {
  const char q = value.find('\'') == std::string::npos ? '\'' : '"';
  return q + value + q;
}

pid_t g_child = -1;
void forward_signal(int sig) {
  if (g_child > 0) kill(g_child, sig);
}

struct heard {
  bool active = false, reported = false, write_failed = false, start_failed = false, tsan = false,
       exec_failed = false;
  void take(const char *bytes, ssize_t n) {
    for (ssize_t k = 0; k < n; ++k) {
      switch (bytes[k]) {
        case lockdep::status::kActive:
          active = true;
          break;
        case lockdep::status::kReport:
          reported = true;
          break;
        case lockdep::status::kWriteFailed:
          write_failed = true;
          break;
        case lockdep::status::kStartFailed:
          start_failed = true;
          break;
        case lockdep::status::kTsan:
          tsan = true;
          break;
        case lockdep::status::kExecFailed:
          exec_failed = true;
          break;
        default:
          break;
      }
    }
  }
};

// Reads the status pipe and the report socket while the program runs (so
// that neither fills up, whatever the number of processes), until the
// program has exited; reports are printed as they complete.
int wait_for_program(int pipe_fd, int report_fd, report_receiver &reports, heard &h) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, g_child, 0));
  char bytes[256];
  bool pipe_open = true;
  int status = 0;
  for (;;) {
    if (pidfd >= 0) {
      pollfd fds[3] = {
          {pidfd, POLLIN, 0}, {pipe_open ? pipe_fd : -1, POLLIN, 0}, {report_fd, POLLIN, 0}};
      if (poll(fds, 3, -1) < 0) continue;  // EINTR: a forwarded signal
      // Reports first: a status byte is sent after its report.
      if (fds[2].revents) reports.drain(report_fd);
      if (fds[1].revents) {
        const ssize_t n = read(pipe_fd, bytes, sizeof bytes);
        if (n > 0)
          h.take(bytes, n);
        else if (n == 0 || errno != EINTR)
          pipe_open = false;
      }
      if (!fds[0].revents) continue;
    }
    const pid_t w = waitpid(g_child, &status, 0);
    if (w == g_child) break;
    if (w < 0 && errno != EINTR) break;
  }
  // What was written before the exit: processes the program left behind
  // may keep the pipe open, so do not wait for its end.
  reports.drain(report_fd);
  fcntl(pipe_fd, F_SETFL, O_NONBLOCK);
  for (ssize_t n; (n = read(pipe_fd, bytes, sizeof bytes)) > 0;) h.take(bytes, n);
  reports.finish();
  if (pidfd >= 0) close(pidfd);
  return status;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc >= 2 && !std::strcmp(argv[1], "symbolize"))
    return lockdep::command::symbolize_main(argc - 1, argv + 1);
  if (argc > 1 && !std::strcmp(argv[1], "graph")) return graph_main(argc - 2, argv + 2);
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
    // Only the key is normalised: a value (a path) is passed as written.
    const size_t eq = a.find('=');
    std::string key = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    for (char &c : key)
      if (c == '-') c = '_';
    std::string value;
    const int kind = lockdep::option_kind(key.c_str());
    if (eq != std::string::npos) {
      value = a.substr(eq + 1);
    } else if (kind == 1) {
      value = "1";
    } else if (kind == 2) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "lockdep: option '%s' needs a value: --%s=VALUE or --%s VALUE\n",
                     argv[i], a.c_str() + 2, a.c_str() + 2);
        return kUsageError;
      }
      value = argv[++i];
    } else {
      std::fprintf(stderr, "lockdep: unknown flag '%s' (see lockdep --help)\n", argv[i]);
      return kUsageError;
    }
    flag_options += (flag_options.empty() ? "" : ":") + key + "=" + quoted(value);
  }
  if (i >= argc) {
    std::fprintf(stderr, "lockdep: no program to run (see lockdep --help)\n");
    return kUsageError;
  }
  const std::string program = argv[i];

  std::string options;
  if (const char *env = std::getenv("LOCKDEP_OPTIONS")) options = env;
  if (!flag_options.empty()) options += (options.empty() ? "" : ":") + flag_options;
  char err[1400];
  if (!lockdep::parse_options(options.c_str(), err, sizeof err)) {
    std::fprintf(stderr, "%s\n", err);
    return kUsageError;
  }
  const lockdep::options &opts = lockdep::current_options();

  // An unusable log_path stops us here, before the program runs. With %p
  // the file is the program's, so only its directory can be tried.
  if (opts.log_path[0]) {
    char path[1100];
    lockdep::expand_log_path(opts.log_path, static_cast<int>(getpid()), path, sizeof path);
    std::string target = path;
    const bool per_pid = std::strstr(opts.log_path, "%p") != nullptr;
    int fd = -1;
    if (per_pid) {
      target = target.substr(0, target.rfind('/') == std::string::npos ? 0 : target.rfind('/'));
      if (target.empty()) target = std::string(path)[0] == '/' ? "/" : ".";
      fd = open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0 && access(target.c_str(), W_OK) != 0) {
        close(fd);
        fd = -1;
      }
    } else {
      fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    if (fd < 0) {
      std::fprintf(stderr, "lockdep: cannot open log_path '%s': %s\n", target.c_str(),
                   std::strerror(errno));
      return kUsageError;
    }
    close(fd);
  }

  const bool library_from_env = std::getenv("LOCKDEP_LIBRARY") != nullptr;
  const std::string lib = find_library();
  if (lib.empty()) {
    std::fprintf(stderr, "lockdep: cannot find liblockdep.so (set LOCKDEP_LIBRARY)\n");
    return kUsageError;
  }

  const elf_info prog = read_elf(resolve_program(program));
  if (!needed_library(prog, "libtsan.so").empty()) {
    std::fprintf(stderr,
                 "lockdep: nothing was checked in '%s': it is built with ThreadSanitizer "
                 "(-fsanitize=thread), which cannot share a process with lockdep; run it "
                 "without lockdep (TSAN_OPTIONS=detect_deadlocks=1) or rebuild it without "
                 "-fsanitize=thread\n",
                 program.c_str());
    return kNothingChecked;
  }
  // AddressSanitizer insists on coming first in the initial library list:
  // the runtime the program needs, or one the user preloads, goes before us.
  std::string first, rest;
  if (const char *old_preload = std::getenv("LD_PRELOAD")) {
    const std::string old = old_preload;
    for (size_t pos = 0; pos < old.size();) {
      size_t end = old.find_first_of(": \t", pos);
      if (end == std::string::npos) end = old.size();
      const std::string entry = old.substr(pos, end - pos);
      std::string &list = entry.find("libasan.so") != std::string::npos ? first : rest;
      if (!entry.empty()) list += (list.empty() ? "" : ":") + entry;
      pos = end + 1;
    }
  }
  const std::string asan = needed_library(prog, "libasan.so");
  if (!asan.empty() && first.empty()) first = asan;
  std::string preload = first.empty() ? lib : first + ":" + lib;
  if (!rest.empty()) preload += ":" + rest;

  // The library tells us about the program through this pipe; non-blocking
  // so that a program never stalls on it.
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    std::perror("lockdep: pipe");
    return kUsageError;
  }
  fcntl(status_pipe[1], F_SETFL, O_NONBLOCK);
  struct stat pipe_id {};
  fstat(status_pipe[1], &pipe_id);
  // Finished reports come back through this socket, to be symbolized here.
  int report_socket[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, report_socket) != 0) {
    std::perror("lockdep: socketpair");
    return kUsageError;
  }
  struct stat socket_id {};
  fstat(report_socket[1], &socket_id);

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
    setenv(lockdep::status::kFdVariable, std::to_string(fd).c_str(), 1);
    setenv(lockdep::status::kIdVariable,
           (std::to_string(pipe_id.st_dev) + ":" + std::to_string(pipe_id.st_ino)).c_str(), 1);
    close(report_socket[0]);
    const int report_fd = fcntl(report_socket[1], F_DUPFD, 10);  // without O_CLOEXEC
    setenv(lockdep::report_message::kFdVariable, std::to_string(report_fd).c_str(), 1);
    setenv(lockdep::report_message::kIdVariable,
           (std::to_string(socket_id.st_dev) + ":" + std::to_string(socket_id.st_ino)).c_str(), 1);
    setenv("LD_PRELOAD", preload.c_str(), 1);
    setenv("LOCKDEP_OPTIONS", options.c_str(), 1);
    execvp(argv[i], argv + i);
    const int e = errno;
    std::fprintf(stderr, "lockdep: cannot run '%s': %s\n", argv[i], std::strerror(e));
    const char failed = lockdep::status::kExecFailed;
    const ssize_t w = write(fd, &failed, 1);
    (void)w;
    _exit(kCannotRun);
  }
  close(status_pipe[1]);
  close(report_socket[1]);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) signal(sig, forward_signal);

  heard h;
  lockdep::command::report_receiver reports;
  const int status = wait_for_program(status_pipe[0], report_socket[0], reports, h);

  if (h.exec_failed) return kCannotRun;
  if (h.write_failed || reports.write_failed())
    std::fprintf(stderr, "lockdep: '%s': a report could not be written to %s\n", program.c_str(),
                 opts.log_path[0] ? opts.log_path : "stderr");
  const bool nothing_checked = !h.active && !h.start_failed;
  if (nothing_checked) {
    const std::string cause =
        h.tsan ? std::string("ThreadSanitizer's runtime is in it, so lockdep stayed off")
               : likely_cause(program, lib, library_from_env);
    std::fprintf(stderr, "lockdep: nothing was checked in '%s': %s\n", program.c_str(),
                 cause.c_str());
  }
  // The crash wins: a report must not hide it.
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  if (nothing_checked) return kNothingChecked;
  if (h.reported) return opts.exitcode;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 1;
}
