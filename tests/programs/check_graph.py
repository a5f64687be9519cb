#!/usr/bin/env python3
"""Checks a lock graph that lockdep wrote (graph_path=, lockdep_dump_graph()).

The file is parsed with a DOT grammar parser of its own (statements, subgraphs,
attribute lists, quoted strings) and, when Graphviz's dot is given, rendered
by it; then each check is asserted, naming nodes by their lockdep_name:

  check_graph.py FILE [--dot DOT] checks...
    --node NAME [COUNT]       a node (a collapsed site has COUNT classes)
    --module NAME             a cluster for module NAME holds a node
    --in-module NODE MODULE   NODE is drawn in MODULE's cluster
    --edge A B [FLAG...]      an edge A -> B; FLAGs, each asserted:
                              cycle, nocycle, nesting, closing, count=N
    --no-edge A B             no edge A -> B (or no such node)
    --stack A B REGEX         the edge's first stack has a frame matching REGEX
    --reported NAME           NAME is highlighted as named in a report
    --not-reported NAME
    --graph KEY VALUE         a graph attribute
"""
import re
import subprocess
import sys

TOKEN = re.compile(r'\s*(?:(//[^\n]*)|("(?:[^"\\]|\\.)*")|(->|--)|([{}\[\]=;,])|([A-Za-z_][A-Za-z_0-9.]*|-?\d+(?:\.\d+)?))',
                   re.S)


def tokens(text):
    pos = 0
    out = []
    while pos < len(text):
        if text[pos:].strip() == '':
            break
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SyntaxError('bad token at offset %d: %r' % (pos, text[pos:pos + 30]))
        pos = m.end()
        if m.group(1):
            continue
        if m.group(2):
            out.append(('str', re.sub(r'\\(.)', lambda x: '\n' if x.group(1) == 'n' else x.group(1),
                                      m.group(2)[1:-1], flags=re.S)))
        elif m.group(3) or m.group(4):
            out.append(('op', m.group(3) or m.group(4)))
        else:
            out.append(('id', m.group(5)))
    return out


