// lockdep graph FILE [-o OUT.svg|.png|.pdf] [--format=FMT]
//
// Summarises a lock graph written by graph_path= / lockdep_dump_graph()
// (Graphviz DOT with lockdep_* attributes): classes, dependencies, modules,
// collapsed sites, the cycles and the locks named in reports; renders it
// with Graphviz's `dot` when asked. A separate process, so it may allocate.
#include "graph.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace lockdep::command {
namespace {

constexpr int kOk = 0;
constexpr int kUsageError = 2;

using attributes = std::map<std::string, std::string>;

struct node {
  std::string id, name, module;
  unsigned count = 1;
  bool reported = false;
};

struct edge {
  std::string from, to;
  unsigned count = 1;
  bool cycle = false, closing = false, nesting = false;
  std::string kind;
};

struct lock_graph {
  attributes graph;
  std::vector<node> nodes;
  std::map<std::string, size_t> node_at;
  std::vector<edge> edges;
};

// key=value, key="quoted \" value", ... up to the closing ']'.
bool parse_attributes(const std::string &text, size_t pos, attributes &out) {
  while (pos < text.size()) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == ',')) ++pos;
    if (pos >= text.size() || text[pos] == ']') return true;
    const size_t eq = text.find('=', pos);
    if (eq == std::string::npos) return false;
    const std::string key = text.substr(pos, eq - pos);
    pos = eq + 1;
    std::string value;
    if (pos < text.size() && text[pos] == '"') {
      for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
        if (text[pos] == '\\' && pos + 1 < text.size()) {
          const char next = text[++pos];
          value += next == 'n' ? '\n' : next;
        } else {
          value += text[pos];
        }
      }
      if (pos >= text.size()) return false;
      ++pos;
    } else {
      const size_t end = text.find_first_of(",]", pos);
      if (end == std::string::npos) return false;
      value = text.substr(pos, end - pos);
      pos = end;
    }
    out[key] = value;
  }
  return false;
}

std::string trimmed(const std::string &s) {
  const size_t b = s.find_first_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b);
}

unsigned number(const attributes &a, const char *key, unsigned fallback = 0) {
  auto it = a.find(key);
  return it == a.end() ? fallback
                       : static_cast<unsigned>(std::strtoul(it->second.c_str(), nullptr, 10));
}

bool flag(const attributes &a, const char *key) { return number(a, key) != 0; }

// The graph as lockdep writes it: one statement per line.
bool read_graph(const char *path, lock_graph &g, std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = std::string("cannot read '") + path + "': " + std::strerror(errno);
    return false;
  }
  std::string line, module;
  bool started = false;
  for (unsigned number_of_line = 1; std::getline(in, line); ++number_of_line) {
    const std::string s = trimmed(line);
    const std::string where = std::string(path) + ":" + std::to_string(number_of_line);
    if (s.empty() || s.rfind("//", 0) == 0) continue;
    if (s.rfind("digraph", 0) == 0) {
      started = true;
      continue;
    }
    if (!started) {
      error = where + ": not a lockdep graph (no 'digraph')";
      return false;
    }
    if (s.rfind("graph [", 0) == 0) {
      if (!parse_attributes(s, 7, g.graph)) return error = where + ": bad attributes", false;
      continue;
    }
    if (s.rfind("subgraph", 0) == 0 || s.rfind("node [", 0) == 0 || s.rfind("edge [", 0) == 0 ||
        s == "}")
      continue;
    if (s.rfind("label=", 0) == 0) {  // a cluster's: label="module"; lockdep_module="module"; ...
      const size_t at = s.find("lockdep_module=\"");
      module.clear();
      if (at != std::string::npos) {
        attributes a;
        std::string rest = s.substr(at);
        rest = rest.substr(0, rest.find("\";") + 1) + "]";
        if (parse_attributes(rest, 0, a)) module = a["lockdep_module"];
      }
      continue;
    }
    const size_t bracket = s.find(" [");
    if (bracket == std::string::npos || s[0] != 'n') {
      error = where + ": unexpected statement: " + s.substr(0, 60);
      return false;
    }
    attributes a;
    if (!parse_attributes(s, bracket + 2, a)) return error = where + ": bad attributes", false;
    const std::string head = s.substr(0, bracket);
    const size_t arrow = head.find(" -> ");
    if (arrow == std::string::npos) {
      node n;
      n.id = head;
      n.name = a.count("lockdep_name") ? a["lockdep_name"] : a["label"];
      n.module = module;
      n.count = number(a, "lockdep_count", 1);
      n.reported = flag(a, "lockdep_reported");
      g.node_at[n.id] = g.nodes.size();
      g.nodes.push_back(n);
    } else {
      edge e;
      e.from = head.substr(0, arrow);
      e.to = head.substr(arrow + 4);
      e.count = number(a, "lockdep_count", 1);
      e.cycle = flag(a, "lockdep_cycle");
      e.closing = flag(a, "lockdep_reported_dependency");
      e.nesting = flag(a, "lockdep_nesting");
      e.kind = a["lockdep_kind"];
      g.edges.push_back(e);
    }
  }
  if (!started) return error = std::string(path) + ": not a lockdep graph (no 'digraph')", false;
  for (const edge &e : g.edges)
    if (!g.node_at.count(e.from) || !g.node_at.count(e.to))
      return error = std::string(path) + ": an edge names an unknown node", false;
  return true;
}

