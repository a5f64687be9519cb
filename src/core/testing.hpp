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

// After an exhaustion test: limits back to capacity, the validator on, and
// the calling thread's held stack emptied.
void reenable();

// Dependencies, and class slots named by cached chains, whose class is not
// live (zapped, waiting for a grace period, or free): each one is a stale
// record that a later occupant of the slot would inherit.
uint64_t dependencies_naming_dead_classes();
uint64_t chain_slots_naming_dead_classes();

}  // namespace lockdep::testing
