#!/usr/bin/env python3
"""Parse Dockerfiles with BuildKit's own parser (PyPI `dockerfile`, which wraps
BuildKit v0.12.5's Go parser) and print one JSON object per file, one per line.

Used by tests/it/differential.rs as the ground truth for rdock's parser.
Usage: buildkit_oracle.py FILE...  (or file names on stdin with no arguments)
"""
import json
import sys

import dockerfile


def command(c):
    return {
        "cmd": c.cmd,
        "sub_cmd": c.sub_cmd,
        "json": c.json,
        "start_line": c.start_line,
        "end_line": c.end_line,
        "flags": list(c.flags),
        "value": list(c.value),
        "heredocs": [{"name": h.name, "content": h.content} for h in c.heredocs],
    }


def main():
    files = sys.argv[1:] or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    out = sys.stdout
    for path in files:
        try:
            cmds = [command(c) for c in dockerfile.parse_file(path)]
            out.write(json.dumps({"file": path, "ok": True, "commands": cmds}) + "\n")
        except dockerfile.GoParseError as e:
            out.write(json.dumps({"file": path, "ok": False, "error": str(e)}) + "\n")


if __name__ == "__main__":
    main()
