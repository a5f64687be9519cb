#include "report/report_channel.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include "report/inherited_descriptor.hpp"

namespace lockdep {
namespace {

int g_fd = -1;
bool g_attached;
bool g_moved;
std::atomic<bool> g_closed;  // the command went away: print locally from now on
dev_t g_dev;
ino_t g_ino;

bool is_our_socket(int fd) {
  struct stat st;
  return fd >= 0 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == g_dev &&
         st.st_ino == g_ino;
}

void attach_from_environment() {
  g_attached = true;
  const char *fd_text = std::getenv(report_message::kFdVariable);
  const char *id = std::getenv(report_message::kIdVariable);
  if (!fd_text || !id) return;
  uintmax_t dev = 0, ino = 0;
  const int fd = std::atoi(fd_text);
  if (std::sscanf(id, "%ju:%ju", &dev, &ino) != 2 || fd < 3) return;
  g_dev = static_cast<dev_t>(dev);
  g_ino = static_cast<ino_t>(ino);
  if (is_our_socket(fd)) g_fd = fd;
}

}  // namespace

void report_channel_attach(bool follow_children) {
  if (!g_attached) attach_from_environment();
  if (g_moved) return;
  g_moved = true;
  keep_inherited_descriptor(g_fd, high_descriptor_floor(1010, 24), follow_children,
                            report_message::kFdVariable, report_message::kIdVariable);
}

bool report_channel_open() {
  if (!g_attached) attach_from_environment();
  return g_fd >= 0 && !g_closed.load(std::memory_order_relaxed);
}

bool report_channel_send(char type, const char *data, size_t len) {
  if (!report_channel_open()) return false;
  if (len > report_message::kMaxPayload) len = report_message::kMaxPayload;
  report_message::header h{};
  h.type = type;
  h.pid = static_cast<int32_t>(getpid());
  iovec iov[2] = {{&h, sizeof h}, {const_cast<char *>(data), len}};
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = 2;
  if (is_our_socket(g_fd)) {
    for (;;) {
      const ssize_t w = sendmsg(g_fd, &m, MSG_NOSIGNAL);
      if (w == static_cast<ssize_t>(sizeof h + len)) return true;
      if (w < 0 && errno == EINTR) continue;
      break;
    }
  }
  g_closed = true;
  return false;
}

}  // namespace lockdep
