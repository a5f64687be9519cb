/* lockdep for userspace: public C API.
 *
 * A lock is described to the validator by a `struct lockdep_map` embedded in
 * (or beside) the lock. Locks that share a `struct lockdep_class_key` share a
 * lock class, the unit in which lock order is learned; a map initialised
 * without a key is its own class (per-instance mode, as the preload layer
 * uses for pthread locks).
 */
#ifndef LOCKDEP_LOCKDEP_H
#define LOCKDEP_LOCKDEP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LOCKDEP_VERSION "0.1.0"

#define LOCKDEP_API __attribute__((visibility("default")))

/* Subclasses of one key: nesting annotations, as the kernel's. */
#define LOCKDEP_MAX_SUBCLASSES 8u
#define LOCKDEP_SINGLE_DEPTH_NESTING 1u

/* A class key. Static storage works without registration; a key in dynamic
 * memory must be registered before use and unregistered before its memory
 * is reused, which forgets every class and dependency learned for it. */
struct lockdep_class_key {
  uintptr_t opaque[LOCKDEP_MAX_SUBCLASSES];
};

/* Set up by lockdep_init_map() (or LOCKDEP_MAP_INIT); the fields are the
 * library's to read. */
struct lockdep_map {
  const struct lockdep_class_key *key; /* NULL: the map is its own class */
  const char *name;
  unsigned subclass; /* added to every acquisition's subclass */
  /* LOCKDEP_MAP_MAGIC once initialised. A map without it (never
   * initialised, or its memory overwritten) is reported and ignored, its
   * other fields never followed. */
  uint32_t magic;
};

#define LOCKDEP_MAP_MAGIC 0x6c6f636bu /* "lock" */

/* A static initialiser, equivalent to lockdep_init_map(): e.g.
 *   static struct lockdep_map m = LOCKDEP_MAP_INIT("m", &key, 0); */
#define LOCKDEP_MAP_INIT(name_, key_, subclass_) \
  { (key_), (name_), (subclass_), LOCKDEP_MAP_MAGIC }

/* How a lock is taken. */
enum lockdep_read {
  LOCKDEP_WRITE = 0,         /* exclusive */
  LOCKDEP_READ = 1,          /* shared, not recursive: waits behind writers */
  LOCKDEP_READ_RECURSIVE = 2 /* shared, recursive: enters past a waiting writer */
};

/* Flags for lockdep_acquire(). */
#define LOCKDEP_TRY 0x1u       /* a trylock that succeeded: never blocks */
#define LOCKDEP_REENTRANT 0x2u /* owner may take it again (recursive mutex) */

struct lockdep_stats {
  uint64_t classes_in_use;
  uint64_t classes_pending; /* zapped, waiting for a grace period */
  uint64_t classes_free;
  uint64_t classes_capacity;   /* the limit: max_classes=, or the static reservation */
  uint64_t classes_registered; /* total ever */
  uint64_t classes_zapped;     /* total ever */
  uint64_t classes_freed;      /* total returned to the free bitmap */
  uint64_t dependencies;
  uint64_t dependencies_capacity; /* max_dependencies=, or the static reservation */
  uint64_t chains;
  uint64_t chains_pending;
  uint64_t chains_capacity;
  uint64_t chain_hlocks;
  uint64_t stack_traces;
  uint64_t stack_trace_entries;
  uint64_t grace_periods; /* RCU callbacks that freed zapped slots */
  uint64_t chain_cache_misses;
  uint64_t reports;
  int enabled;                 /* 0 once the validator turned itself off */
  uint64_t reports_suppressed; /* matched a suppression: not printed, not counted in reports */
};

/* Bad arguments (a NULL map or stats pointer, a map never initialised) are
 * refused with one line on the report stream per call site, counted as a
 * report, and the call does nothing else. */

/* Describe a lock. `name` must outlive the map (a string literal).
 * `subclass` is the lock's own nesting level (as the kernel's
 * lockdep_set_subclass()), added to the subclass of each acquisition; the
 * sum must stay below LOCKDEP_MAX_SUBCLASSES. */
LOCKDEP_API void lockdep_init_map(struct lockdep_map *map, const char *name,
                                  const struct lockdep_class_key *key, unsigned subclass);

/* Keys in dynamic memory. Unregistering always forgets the key, also inside
 * lockdep_off() and after the validator turned itself off. */
LOCKDEP_API void lockdep_register_key(struct lockdep_class_key *key);
LOCKDEP_API void lockdep_unregister_key(struct lockdep_class_key *key);

/* Forget one lock: a per-instance map's class is zapped (its dependencies
 * vanish); a map that shares a key only loses its own identity, since the
 * class belongs to every lock of that key. */
LOCKDEP_API void lockdep_reset_map(struct lockdep_map *map);

/* Call *before* blocking on the real lock (or after a successful trylock,
 * with LOCKDEP_TRY). `ip` is the caller's address for reports; pass
 * LOCKDEP_THIS_IP or 0. */
LOCKDEP_API void lockdep_acquire(struct lockdep_map *map, unsigned subclass, unsigned flags,
                                 enum lockdep_read read, uintptr_t ip);
LOCKDEP_API void lockdep_release(struct lockdep_map *map, uintptr_t ip);

/* 1 when the calling thread holds `map`; -1 when the validator is off. */
LOCKDEP_API int lockdep_is_held(const struct lockdep_map *map);
LOCKDEP_API void lockdep_assert_held_at(const struct lockdep_map *map, const char *file, int line);
#define lockdep_assert_held(map) lockdep_assert_held_at((map), __FILE__, __LINE__)

/* Stop / resume tracking in the calling thread (nests). */
LOCKDEP_API void lockdep_off(void);
LOCKDEP_API void lockdep_on(void);

/* Parse `key=value:key=value` (LOCKDEP_OPTIONS syntax). Returns 0, or -1
 * after writing one line naming the bad key or value to `err`. */
LOCKDEP_API int lockdep_set_options(const char *options, char *err, size_t err_len);

LOCKDEP_API void lockdep_get_stats(struct lockdep_stats *out);
/* Writes the stats block to the report stream. */
LOCKDEP_API void lockdep_print_stats(void);

/* Number of reports printed so far. */
LOCKDEP_API uint64_t lockdep_report_count(void);

/* Write the lock classes and dependencies learned so far to `path` as a
 * Graphviz DOT graph (%p in it: the pid); NULL or "" means the graph_path
 * option. Returns 0, or -1 with errno set (EINVAL: no path given). */
LOCKDEP_API int lockdep_dump_graph(const char *path);

/* Wait until every zapped slot queued so far has been freed (rcu_barrier). */
LOCKDEP_API void lockdep_barrier(void);

/* The address of this statement (reports look it up as is), and the
 * caller's return address. With optimisation GCC may place the label
 * elsewhere in the function; the file and line then follow it.
 * __extension__ keeps the GNU statement expression and label address quiet
 * in -Wpedantic builds of the including program. */
#define LOCKDEP_THIS_IP           \
  __extension__({                 \
    __label__ lockdep_here_;      \
  lockdep_here_:                  \
    (uintptr_t) && lockdep_here_; \
  })
#define LOCKDEP_RET_IP ((uintptr_t)__builtin_return_address(0))
/* Inside a wrapper that is never inlined: an address inside the call that
 * entered it, so reports name the wrapper's caller (the C++ helpers use it). */
#define LOCKDEP_CALLER_IP ((uintptr_t)__builtin_return_address(0) - 1)

#ifdef __cplusplus
}
#endif

#endif
