#include "report/status_pipe.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include "report/inherited_descriptor.hpp"
#include "report/report_channel.hpp"

namespace lockdep {
namespace {

int g_fd = -1;
bool g_watched;
std::atomic<bool> g_lost;
dev_t g_dev;
ino_t g_ino;

bool is_our_pipe(int fd) {
  struct stat st;
  return fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_dev == g_dev &&
         st.st_ino == g_ino;
}

// A process that outlives the command (a daemon it started, exec'ing
// later) finds the pipe's reader gone: the write must fail with EPIPE, not
// kill the process with SIGPIPE. SIGPIPE is blocked around the write in
// this thread, and the one the write raised is taken back.
bool write_without_sigpipe(int fd, char byte) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE);
  ssize_t w;
  do {
    w = write(fd, &byte, 1);
  } while (w < 0 && errno == EINTR);
  if (w < 0 && errno == EPIPE && !was_pending) {
    const timespec zero{};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return w == 1;
}

}  // namespace

namespace {

bool g_attached;
bool g_moved;

// Finds and verifies the pipe without changing the environment: also used
// by a report printed before the start-up code ran (a thread started by
// another library's constructor).
void attach_from_environment() {
  g_attached = true;
  const char *fd_text = std::getenv(status::kFdVariable);
  if (!fd_text) return;
  g_watched = true;
  const char *id = std::getenv(status::kIdVariable);
  uintmax_t dev = 0, ino = 0;
  const int fd = std::atoi(fd_text);
  if (!id || std::sscanf(id, "%ju:%ju", &dev, &ino) != 2 || fd < 3) {
    g_lost = true;
    return;
  }
  g_dev = static_cast<dev_t>(dev);
  g_ino = static_cast<ino_t>(ino);
  if (is_our_pipe(fd))
    g_fd = fd;
  else
    g_lost = true;  // an ancestor closed it, or it was never passed on
}

}  // namespace

void status_pipe_attach(bool follow_children) {
  report_channel_attach(follow_children);
  if (!g_attached) attach_from_environment();
  if (g_moved || !g_watched) return;
  g_moved = true;
  keep_inherited_descriptor(g_fd, high_descriptor_floor(1000, 32), follow_children,
                            status::kFdVariable, status::kIdVariable);
}

bool status_pipe_watched() {
  if (!g_attached) attach_from_environment();
  return g_watched;
}

bool status_pipe_send(char byte) {
  if (!g_attached) attach_from_environment();
  if (!g_watched || g_lost.load(std::memory_order_relaxed)) return false;
  if (is_our_pipe(g_fd) && write_without_sigpipe(g_fd, byte)) return true;
  g_lost = true;
  return false;
}

bool status_pipe_lost() { return g_watched && g_lost.load(std::memory_order_relaxed); }

}  // namespace lockdep
