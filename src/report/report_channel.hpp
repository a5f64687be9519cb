// The socket through which the library hands finished reports to the
// `lockdep` command, which symbolizes them (source lines, inlined frames,
// full C++ names) outside the checked process and prints them. Set up like
// the status pipe: the command names the descriptor and its identity
// (device:inode) in the environment; the library sends only while the
// descriptor still is that socket. A SOCK_SEQPACKET socket: each message is
// delivered whole, so reports of several processes never interleave, and
// MSG_NOSIGNAL turns a vanished command into an error, not a SIGPIPE.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lockdep {

namespace report_message {
constexpr char kText = 'T';  // a piece of the report's text (frames as raw tokens)
constexpr char kJson = 'J';  // a piece of its JSON line
constexpr char kEnd = 'E';   // the report is complete
constexpr const char *kFdVariable = "LOCKDEP_REPORT_FD";
constexpr const char *kIdVariable = "LOCKDEP_REPORT_ID";  // "device:inode" of the socket
constexpr size_t kMaxPayload = 16384;

// Each message: this header, then up to kMaxPayload bytes.
struct header {
  char type;
  char reserved[3];
  int32_t pid;
};
}  // namespace report_message

// At start-up (from status_pipe_attach): verifies the socket named in the
// environment and moves it to a high descriptor, close-on-exec unless
// exec'd children are followed, as the status pipe.
void report_channel_attach(bool follow_children);

// The command is listening for reports of this process.
bool report_channel_open();

// Sends one message; false (and the channel is closed for good in this
// process) when the command is gone or the descriptor is no longer its
// socket: the caller then prints the report itself.
bool report_channel_send(char type, const char *data, size_t len);

}  // namespace lockdep
