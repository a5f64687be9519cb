// A copy of the learned graph, taken under the graph lock and then read
// without it, for the DOT dump (graph_dump.cpp): lock classes and their
// dependencies, with per-instance classes of one site collapsed into one
// node, cycles found (Tarjan, on the uncollapsed class graph, so collapsing
// never invents one), reported classes marked, nodes grouped by module.
//
// Nothing here calls the allocator or the dynamic linker's lock: the memory
// is mmap'd per snapshot, and modules are read with dl_iterate_phdr()
// before the graph lock is taken (dladdr() under the graph lock could wait
// for a dlopen() whose constructors wait for the graph lock).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/class_registry.hpp"

namespace lockdep {

inline constexpr uint32_t kSnapshotModules = 256;  // later modules count as none
inline constexpr uint32_t kNoModule = kSnapshotModules;

// Edge flags.
inline constexpr uint8_t kEdgeInCycle = 1;  // a class-level dependency on a cycle
inline constexpr uint8_t kEdgeNesting = 2;  // between instances of one collapsed site
inline constexpr uint8_t kEdgeClosing = 4;  // closed a reported cycle; not in the graph

struct snapshot_node {
  const void *key;
  uintptr_t first_ip;
  uint32_t subclass;
  uint32_t count;   // classes collapsed into it (1: a class of its own)
  uint32_t module;  // index into modules, or kNoModule
  bool reported;
  char name[kClassNameLen];  // the class's own name; empty: named from key
};

struct snapshot_edge {
  uint32_t from, to;  // nodes
  uint32_t count;     // class-level dependencies merged into it
  uint32_t trace;     // stack id (trace_at()), when not kEdgeClosing
  uint32_t closing;   // index into reported_dependencies(), when kEdgeClosing
  uint8_t flags, mask;
};

struct graph_snapshot {
  uint32_t classes = 0, dependencies = 0, cycles = 0, closing = 0;
  uint32_t n_nodes = 0, n_edges = 0, n_modules = 0;
  snapshot_node *nodes = nullptr;
  snapshot_edge *edges = nullptr;
  uint32_t *node_order = nullptr;     // nodes grouped by module
  uint32_t *module_start = nullptr;   // [kSnapshotModules + 2]: module m's nodes in node_order
  char (*module_name)[64] = nullptr;  // [kSnapshotModules]

  // Scratch memory (mmap'd), released by release().
  char *memory = nullptr;
  size_t memory_size = 0;
};

// Takes the snapshot (the graph lock inside). False when memory for it
// could not be mapped.
bool take_graph_snapshot(graph_snapshot &s);
void release_graph_snapshot(graph_snapshot &s);

}  // namespace lockdep
