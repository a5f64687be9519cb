// The learned graph as Graphviz DOT: every live lock class and dependency,
// each dependency with the stack where it was first recorded, cycles and
// the locks named in reports highlighted, nodes clustered by module, and
// the per-instance classes of one site (heap locks first taken at the same
// place) collapsed into one node. Written from inside the checked process,
// so without the allocator: scratch memory is mmap'd for the dump.
#pragma once

namespace lockdep {

// Writes the graph to `path` (%p: the pid), or to graph_path when `path` is
// nullptr or empty. Through a temporary file renamed into place, so a
// reader never sees half a graph. 0, or -1 with errno set (EINVAL: no path).
int graph_dump(const char *path);

// From the library's destructor: the dump at exit, when graph_path is set.
void graph_dump_at_exit();

// At start-up, when graph_path is set: SIGUSR2 writes the graph, unless the
// program already has a disposition for SIGUSR2 other than the default (a
// handler, or ignored). A handler the program installs later replaces ours.
void graph_dump_install_signal();

}  // namespace lockdep
