// `lockdep graph FILE`: summarises (and renders) a graph that graph_path=
// wrote.
#pragma once

namespace lockdep::command {

// argv: the arguments after "graph". Returns the exit status.
int graph_main(int argc, char **argv);

}  // namespace lockdep::command
