#include "symbolize.hpp"

#include <cstdio>
#include <cstring>
#include <iostream>
#include <vector>

namespace lockdep::command {
namespace {

struct token {
  size_t begin, end;  // the token's bytes in the line, parentheses included
  std::string module;
  uint64_t offset;
};

// Finds the next "(/path+0xHEX)" at or after `from`.
bool next_token(const std::string &s, size_t from, token *t) {
  for (size_t open = s.find("(/", from); open != std::string::npos; open = s.find("(/", open + 1)) {
    const size_t close = s.find(')', open);
    if (close == std::string::npos) return false;
    const size_t plus = s.rfind("+0x", close);
    if (plus == std::string::npos || plus < open) continue;
    const std::string hex = s.substr(plus + 3, close - plus - 3);
    if (hex.empty() || hex.size() > 16 ||
        hex.find_first_not_of("0123456789abcdef") != std::string::npos)
      continue;
    t->begin = open;
    t->end = close + 1;
    t->module = s.substr(open + 1, plus - open - 1);
    t->offset = std::stoull(hex, nullptr, 16);
    return true;
  }
  return false;
}

std::string base_name(const std::string &path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string hex(uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(n));
  return buf;
}

// "function+0xoff/0xsize [module] (file:line)", as the kernel's
// decode_stacktrace.sh adds the line to the frame it decodes.
std::string frame_text(const source_frame &f, const token &t) {
  std::string s;
  const std::string module = base_name(t.module);
  if (f.function.empty())
    s = "[" + module + "+" + hex(t.offset) + "]";
  else if (f.inlined || !f.has_offset)
    s = f.function + " [" + module + "]";
  else
    s = f.function + "+" + hex(f.offset) + "/" + hex(f.size) + " [" + module + "]";
  if (!f.file.empty()) s += " (" + f.file + ":" + std::to_string(f.line) + ")";
  if (f.inlined) s += " (inlined)";
  return s;
}

std::vector<source_frame> frames_of(source_lines &lines, const token &t) {
  std::vector<source_frame> frames = lines.lookup(t.module, t.offset);
  if (frames.empty()) frames.push_back({});
  return frames;
}

void json_escape(std::string &out, const std::string &s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

// Reads a JSON string starting at s[at] == '"'; returns the index after it.
size_t json_unescape(const std::string &s, size_t at, std::string *out) {
  out->clear();
  for (size_t i = at + 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') return i + 1;
    if (c != '\\' || i + 1 >= s.size()) {
      *out += c;
      continue;
    }
    const char e = s[++i];
    if (e == 'n')
      *out += '\n';
    else if (e == 'u' && i + 4 < s.size()) {
      *out += static_cast<char>(std::stoi(s.substr(i + 1, 4), nullptr, 16));
      i += 4;
    } else
      *out += e;
  }
  return std::string::npos;
}

}  // namespace

std::string report_symbolizer::line(const std::string &raw) {
  token t;
  if (!next_token(raw, 0, &t)) return raw;
  // A frame alone on its line (a stack trace): one line per frame, inlined
  // ones first, all with the line's indentation.
  if (raw.find_first_not_of(' ') == t.begin && t.end == raw.size()) {
    const std::string indent = raw.substr(0, t.begin);
    std::string out;
    for (const source_frame &f : frames_of(lines_, t)) {
      if (!out.empty()) out += '\n';
      out += indent + frame_text(f, t);
    }
    return out;
  }
  // The SUMMARY: "file:line in function" as the sanitizers print it, the
  // innermost frame's; the frame as the report shows it when no line is known.
  if (raw.rfind("SUMMARY: ", 0) == 0) {
    const std::vector<source_frame> frames = frames_of(lines_, t);
    const source_frame &f = frames.front();
    std::string where;
    if (!f.file.empty()) {
      where = base_name(f.file) + ":" + std::to_string(f.line);
      if (!f.function.empty()) where += " in " + f.function;
    } else {
      where = frame_text(frames.back(), t);
    }
    return raw.substr(0, t.begin) + where + raw.substr(t.end);
  }
  // Frames inside a line ("at: ..."): inlined ones joined with "inlined in".
  std::string out;
  size_t from = 0;
  do {
    out += raw.substr(from, t.begin - from);
    std::string joined;
    for (const source_frame &f : frames_of(lines_, t)) {
      if (!joined.empty()) joined += " inlined in ";
      source_frame g = f;
      g.inlined = false;
      joined += frame_text(g, t);
    }
    out += joined;
    from = t.end;
  } while (next_token(raw, from, &t));
  return out + raw.substr(from);
}

std::string report_symbolizer::text(const std::string &raw) {
  try {
    return text_lines(raw);
  } catch (...) {  // a malformed number in a hand-edited report
    return raw;
  }
}

std::string report_symbolizer::json(const std::string &raw, const std::string &summary) {
  try {
    return json_line(raw, summary);
  } catch (...) {
    return raw;
  }
}

std::string report_symbolizer::text_lines(const std::string &raw) {
  std::string out;
  size_t at = 0;
  while (at < raw.size()) {
    size_t nl = raw.find('\n', at);
    const bool has_nl = nl != std::string::npos;
    if (!has_nl) nl = raw.size();
    out += line(raw.substr(at, nl - at));
    if (has_nl) out += '\n';
    at = nl + 1;
  }
  return out;
}

// Frame objects are written by the library as {"module":"...","offset":
// "0x...","function":"..."}; each becomes {"module","offset","function",
// "file","line","inlined":[{"function","file","line"},...]} with the
// physical function's name and line first and the inlined frames within
// it, innermost first.
std::string report_symbolizer::json_line(const std::string &raw, const std::string &summary) {
  std::string out;
  size_t from = 0;
  const std::string opener = "{\"module\":";
  for (size_t at = raw.find(opener); at != std::string::npos; at = raw.find(opener, from)) {
    std::string module, offset_text, key, value;
    size_t i = at + opener.size();
    if (i >= raw.size() || raw[i] != '"') break;
    i = json_unescape(raw, i, &module);
    // The remaining members, up to the object's end.
    std::string function;
    while (i != std::string::npos && i < raw.size() && raw[i] == ',') {
      i = json_unescape(raw, i + 1, &key);
      if (i == std::string::npos || raw[i] != ':' || raw[i + 1] != '"') break;
      i = json_unescape(raw, i + 1, &value);
      if (key == "offset") offset_text = value;
      if (key == "function") function = value;
    }
    if (i == std::string::npos || i >= raw.size() || raw[i] != '}' || offset_text.size() < 3) {
      out += raw.substr(from, at + 1 - from);
      from = at + 1;
      continue;
    }
    token t{0, 0, module, std::stoull(offset_text.substr(2), nullptr, 16)};
    const std::vector<source_frame> frames = lines_.lookup(module, t.offset);
    const source_frame physical = frames.empty() ? source_frame{} : frames.back();
    std::string obj = "{\"module\":";
    json_escape(obj, module);
    obj += ",\"offset\":";
    json_escape(obj, offset_text);
    const std::string name = physical.function.empty() ? function : physical.function;
    if (!name.empty()) {
      obj += ",\"function\":";
      json_escape(obj, name);
    }
    if (!physical.file.empty()) {
      obj += ",\"file\":";
      json_escape(obj, physical.file);
      obj += ",\"line\":" + std::to_string(physical.line);
    }
    if (frames.size() > 1) {
      obj += ",\"inlined\":[";
      for (size_t k = 0; k + 1 < frames.size(); ++k) {
        if (k) obj += ',';
        obj += "{\"function\":";
        json_escape(obj, frames[k].function);
        obj += ",\"file\":";
        json_escape(obj, frames[k].file);
        obj += ",\"line\":" + std::to_string(frames[k].line) + "}";
      }
      obj += "]";
    }
    obj += "}";
    out += raw.substr(from, at - from) + obj;
    from = i + 1;
  }
  out += raw.substr(from);
  // The SUMMARY as the text says it.
  const std::string key = "\"summary\":";
  const size_t s = out.rfind(key);
  if (s != std::string::npos && s + key.size() < out.size() && out[s + key.size()] == '"') {
    std::string old;
    const size_t end = json_unescape(out, s + key.size(), &old);
    if (end != std::string::npos) {
      std::string fresh = summary.empty() ? line(old) : summary;
      std::string value;
      json_escape(value, fresh);
      out = out.substr(0, s + key.size()) + value + out.substr(end);
    }
  }
  return out;
}

int symbolize_main(int argc, char **argv) {
  if (argc > 2 || (argc == 2 && std::strcmp(argv[1], "-"))) {
    std::fprintf(stderr,
                 "usage: lockdep symbolize < raw-report\n"
                 "Reads reports printed with symbolize=0 (frames as (module+0xoffset)) and\n"
                 "JSON lines, and writes them with function names, files and lines.\n");
    return 2;
  }
  report_symbolizer s;
  std::string l;
  while (std::getline(std::cin, l)) {
    if (l.rfind("{\"kind\":", 0) == 0)
      std::cout << s.json(l, "") << '\n';
    else
      std::cout << s.text(l) << '\n';
  }
  std::cout.flush();
  return 0;
}

}  // namespace lockdep::command