std::string display(const node &n) {
  std::string s = n.name;
  if (n.count > 1) s += " (" + std::to_string(n.count) + " locks)";
  return s;
}

// The cycles: strongly connected components of the edges on a cycle, each
// shown as one closed walk through its nodes.
std::vector<std::vector<size_t>> cycles_of(const lock_graph &g) {
  const size_t n = g.nodes.size();
  std::vector<std::vector<size_t>> out(n);
  for (const edge &e : g.edges)
    if (e.cycle && e.from != e.to) out[g.node_at.at(e.from)].push_back(g.node_at.at(e.to));
  // Tarjan (recursive: this is a tool, the graphs it reads are bounded).
  std::vector<int> index(n, -1), low(n, 0);
  std::vector<bool> on(n, false);
  std::vector<size_t> stack;
  std::vector<std::vector<size_t>> components;
  int next = 0;
  std::function<void(size_t)> visit = [&](size_t v) {
    index[v] = low[v] = next++;
    stack.push_back(v);
    on[v] = true;
    for (size_t w : out[v]) {
      if (index[w] < 0) {
        visit(w);
        low[v] = std::min(low[v], low[w]);
      } else if (on[w]) {
        low[v] = std::min(low[v], index[w]);
      }
    }
    if (low[v] != index[v]) return;
    std::vector<size_t> c;
    size_t w;
    do {
      w = stack.back();
      stack.pop_back();
      on[w] = false;
      c.push_back(w);
    } while (w != v);
    if (c.size() > 1) components.push_back(c);
  };
  for (size_t v = 0; v < n; ++v)
    if (index[v] < 0) visit(v);
  // One cycle through each component: BFS from its first node back to it.
  std::vector<std::vector<size_t>> cycles;
  for (const auto &c : components) {
    const std::set<size_t> in(c.begin(), c.end());
    const size_t start = *std::min_element(c.begin(), c.end());
    std::map<size_t, size_t> parent;
    std::vector<size_t> queue{start};
    bool closed = false;
    size_t last = start;
    for (size_t i = 0; i < queue.size() && !closed; ++i) {
      for (size_t w : out[queue[i]]) {
        if (!in.count(w)) continue;
        if (w == start) {
          closed = true;
          last = queue[i];
          break;
        }
        if (parent.count(w)) continue;
        parent[w] = queue[i];
        queue.push_back(w);
      }
    }
    std::vector<size_t> walk;
    for (size_t v = last; v != start; v = parent[v]) walk.push_back(v);
    walk.push_back(start);
    std::reverse(walk.begin(), walk.end());
    cycles.push_back(walk);
  }
  return cycles;
}

