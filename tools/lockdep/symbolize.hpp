// Turns raw reports into finished ones: each frame token "(/path/module+
// 0xoffset)" that the library writes (when the `lockdep` command listens,
// or with symbolize=0) becomes "function+0xoff/0xsize [module] (file:line)",
// inlined frames expanded; JSON frames gain file, line and inlined frames.
#pragma once

#include <string>

#include "source_lines.hpp"

namespace lockdep::command {

class report_symbolizer {
 public:
  // A report's text: any number of lines, each ending in '\n'. Whatever
  // cannot be understood is passed on as it came.
  std::string text(const std::string &raw);
  // One JSON line (a report object), the text's SUMMARY line put in its
  // "summary" when `summary` is not empty.
  std::string json(const std::string &raw, const std::string &summary);

 private:
  std::string text_lines(const std::string &raw);
  std::string json_line(const std::string &raw, const std::string &summary);
  std::string line(const std::string &raw);
  source_lines lines_;
};

// `lockdep symbolize`: reads raw reports (text and JSON lines) on stdin,
// writes them symbolized on stdout.
int symbolize_main(int argc, char **argv);

}  // namespace lockdep::command
