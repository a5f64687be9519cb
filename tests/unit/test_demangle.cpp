#include <catch2/catch.hpp>
#include <string>

#include "report/demangle.hpp"

namespace {
std::string dm(const char *name) {
  char out[256];
  lockdep::demangle(name, out, sizeof out);
  return out;
}
}  // namespace

TEST_CASE("demangling the common name forms without allocating") {
  CHECK(dm("_ZN12_GLOBAL__N_119accounts_then_auditEv") ==
        "(anonymous namespace)::accounts_then_audit");
  CHECK(dm("_Z9take_abbav") == "take_abba");
  CHECK(dm("_ZNSt5mutex4lockEv") == "std::mutex::lock");
  CHECK(dm("_ZN7lockdep9annotatedISt5mutexE4lockEv") == "lockdep::annotated<>::lock");
  CHECK(dm("_ZN3FooC2Ev") == "Foo::Foo");
  CHECK(dm("_ZN3FooD1Ev") == "Foo::~Foo");
  CHECK(dm("_ZNK3Foo3getEv") == "Foo::get");
  CHECK(dm("_ZNSt6thread11_State_implINS_8_InvokerISt5tupleIJPFvvEEEEEE6_M_runEv") ==
        "std::thread::_State_impl<>::_M_run");
  CHECK(dm("main") == "main");
  CHECK(dm("_Zbroken") == "_Zbroken");
  char tiny[6];
  lockdep::demangle("_Z9take_abbav", tiny, sizeof tiny);
  CHECK(std::string(tiny) == "take_");
}

TEST_CASE("static data is demangled too: internal linkage, nested and function-local") {
  CHECK(dm("_ZL9log_mutex") == "log_mutex");
  CHECK(dm("_ZN2nsL5tableE") == "ns::table");
  CHECK(dm("_ZN12_GLOBAL__N_1L7g_stateE") == "(anonymous namespace)::g_state");
  CHECK(dm("_ZN5Cache6mutex_E") == "Cache::mutex_");
  CHECK(dm("_ZZ4mainE1m") == "main::m");
  CHECK(dm("_ZZ6workerPvE4lock") == "worker::lock");
  CHECK(dm("_ZZ6workerPvE4lock_0") == "worker::lock");
  CHECK(dm("_ZZN3Foo3runEvE5guard") == "Foo::run::guard");
  CHECK(dm("_ZZN3Foo3getINS_3BarEEEvT_E1m") == "Foo::get<>::m");
}
