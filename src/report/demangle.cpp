#include "report/demangle.hpp"

#include <cctype>
#include <cstring>

namespace lockdep {
namespace {

class writer {
 public:
  writer(char *out, size_t len) : out_(out), len_(len) {}
  void put(const char *s, size_t n) {
    for (size_t i = 0; i < n && pos_ + 1 < len_; ++i) out_[pos_++] = s[i];
    out_[pos_] = '\0';
  }
  void put(const char *s) { put(s, std::strlen(s)); }

 private:
  char *out_;
  size_t len_;
  size_t pos_ = 0;
};

// <source-name> ::= <length> <identifier>; returns false when malformed.
bool source_name(const char *&p, writer &w, const char **last, size_t *last_len) {
  if (!std::isdigit(static_cast<unsigned char>(*p))) return false;
  size_t n = 0;
  while (std::isdigit(static_cast<unsigned char>(*p))) n = n * 10 + static_cast<size_t>(*p++ - '0');
  if (std::strlen(p) < n) return false;
  if (n >= 10 && std::strncmp(p, "_GLOBAL__N", 10) == 0) {
    w.put("(anonymous namespace)");
  } else {
    w.put(p, n);
    *last = p;
    *last_len = n;
  }
  p += n;
  return true;
}

// Skips a balanced template-argument list I...E. Inside it, identifiers are
// length-prefixed, and nested names, argument packs, function types,
// literals and expressions (N J F L X) also close with E.
bool skip_template_args(const char *&p) {
  int depth = 0;
  do {
    if (!*p) return false;
    if (std::isdigit(static_cast<unsigned char>(*p))) {
      size_t n = 0;
      while (std::isdigit(static_cast<unsigned char>(*p)))
        n = n * 10 + static_cast<size_t>(*p++ - '0');
      if (std::strlen(p) < n) return false;
      p += n;
      continue;
    }
    if (std::strchr("INJFLX", *p))
      ++depth;
    else if (*p == 'E')
      --depth;
    ++p;
  } while (depth > 0);
  return true;
}

// Skips a function's parameter types up to the E that closes a local name's
// encoding (Z <encoding> E <entity>); nested types and template arguments
// inside the parameters close with their own E.
bool skip_parameters(const char *&p) {
  int depth = 0;
  for (;;) {
    if (!*p) return false;
    if (std::isdigit(static_cast<unsigned char>(*p))) {
      size_t n = 0;
      while (std::isdigit(static_cast<unsigned char>(*p)))
        n = n * 10 + static_cast<size_t>(*p++ - '0');
      if (std::strlen(p) < n) return false;
      p += n;
      continue;
    }
    if (*p == 'E' && depth == 0) {
      ++p;
      return true;
    }
    if (std::strchr("INJFLX", *p))
      ++depth;
    else if (*p == 'E')
      --depth;
    ++p;
  }
}

bool name(const char *&p, writer &w);

// <nested-name> ::= N [qualifiers] <component>+ E; a component of static
// data with internal linkage carries an L (_ZN2nsL5tableE).
bool nested_name(const char *&p, writer &w) {
  ++p;
  while (*p == 'r' || *p == 'V' || *p == 'K' || *p == 'R' || *p == 'O') ++p;  // qualifiers
  const char *last = nullptr;
  size_t last_len = 0;
  bool first = true;
  while (*p && *p != 'E') {
    if (*p == 'I') {
      if (!skip_template_args(p)) return false;
      w.put("<>");
      continue;
    }
    if (*p == 'L') ++p;
    if (!first) w.put("::");
    first = false;
    if (*p == 'S' && p[1] == 't') {
      w.put("std");
      p += 2;
    } else if ((*p == 'C' || *p == 'D') && std::isdigit(static_cast<unsigned char>(p[1]))) {
      if (*p == 'D') w.put("~");
      if (last) w.put(last, last_len);  // constructor / destructor
      p += 2;
    } else if (!source_name(p, w, &last, &last_len)) {
      return false;
    }
  }
  if (*p != 'E') return false;
  ++p;
  return true;
}

// <local-name> ::= Z <function encoding> E <entity name> [_ <discriminator>]:
// a function's static variable, printed "function::variable".
bool local_name(const char *&p, writer &w) {
  ++p;
  if (!name(p, w) || !skip_parameters(p)) return false;
  w.put("::");
  return name(p, w);
}

// <name>: nested, local, or unscoped (optionally std::, optionally with the
// L of internal linkage, optionally a template).
bool name(const char *&p, writer &w) {
  if (*p == 'N') return nested_name(p, w);
  if (*p == 'Z') return local_name(p, w);
  if (*p == 'L') ++p;
  if (*p == 'S' && p[1] == 't') {
    w.put("std::");
    p += 2;
  }
  const char *last = nullptr;
  size_t last_len = 0;
  if (!source_name(p, w, &last, &last_len)) return false;
  if (*p == 'I') {
    if (!skip_template_args(p)) return false;
    w.put("<>");
  }
  return true;
}

bool demangle_into(const char *mangled, writer &w) {
  if (std::strncmp(mangled, "_Z", 2) != 0) return false;
  const char *p = mangled + 2;
  return name(p, w);  // the parameters that follow are left out
}

}  // namespace

void demangle(const char *name, char *out, size_t out_len) {
  if (!out_len) return;
  writer w(out, out_len);
  if (!demangle_into(name, w)) {
    writer plain(out, out_len);
    plain.put(name);
  }
}

}  // namespace lockdep
