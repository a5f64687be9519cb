// Descriptors the `lockdep` command passes to the checked program (the
// status pipe, the report socket): kept out of the program's way.
#pragma once

namespace lockdep {

// The lowest descriptor to move one to: `preferred` when the descriptor
// limit is 1100 or more, else `margin` below the limit (3 when it is tiny).
// Distinct values keep the two descriptors apart.
int high_descriptor_floor(int preferred, int margin);

// Moves `fd` (when >= 0) to `floor` or above, close-on-exec unless exec'd
// children are followed, and names it in the environment for those
// children (or removes both variables, so a child never trusts a number).
void keep_inherited_descriptor(int &fd, int floor, bool follow_children, const char *fd_variable,
                               const char *id_variable);

}  // namespace lockdep
