// A small demangler for the common Itanium C++ name forms, writing into a
// caller's buffer: __cxa_demangle allocates, and reports must not. It turns
// "_ZN12_GLOBAL__N_119accounts_then_auditEv" into
// "(anonymous namespace)::accounts_then_audit" (parameters are left out);
// a name it does not understand is copied unchanged.
#pragma once

#include <cstddef>

namespace lockdep {

void demangle(const char *name, char *out, size_t out_len);

}  // namespace lockdep
