// fork() for both modes (linked and preloaded): the child of a forking
// program gets a working validator whatever the other threads were doing
// and whatever other libraries' fork handlers do.
#pragma once

namespace lockdep {

// Registers the fork handlers and sets up the private RCU. Idempotent;
// called by the library's constructor, as early as possible, and again
// lazily by the first RCU reader or graph lock user (the unit tests link
// the core without the constructor).
void core_init();

}  // namespace lockdep