void summarise(const lock_graph &g, FILE *out) {
  const attributes &a = g.graph;
  auto get = [&](const char *k) {
    auto it = a.find(k);
    return it == a.end() ? std::string("?") : it->second;
  };
  unsigned closing = 0;
  for (const edge &e : g.edges) closing += e.closing;
  std::fprintf(out, "%s\n", get("label").c_str());
  std::fprintf(out, "classes:      %s, drawn as %zu nodes\n", get("lockdep_classes").c_str(),
               g.nodes.size());
  std::fprintf(out, "dependencies: %s learned, drawn as %zu edges",
               get("lockdep_dependencies").c_str(), g.edges.size() - closing);
  if (closing) std::fprintf(out, "; %u closed a reported cycle (not learned)", closing);
  std::fprintf(out, "\n");

  std::map<std::string, unsigned> modules;
  for (const node &n : g.nodes) modules[n.module.empty() ? "(no module)" : n.module] += n.count;
  std::fprintf(out, "modules:\n");
  for (const auto &[name, count] : modules)
    std::fprintf(out, "  %-28s %u classes\n", name.c_str(), count);

  std::vector<const node *> sites;
  for (const node &n : g.nodes)
    if (n.count > 1) sites.push_back(&n);
  if (!sites.empty()) {
    std::fprintf(out, "collapsed sites (per-instance classes first taken at one place):\n");
    for (const node *n : sites) std::fprintf(out, "  %s\n", display(*n).c_str());
  }

  const auto cycles = cycles_of(g);
  std::fprintf(out, "cycles:       %zu\n", cycles.size());
  unsigned k = 0;
  for (const auto &c : cycles) {
    bool reported = true;
    for (size_t v : c) reported &= g.nodes[v].reported;
    std::fprintf(out, "  #%u%s: ", ++k, reported ? " (reported)" : "");
    for (size_t v : c) std::fprintf(out, "%s -> ", display(g.nodes[v]).c_str());
    std::fprintf(out, "%s\n", display(g.nodes[c.front()]).c_str());
  }
  std::vector<std::string> named;
  for (const node &n : g.nodes)
    if (n.reported) named.push_back(display(n));
  std::fprintf(out, "named in reports: %zu\n", named.size());
  for (const std::string &s : named) std::fprintf(out, "  %s\n", s.c_str());
}

bool on_path(const char *program) {
  const char *path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t pos = 0; pos <= dirs.size();) {
    size_t end = dirs.find(':', pos);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(pos, end - pos) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return true;
    pos = end + 1;
  }
  return false;
}

int render(const char *file, const std::string &output, std::string format) {
  if (format.empty()) {
    const size_t dot = output.rfind('.');
    format = dot == std::string::npos ? "svg" : output.substr(dot + 1);
  }
  if (!on_path("dot")) {
    std::fprintf(stderr,
                 "lockdep graph: cannot render: Graphviz's 'dot' is not installed "
                 "(Debian: apt-get install graphviz)\n");
    return kUsageError;
  }
  const std::string type = "-T" + format;
  const pid_t pid = fork();
  if (pid == 0) {
    execlp("dot", "dot", type.c_str(), file, "-o", output.c_str(), static_cast<char *>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "lockdep graph: dot %s %s -o %s failed\n", type.c_str(), file,
                 output.c_str());
    return kUsageError;
  }
  return kOk;
}

void usage(FILE *out) {
  std::fprintf(out,
               "usage: lockdep graph FILE [-o OUTPUT] [--format=FMT]\n"
               "\n"
               "Summarises a lock graph that lockdep wrote (graph_path=FILE, SIGUSR2 or\n"
               "lockdep_dump_graph()): classes, dependencies, modules, collapsed sites,\n"
               "cycles and the locks named in reports.\n"
               "  -o OUTPUT      also render it with Graphviz's dot (format from the\n"
               "                 extension: .svg, .png, .pdf; SVG shows stacks as tooltips)\n"
               "  --format=FMT   the dot output format, if not the extension's\n"
               "exit status: 0, or 2 for a usage error, an unreadable graph or a failed render\n");
}

}  // namespace

int graph_main(int argc, char **argv) {
  const char *file = nullptr;
  std::string output, format;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return kOk;
    }
    if (a == "-o" && i + 1 < argc) {
      output = argv[++i];
    } else if (a.rfind("--format=", 0) == 0) {
      format = a.substr(9);
    } else if (!file && (a.empty() || a[0] != '-')) {
      file = argv[i];
    } else {
      std::fprintf(stderr, "lockdep graph: unexpected argument '%s' (see lockdep graph --help)\n",
                   argv[i]);
      return kUsageError;
    }
  }
  if (!file) {
    usage(stderr);
    return kUsageError;
  }
  lock_graph g;
  std::string error;
  if (!read_graph(file, g, error)) {
    std::fprintf(stderr, "lockdep graph: %s\n", error.c_str());
    return kUsageError;
  }
  summarise(g, stdout);
  if (!output.empty()) return render(file, output, format);
  return kOk;
}

}  // namespace lockdep::command
