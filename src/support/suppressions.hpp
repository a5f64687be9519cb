// Suppressions: reports a user (or the built-in list) chose not to see,
// written as the sanitizers' lines KIND:PATTERN. A file is parsed once, at
// start-up, into fixed static storage: matching never allocates.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lockdep {

// Report kinds as a suppressions file names them; kAnyKind is `*`.
inline constexpr uint32_t kSuppressKinds = 11;
inline constexpr uint32_t kAnyKind = kSuppressKinds;
// "circular", "recursive", ..., in kind order; nullptr past the end.
const char *suppress_kind_name(uint32_t kind);

inline constexpr uint32_t kMaxSuppressions = 256;      // lines with a rule, per file
inline constexpr uint32_t kSuppressionBytes = 16384;   // all their patterns
inline constexpr uint32_t kMaxSuppressionLine = 1023;  // bytes per line
inline constexpr uint32_t kMaxDefaultSuppressions = 16;

struct suppression {
  uint32_t kind;     // a kind, or kAnyKind
  bool acquired_in;  // `acquired_in=PATTERN`: every held lock printed was
                     // taken in a frame whose function or module matches
  const char *pattern;
};

struct suppression_list {
  const suppression *items;
  uint32_t n;
};

// The rules of the file loaded last (empty before), and the built-in list.
suppression_list loaded_suppressions();
suppression_list default_suppressions();

// Reads and checks `path` (empty: no file) into a staging table; on error
// writes one line naming the file and the line and keeps the current rules.
bool suppressions_stage(const char *path, char *err, size_t err_len);
// The staged rules become the loaded ones.
void suppressions_commit();

// `*` matches any run of characters, `?` any one; the rest literally.
bool glob_match(const char *pattern, const char *text);

}  // namespace lockdep
