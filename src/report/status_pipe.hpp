// The pipe through which the library tells the `lockdep` command what
// happened in the program: that the validator started, that a report was
// printed, that a report could not be written. The command passes the
// pipe's descriptor number and identity (device:inode) in the environment;
// the library writes only to a descriptor that still has that identity, so
// a program that closed it and opened its own files never receives a byte.
#pragma once

namespace lockdep {

namespace status {
constexpr char kActive = 'A';       // the library started in this process
constexpr char kReport = 'R';       // a report was printed
constexpr char kWriteFailed = 'W';  // a report could not be written to log_path
constexpr char kStartFailed = 'F';  // the library refused to start (its message said why)
constexpr char kTsan = 'T';         // ThreadSanitizer's runtime is in the process: off
constexpr char kExecFailed = 'X';   // the command's child could not exec the program
constexpr const char *kFdVariable = "LOCKDEP_STATUS_FD";
constexpr const char *kIdVariable = "LOCKDEP_STATUS_ID";  // "device:inode" of the pipe
}  // namespace status

// At start-up: verifies the pipe named in the environment and moves it to a
// high descriptor, close-on-exec unless exec'd children are followed (then
// the environment names the new number for them; otherwise the variables
// are removed).
void status_pipe_attach(bool follow_children);

// A `lockdep` command asked for the status of this process.
bool status_pipe_watched();

// Sends one byte; false when nobody listens or the pipe is no longer the one
// the command made (then the status is lost: see status_pipe_lost()).
bool status_pipe_send(char byte);

// The command is watching but can no longer be told about reports.
bool status_pipe_lost();

}  // namespace lockdep
