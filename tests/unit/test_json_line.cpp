#include <catch2/catch.hpp>
#include <string>

#include "report/json_line.hpp"

namespace {
std::string g_out;
void collect(const char *data, size_t len) { g_out.append(data, len); }
}  // namespace

TEST_CASE("a JSON line: commas by nesting level, escaped strings, one newline") {
  g_out.clear();
  char buf[256];
  lockdep::json_line j(buf, sizeof buf, collect);
  j.begin_object();
  j.key("kind");
  j.string("circular");
  j.key("pid");
  j.number(42);
  j.key("frames");
  j.begin_array();
  j.begin_object();
  j.key("offset");
  j.hex(0x11ad);
  j.end_object();
  j.begin_object();
  j.key("function");
  j.string("f\"q\\\n\x01");
  j.end_object();
  j.end_array();
  j.key("ok");
  j.boolean(true);
  j.end_object();
  j.finish();
  CHECK(g_out ==
        "{\"kind\":\"circular\",\"pid\":42,\"frames\":[{\"offset\":\"0x11ad\"},"
        "{\"function\":\"f\\\"q\\\\\\n\\u0001\"}],\"ok\":true}\n");
}

TEST_CASE("a JSON line longer than its buffer reaches the sink whole, in pieces") {
  g_out.clear();
  char buf[8];
  lockdep::json_line j(buf, sizeof buf, collect);
  j.begin_object();
  j.key("text");
  j.string("a long string that does not fit in eight bytes");
  j.end_object();
  j.finish();
  CHECK(g_out == "{\"text\":\"a long string that does not fit in eight bytes\"}\n");
  g_out.clear();
  j.reset();
  j.begin_array();
  j.number(1);
  j.number(2);
  j.end_array();
  j.finish();
  CHECK(g_out == "[1,2]\n");
}
