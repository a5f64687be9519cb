#include "report/json_line.hpp"

#include <cstdio>
#include <cstring>

namespace lockdep {

void json_line::put(const char *s, size_t n) {
  while (n) {
    if (len_ == cap_) {
      out_(buf_, len_);
      len_ = 0;
    }
    const size_t room = cap_ - len_;
    const size_t k = n < room ? n : room;
    std::memcpy(buf_ + len_, s, k);
    len_ += k;
    s += k;
    n -= k;
  }
}

void json_line::value_start() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ && need_comma_[depth_]) putc(',');
  if (depth_) need_comma_[depth_] = true;
}

void json_line::begin_object() {
  value_start();
  putc('{');
  if (depth_ + 1 < sizeof need_comma_) ++depth_;
  need_comma_[depth_] = false;
}

void json_line::end_object() {
  putc('}');
  if (depth_) --depth_;
}

void json_line::begin_array() {
  value_start();
  putc('[');
  if (depth_ + 1 < sizeof need_comma_) ++depth_;
  need_comma_[depth_] = false;
}

void json_line::end_array() {
  putc(']');
  if (depth_) --depth_;
}

void json_line::key(const char *k) {
  value_start();
  putc('"');
  put(k, std::strlen(k));
  put("\":", 2);
  after_key_ = true;
}

void json_line::begin_string() {
  value_start();
  putc('"');
}

void json_line::string_part(const char *s, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      const char esc[2] = {'\\', static_cast<char>(c)};
      put(esc, 2);
    } else if (c == '\n') {
      put("\\n", 2);
    } else if (c < 0x20 || c == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      put(esc, 6);
    } else {
      putc(static_cast<char>(c));
    }
  }
}

void json_line::end_string() { putc('"'); }

void json_line::string(const char *s) {
  begin_string();
  string_part(s, std::strlen(s));
  end_string();
}

void json_line::number(uint64_t n) {
  value_start();
  char text[24];
  const int k = std::snprintf(text, sizeof text, "%llu", static_cast<unsigned long long>(n));
  put(text, static_cast<size_t>(k));
}

void json_line::hex(uint64_t n) {
  value_start();
  char text[24];
  const int k = std::snprintf(text, sizeof text, "\"0x%llx\"", static_cast<unsigned long long>(n));
  put(text, static_cast<size_t>(k));
}

void json_line::boolean(bool b) {
  value_start();
  if (b)
    put("true", 4);
  else
    put("false", 5);
}

void json_line::finish() {
  putc('\n');
  out_(buf_, len_);
  len_ = 0;
}

void json_line::reset() {
  len_ = 0;
  depth_ = 0;
  after_key_ = false;
  std::memset(need_comma_, 0, sizeof need_comma_);
}

}  // namespace lockdep
