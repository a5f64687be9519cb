#include "report/inherited_descriptor.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace lockdep {

int high_descriptor_floor(int preferred, int margin) {
  struct rlimit r {};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur < 64) return 3;
  return r.rlim_cur > 1100 ? preferred : static_cast<int>(r.rlim_cur) - margin;
}

void keep_inherited_descriptor(int &fd, int floor, bool follow_children, const char *fd_variable,
                               const char *id_variable) {
  if (fd >= 0) {
    const int moved = fcntl(fd, follow_children ? F_DUPFD : F_DUPFD_CLOEXEC, floor);
    if (moved >= 0) {
      close(fd);
      fd = moved;
    } else {
      fcntl(fd, F_SETFD, follow_children ? 0 : FD_CLOEXEC);
    }
  }
  if (follow_children && fd >= 0) {
    char number[16];
    std::snprintf(number, sizeof number, "%d", fd);
    setenv(fd_variable, number, 1);
  } else {
    unsetenv(fd_variable);
    unsetenv(id_variable);
  }
}

}  // namespace lockdep
