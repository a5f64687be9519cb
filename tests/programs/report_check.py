#!/usr/bin/env python3
"""Runs a command that prints lockdep reports and checks their JSON lines:
each parses, matches docs/report.schema.json, and says what the text report
says (titles in order, thread, locks, dependency edges, scenario, frames,
SUMMARY).

  report_check.py --schema FILE (--json FILE | --stream) [--status N]
                  [--symbolized] [--reports N] -- command [args...]

--json FILE: the JSON lines are in FILE (removed first), the text on stderr.
--stream:    report_format=json: stderr holds the JSON lines, and no text.
--symbolized: every frame of the program's own module has file and line,
             and the text shows each as (file:line).
"""
import argparse
import json
import os
import re
import subprocess
import sys

TITLES = re.compile(r"^(WARNING: .*(detected|!)|INFO: .*)$")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def validate(value, schema, root, where):
    if "$ref" in schema:
        ref = schema["$ref"]
        node = root
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        validate(value, node, root, where)
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "integer": int}
    if kind and not isinstance(value, types[kind]):
        fail(f"{where}: {value!r} is not of type {kind}")
    if kind == "integer" and isinstance(value, bool):
        fail(f"{where}: a boolean where an integer is required")
    if "enum" in schema and value not in schema["enum"]:
        fail(f"{where}: {value!r} not one of {schema['enum']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        fail(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                fail(f"{where}: lacks '{key}'")
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                validate(value[key], sub, root, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(item, schema["items"], root, f"{where}[{i}]")


def text_reports(text):
    """The text split into reports, each starting at its title line."""
    reports, current = [], None
    for line in text.splitlines():
        if TITLES.match(line):
            current = [line]
            reports.append(current)
        elif current is not None:
            current.append(line)
    return ["\n".join(r) + "\n" for r in reports]


def frames_of(report):
    for lock in report.get("locks", []) + report.get("held_locks", []):
        yield lock["at"]
    for dep in report.get("dependencies", []):
        yield from dep["frames"]
    yield from report.get("stack", [])
    if "at" in report:
        yield report["at"]


def check_frame(frame, text, symbolized, program):
    if "address" in frame:
        return
    function = frame.get("function")
    if function and function not in text:
        fail(f"frame function {function!r} is not in the text report")
    own = os.path.basename(frame["module"]) == program
    if symbolized and own and "file" in frame:
        if f"({frame['file']}:{frame['line']})" not in text:
            fail(f"({frame['file']}:{frame['line']}) is not in the text report")
        for inl in frame.get("inlined", []):
            if f"{inl['function']} [" not in text or f"({inl['file']}:{inl['line']})" not in text:
                fail(f"inlined frame {inl} is not in the text report")
    if not symbolized and "file" in frame:
        fail(f"frame {frame} has a file without the command's symbolizer")


def compare(report, text, symbolized, program):
    lines = text.splitlines()
    # Where the locks were taken is in the program, compiled with -g.
    for lock in report.get("locks", []) + report.get("held_locks", []):
        at = lock["at"]
        if symbolized and os.path.basename(at.get("module", "")) == program and "line" not in at:
            fail(f"lock {lock['name']} was taken at {at}, without file/line")
    if lines[0] != report["title"]:
        fail(f"title {report['title']!r} where the text has {lines[0]!r}")
    if report["thread"] not in text:
        fail(f"thread {report['thread']} is not in the text")
    for lock in report.get("locks", []) + report.get("held_locks", []):
        if f"{lock['address']} ({lock['name']})" not in text:
            fail(f"lock {lock['address']} ({lock['name']}) is not in the text")
    for dep in report.get("dependencies", []):
        if f"-> #{dep['index']} ({dep['to']}):" not in lines:
            fail(f"dependency #{dep['index']} ({dep['to']}) is not in the text")
        if not dep["frames"]:
            fail(f"dependency #{dep['index']} has no frames")
    for row in report.get("scenario", []):
        want = f"{row['op']}({row['lock']});"
        side = [l for l in lines if l.strip() == want and (len(l) - len(l.lstrip()) > 16) == (row["cpu"] == 1)]
        if not side:
            fail(f"scenario row {row} is not in the text")
    summary = [l for l in lines if l.startswith("SUMMARY: ")]
    if summary != [report["summary"]]:
        fail(f"summary {report['summary']!r} where the text has {summary}")
    for frame in frames_of(report):
        check_frame(frame, text, symbolized, program)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True)
    ap.add_argument("--json")
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--status", type=int)
    ap.add_argument("--symbolized", action="store_true")
    ap.add_argument("--reports", type=int, default=1)
    ap.add_argument("--program", help="the module whose frames must have lines")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if a.json and os.path.exists(a.json):
        os.remove(a.json)
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    err = run.stderr.decode(errors="replace")
    if a.status is not None and run.returncode != a.status:
        fail(f"exit status {run.returncode}, expected {a.status}\n{err}")
    schema = json.load(open(a.schema))
    if a.stream:
        json_lines = [l for l in err.splitlines() if l.startswith("{")]
        if [l for l in err.splitlines() if TITLES.match(l)]:
            fail("report_format=json printed text reports too")
    else:
        json_lines = open(a.json).read().splitlines()
    reports = []
    for i, line in enumerate(json_lines):
        try:
            reports.append(json.loads(line))
        except json.JSONDecodeError as e:
            fail(f"JSON line {i + 1} does not parse: {e}\n{line}")
        validate(reports[-1], schema, schema, f"report {i + 1}")
    if len(reports) != a.reports:
        fail(f"{len(reports)} JSON reports, expected {a.reports}")
    if not a.stream:
        texts = text_reports(err)
        if len(texts) != len(reports):
            fail(f"{len(texts)} text reports and {len(reports)} JSON lines")
        for report, text in zip(reports, texts):
            compare(report, text, a.symbolized, a.program)
    print(f"ok: {len(reports)} JSON report(s) parse, match the schema" +
          ("" if a.stream else " and the text"))


if __name__ == "__main__":
    main()