class Parser:
    """DOT: digraph ID? { stmt* } with node, edge, attribute and subgraph statements."""

    def __init__(self, toks):
        self.t, self.i = toks, 0
        self.nodes, self.edges, self.graph_attrs = {}, [], {}

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else ('eof', None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if (kind and tok[0] != kind) or (value and tok[1] != value):
            raise SyntaxError('expected %s %s, got %r (token %d)' % (kind, value, tok, self.i))
        self.i += 1
        return tok

    def ident(self):
        tok = self.peek()
        if tok[0] not in ('id', 'str'):
            raise SyntaxError('expected an ID, got %r' % (tok,))
        self.i += 1
        return tok[1]

    def attr_list(self):
        attrs = {}
        while self.peek() == ('op', '['):
            self.take()
            while self.peek() != ('op', ']'):
                key = self.ident()
                self.take('op', '=')
                attrs[key] = self.ident()
                if self.peek()[1] in (',', ';'):
                    self.take()
            self.take('op', ']')
        return attrs

    def parse(self):
        if self.peek() == ('id', 'strict'):
            self.take()
        self.take('id', 'digraph')
        if self.peek()[0] in ('id', 'str'):
            self.ident()
        self.stmt_list(None)
        if self.peek()[0] != 'eof':
            raise SyntaxError('text after the graph: %r' % (self.peek(),))
        return self

    def stmt_list(self, cluster):
        self.take('op', '{')
        attrs = {}
        while self.peek() != ('op', '}'):
            tok = self.peek()
            if tok == ('id', 'subgraph'):
                self.take()
                name = self.ident() if self.peek()[0] in ('id', 'str') else None
                self.stmt_list(name)
            elif tok[1] in ('graph', 'node', 'edge') and self.peek(1) == ('op', '['):
                self.take()
                a = self.attr_list()
                if tok[1] == 'graph' and cluster is None:
                    self.graph_attrs.update(a)
            elif self.peek(1) == ('op', '='):
                key = self.ident()
                self.take()
                attrs[key] = self.ident()
            else:
                chain = [self.ident()]
                while self.peek() == ('op', '->'):
                    self.take()
                    chain.append(self.ident())
                a = self.attr_list()
                if len(chain) == 1:
                    self.nodes[chain[0]] = dict(a, _cluster=cluster)
                else:
                    for x, y in zip(chain, chain[1:]):
                        self.edges.append((x, y, a))
            if self.peek() == ('op', ';'):
                self.take()
        self.take('op', '}')
        if cluster is not None:
            for n in self.nodes.values():
                if n['_cluster'] == cluster:
                    n['_module'] = attrs.get('lockdep_module', attrs.get('label'))


def main(argv):
    path = argv[1]
    args = argv[2:]
    dot = None
    if args[:1] == ['--dot']:
        dot, args = args[1], args[2:]
    text = open(path).read()
    failures = []
    try:
        g = Parser(tokens(text)).parse()
    except SyntaxError as e:
        print('FAIL: %s does not parse: %s' % (path, e))
        return 1
    if dot:
        r = subprocess.run([dot, '-Tsvg', path, '-o', '/dev/null'], capture_output=True, text=True)
        if r.returncode != 0 or r.stderr.strip():
            failures.append('dot -Tsvg: status %d: %s' % (r.returncode, r.stderr.strip()))

    by_name = {}
    for nid, a in g.nodes.items():
        by_name.setdefault(a.get('lockdep_name'), []).append(nid)

    def node_id(name):
        ids = by_name.get(name, [])
        if len(ids) != 1:
            failures.append('%d nodes named %r (nodes: %s)' % (len(ids), name, sorted(by_name)))
            return None
        return ids[0]

    def edge(a, b):
        ia, ib = node_id(a), node_id(b)
        found = [e for e in g.edges if e[0] == ia and e[1] == ib]
        return found[0][2] if found else None

    i = 0
    while i < len(args):
        op = args[i]
        if op == '--node':
            name = args[i + 1]
            i += 2
            nid = node_id(name)
            if i < len(args) and args[i].isdigit():
                if nid and g.nodes[nid].get('lockdep_count') != args[i]:
                    failures.append('node %r has %s classes, expected %s' %
                                    (name, g.nodes[nid].get('lockdep_count'), args[i]))
                i += 1
        elif op == '--module':
            if not any(n.get('_module') == args[i + 1] for n in g.nodes.values()):
                failures.append('no cluster for module %r' % args[i + 1])
            i += 2
        elif op == '--in-module':
            nid = node_id(args[i + 1])
            if nid and g.nodes[nid].get('_module') != args[i + 2]:
                failures.append('node %r is in module %r, expected %r' %
                                (args[i + 1], g.nodes[nid].get('_module'), args[i + 2]))
            i += 3
        elif op == '--edge':
            a, b = args[i + 1], args[i + 2]
            i += 3
            attrs = edge(a, b)
            if attrs is None:
                failures.append('no edge %s -> %s' % (a, b))
            while i < len(args) and not args[i].startswith('--'):
                want = args[i]
                i += 1
                if attrs is None:
                    continue
                ok = {'cycle': attrs.get('lockdep_cycle') == '1',
                      'nocycle': 'lockdep_cycle' not in attrs,
                      'nesting': attrs.get('lockdep_nesting') == '1',
                      'closing': attrs.get('lockdep_reported_dependency') == '1'}.get(want)
                if want.startswith('count='):
                    ok = attrs.get('lockdep_count') == want[6:]
                if not ok:
                    failures.append('edge %s -> %s is not %s: %s' % (
                        a, b, want, {k: v for k, v in attrs.items() if k != 'tooltip'}))
        elif op == '--no-edge':
            ids = [by_name.get(args[i + 1], []), by_name.get(args[i + 2], [])]
            if any(e[0] in ids[0] and e[1] in ids[1] for e in g.edges):
                failures.append('unexpected edge %s -> %s' % (args[i + 1], args[i + 2]))
            i += 3
        elif op == '--stack':
            attrs = edge(args[i + 1], args[i + 2])
            frames = (attrs or {}).get('lockdep_stack', '').split('\n')
            if not any(re.search(args[i + 3], f) for f in frames):
                failures.append('edge %s -> %s: no frame matches %r in %r' %
                                (args[i + 1], args[i + 2], args[i + 3], frames))
            i += 4
        elif op in ('--reported', '--not-reported'):
            nid = node_id(args[i + 1])
            reported = nid is not None and g.nodes[nid].get('lockdep_reported') == '1'
            if reported != (op == '--reported'):
                failures.append('node %r: lockdep_reported is %s' % (args[i + 1], reported))
            i += 2
        elif op == '--graph':
            if g.graph_attrs.get(args[i + 1]) != args[i + 2]:
                failures.append('graph %s is %r, expected %r' %
                                (args[i + 1], g.graph_attrs.get(args[i + 1]), args[i + 2]))
            i += 3
        else:
            print('check_graph.py: unknown check %r' % op)
            return 2
    for f in failures:
        print('FAIL: ' + f)
    if not failures:
        print('graph ok: %d nodes, %d edges' % (len(g.nodes), len(g.edges)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
