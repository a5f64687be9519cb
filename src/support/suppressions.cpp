#include "support/suppressions.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace lockdep {
namespace {

constexpr const char *kKindNames[kSuppressKinds] = {
    "circular",      "recursive",   "unlock",           "freed",        "exit",         "not_held",
    "after_destroy", "cond_unheld", "cond_two_mutexes", "inconsistent", "signal_order",
};

// Known runtime behaviour that is not a bug of the program being checked.
constexpr suppression kDefaults[] = {
    // HotSpot's `VM Thread` ends the VM (DestroyJavaVM, System.exit) and
    // exits still holding Threads_lock and the other VM mutexes it took, on
    // purpose, before the launcher calls exit(). Only a thread whose every
    // held lock was taken inside libjvm.so is spared: a JNI library's own
    // lock held at thread exit is still reported.
    {4 /* exit */, true, "libjvm.so"},
};
static_assert(sizeof kDefaults / sizeof kDefaults[0] <= kMaxDefaultSuppressions);

struct table {
  suppression items[kMaxSuppressions];
  char bytes[kSuppressionBytes];
  uint32_t n;
  uint32_t used;
};

table g_loaded, g_staged;
char g_chunk[4096];
char g_line[kMaxSuppressionLine + 2];

const char *error_text(int err) {
  const char *text = strerrordesc_np(err);
  return text ? text : "unknown error";
}

char *trim(char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\r') ++s;
  size_t n = std::strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
  return s;
}

// One line of the file into g_staged; false with err set.
bool add_line(const char *path, unsigned line_no, char *line, char *err, size_t err_len) {
  char *text = trim(line);
  if (!*text || *text == '#') return true;
  char *colon = std::strchr(text, ':');
  if (!colon) {
    std::snprintf(err, err_len, "lockdep: %s:%u: expected KIND:PATTERN, got '%.200s'", path,
                  line_no, text);
    return false;
  }
  *colon = '\0';
  const char *kind_text = trim(text);
  char *pattern = trim(colon + 1);
  uint32_t kind = kSuppressKinds + 1;
  if (!std::strcmp(kind_text, "*")) kind = kAnyKind;
  for (uint32_t k = 0; k < kSuppressKinds; ++k)
    if (!std::strcmp(kind_text, kKindNames[k])) kind = k;
  if (kind > kAnyKind) {
    char known[256] = "";
    for (const char *name : kKindNames) {
      std::strcat(known, name);
      std::strcat(known, ", ");
    }
    std::snprintf(err, err_len, "lockdep: %s:%u: unknown kind '%.100s' (kinds: %s*)", path, line_no,
                  kind_text, known);
    return false;
  }
  const bool acquired_in = !std::strncmp(pattern, "acquired_in=", 12);
  if (acquired_in) pattern = trim(pattern + 12);
  if (!*pattern) {
    std::snprintf(err, err_len, "lockdep: %s:%u: empty pattern after '%s:'", path, line_no,
                  kind_text);
    return false;
  }
  if (g_staged.n == kMaxSuppressions) {
    std::snprintf(err, err_len, "lockdep: %s:%u: more than %u suppressions (the limit)", path,
                  line_no, kMaxSuppressions);
    return false;
  }
  const size_t len = std::strlen(pattern) + 1;
  if (g_staged.used + len > kSuppressionBytes) {
    std::snprintf(err, err_len, "lockdep: %s:%u: the patterns take more than %u bytes (the limit)",
                  path, line_no, kSuppressionBytes);
    return false;
  }
  char *stored = g_staged.bytes + g_staged.used;
  std::memcpy(stored, pattern, len);
  g_staged.used += static_cast<uint32_t>(len);
  g_staged.items[g_staged.n++] = {kind, acquired_in, stored};
  return true;
}

}  // namespace

const char *suppress_kind_name(uint32_t kind) {
  return kind < kSuppressKinds ? kKindNames[kind] : nullptr;
}

suppression_list loaded_suppressions() { return {g_loaded.items, g_loaded.n}; }

suppression_list default_suppressions() {
  return {kDefaults, static_cast<uint32_t>(sizeof kDefaults / sizeof kDefaults[0])};
}

bool suppressions_stage(const char *path, char *err, size_t err_len) {
  g_staged.n = g_staged.used = 0;
  if (!path || !*path) return true;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::snprintf(err, err_len, "lockdep: cannot read suppressions file '%s': %s", path,
                  error_text(errno));
    return false;
  }
  unsigned line_no = 1;
  size_t len = 0;
  bool ok = true;
  for (;;) {
    const ssize_t got = read(fd, g_chunk, sizeof g_chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      std::snprintf(err, err_len, "lockdep: cannot read suppressions file '%s': %s", path,
                    error_text(errno));
      ok = false;
      break;
    }
    // The end of the file ends its last line.
    const size_t n = got ? static_cast<size_t>(got) : 1;
    for (size_t i = 0; ok && i < n; ++i) {
      const char c = got ? g_chunk[i] : '\n';
      if (c != '\n') {
        if (len == kMaxSuppressionLine) {
          std::snprintf(err, err_len, "lockdep: %s:%u: line longer than %u bytes (the limit)", path,
                        line_no, kMaxSuppressionLine);
          ok = false;
          break;
        }
        g_line[len++] = c;
        continue;
      }
      g_line[len] = '\0';
      ok = std::memchr(g_line, '\0', len) == nullptr;
      if (!ok)
        std::snprintf(err, err_len, "lockdep: %s:%u: a NUL byte in the line", path, line_no);
      else
        ok = add_line(path, line_no, g_line, err, err_len);
      len = 0;
      ++line_no;
    }
    if (!ok || !got) break;
  }
  close(fd);
  if (!ok) g_staged.n = g_staged.used = 0;
  return ok;
}

void suppressions_commit() {
  // Patterns point into the table's own bytes: move them with it.
  g_loaded.n = g_staged.n;
  g_loaded.used = g_staged.used;
  std::memcpy(g_loaded.bytes, g_staged.bytes, g_staged.used);
  for (uint32_t i = 0; i < g_staged.n; ++i) {
    g_loaded.items[i] = g_staged.items[i];
    g_loaded.items[i].pattern = g_loaded.bytes + (g_staged.items[i].pattern - g_staged.bytes);
  }
}

bool glob_match(const char *pattern, const char *text) {
  const char *star = nullptr, *resume = nullptr;
  while (*text) {
    if (*pattern == '*') {
      star = pattern++;
      resume = text;
    } else if (*pattern == '?' || *pattern == *text) {
      ++pattern;
      ++text;
    } else if (star) {
      pattern = star + 1;
      text = ++resume;
    } else {
      return false;
    }
  }
  while (*pattern == '*') ++pattern;
  return !*pattern;
}

}  // namespace lockdep
