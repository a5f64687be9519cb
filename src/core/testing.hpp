// Internals that the unit tests reach into. Not part of the public API and
// not exported from liblockdep.so.
#pragma once

#include <cstdint>

#include "core/deferred_free.hpp"
#include "core/pools.hpp"

namespace lockdep::testing {

// Slot index of the live class for (key, subclass), or UINT32_MAX.
uint32_t class_slot(const void *key, uint32_t subclass);
bool class_slot_is_free(uint32_t slot);

}  // namespace lockdep::testing

namespace lockdep::testing {
// After an exhaustion test: limits back to capacity, the validator on, and
// the calling thread's held stack emptied.
void reenable();
}  // namespace lockdep::testing
