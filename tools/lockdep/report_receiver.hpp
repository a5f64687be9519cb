// The command's end of the report socket: collects each process's raw
// report, symbolizes it when complete and writes it where the options say
// (stderr or log_path; JSON lines to json_path, or to the report stream
// with report_format=json).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

#include "symbolize.hpp"

namespace lockdep::command {

class report_receiver {
 public:
  // Reads every message waiting on the socket (non-blocking).
  void drain(int fd);
  // Prints what processes left unfinished (killed in the middle of a
  // report), marked as cut short.
  void finish();
  // A report could not be written to its file.
  bool write_failed() const { return write_failed_; }
  bool received() const { return received_; }

 private:
  struct pending {
    std::string text, json;
  };
  void complete(pid_t pid, pending &p, bool cut_short);
  void write_to(const char *pattern, pid_t pid, const std::string &data);
  std::map<pid_t, pending> pending_;
  report_symbolizer symbolizer_;
  bool write_failed_ = false;
  bool received_ = false;
};

}  // namespace lockdep::command
