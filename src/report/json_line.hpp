// One JSON object on one line, built in a caller's fixed buffer: the report
// path must not allocate. Commas are placed by nesting level; what does not
// fit is handed to the sink in pieces (a JSON line may reach a file in
// several writes, never cut).
#pragma once

#include <cstddef>
#include <cstdint>

namespace lockdep {

class json_line {
 public:
  using sink = void (*)(const char *data, size_t len);
  json_line(char *buf, size_t cap, sink out) : buf_(buf), cap_(cap), out_(out) {}

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void key(const char *k);  // "k": (after a comma when needed)
  void string(const char *s);
  void number(uint64_t n);
  void hex(uint64_t n);  // "0x..." as a string
  void boolean(bool b);
  // Text that becomes part of a string value already opened with
  // begin_string(): escaped.
  void begin_string();
  void string_part(const char *s, size_t n);
  void end_string();
  void finish();  // the newline, and everything to the sink
  void reset();
  uint32_t depth() const { return depth_; }

 private:
  void value_start();
  void put(const char *s, size_t n);
  void putc(char c) { put(&c, 1); }
  char *buf_;
  size_t cap_;
  sink out_;
  size_t len_ = 0;
  uint32_t depth_ = 0;
  bool need_comma_[16] = {};
  bool after_key_ = false;
};

}  // namespace lockdep
