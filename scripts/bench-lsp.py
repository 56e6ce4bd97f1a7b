#!/usr/bin/env python3
"""Time language servers over JSON-RPC, side by side: edit-to-diagnostics
latency, a burst of edits, a huge document blocking other requests, memory.

Usage: scripts/bench-lsp.py [--edits N] [--json] [--server NAME=CMD ...]

By default it compares `target/release/rdock lsp` with the reference server,
`dockerfile-language-server-nodejs` (`docker-langserver --stdio`), installed
with `--install` into target/bench-lsp via npm. Each server gets the same
client: initialize, open a document, then for each measurement send
`textDocument/didChange` (incremental: rewrite one word) and wait for the
`publishDiagnostics` that follows it (the one carrying that version when the
server sends versions; the next one otherwise).

Scenarios:
  small   the 59-line multi-stage file (examples/ + generated), N edits
  large   a generated 5,000-line multi-stage file, N/4 edits
  burst   50 edits sent at once to the 5,000-line file: time from the last
          edit to the last diagnostics (settled: nothing more for 1 s)
  huge    a 50,000-line file is opened; meanwhile a hover on a small open
          document is timed (is the server blocked?)
  actions 40 textDocument/codeAction requests at the cursor (one line,
          each time another) in the 5,000-line file, with the
          resolveSupport for edits that VS Code advertises: median and p99
  huge requests  on the 50,000-line file: outline (documentSymbol), code
          actions at a line, semantic tokens, formatting: time, answer size
          and the peak RSS while each ran
  memory  resident set size (VmRSS, process tree): idle after initialize;
          after the large scenario; after the huge one (with the requests
          above on it); the peak, sampled every 50 ms through all of them;
          and after closing every document (didClose), 2 s later
"""

import argparse
import json
import os
import queue
import shlex
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Server:
    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.q = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = out.read(length)
            self.q.put((time.perf_counter(), json.loads(body)))

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def wait(self, pred, timeout=120):
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("no answer within %ss" % timeout)
            t, msg = self.q.get(timeout=left)
            if "method" in msg and "id" in msg:  # a request from the server
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            if pred(msg):
                return t, msg

    def drain(self, quiet=1.0):
        """Read until nothing arrives for `quiet` seconds; the time of the last diagnostics."""
        last = None
        while True:
            try:
                t, msg = self.q.get(timeout=quiet)
            except queue.Empty:
                return last
            if "method" in msg and "id" in msg:
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            if msg.get("method") == "textDocument/publishDiagnostics":
                last = t

    def rss_kb(self):
        """VmRSS of the server and its children."""
        total = 0
        pids = [self.proc.pid]
        try:
            kids = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
            pids += [int(k) for k in kids]
        except OSError:
            pass
        for pid in pids:
            try:
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total

    def sample_peak(self):
        """Start sampling the RSS every 50 ms; returns stop(), which gives the peak in kB."""
        peak = [0]
        done = threading.Event()

        def run():
            while not done.is_set():
                peak[0] = max(peak[0], self.rss_kb())
                done.wait(0.05)

        t = threading.Thread(target=run, daemon=True)
        t.start()

        def stop():
            done.set()
            t.join()
            return max(peak[0], self.rss_kb())

        return stop

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def multi_stage(lines):
    """A multi-stage Dockerfile of about `lines` lines, with findings in it."""
    out = ["# syntax=docker/dockerfile:1", "ARG BASE=debian:bookworm-slim"]
    i = 0
    while len(out) < lines - 3:
        out += [
            "FROM ${BASE} AS Stage%d" % i,
            "ARG VERSION=1.%d" % i,
            "ENV PATH=/opt/s%d/bin:$PATH" % i,
            "WORKDIR /src/s%d" % i,
            "COPY --from=stage%d /out /in" % max(i - 1, 0) if i else "COPY . .",
            "RUN apt-get update && apt-get install -y curl \\",
            "    && make -j4 VERSION=${VERSION} \\",
            "    && rm -rf /var/lib/apt/lists/*",
            "",
        ]
        i += 1
    out += ["FROM scratch AS release", "COPY --from=stage%d /out /" % (i - 1), 'CMD ["/app"]']
    return "\n".join(out[:lines]) + "\n"


def pct(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


class Doc:
    def __init__(self, server, uri, text):
        self.s, self.uri, self.text, self.version = server, uri, text, 1
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 1, "text": text}})

    def diagnostics_pred(self, version):
        def pred(msg):
            if msg.get("method") != "textDocument/publishDiagnostics":
                return False
            p = msg["params"]
            if p["uri"] != self.uri:
                return False
            return p.get("version") is None or p["version"] >= version
        return pred

    def edit(self):
        """Rewrite the last character of the `ARG BASE=` line (x, y, x, ...): a one-character edit that changes the text every time."""
        self.version += 1
        line = 1
        old = self.text.split("\n")[line]
        col = len(old) - 1
        ch = "x" if self.version % 2 else "y"
        self.s.notify("textDocument/didChange", {
            "textDocument": {"uri": self.uri, "version": self.version},
            "contentChanges": [{"range": {"start": {"line": line, "character": col},
                                          "end": {"line": line, "character": col + 1}}, "text": ch}]})
        lines = self.text.split("\n")
        lines[line] = old[:col] + ch
        self.text = "\n".join(lines)
        return self.version


def edit_latencies(server, uri, text, n):
    doc = Doc(server, uri, text)
    server.wait(doc.diagnostics_pred(1))
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        v = doc.edit()
        t1, _ = server.wait(doc.diagnostics_pred(v))
        times.append((t1 - t0) * 1000)
    return doc, times


def run_server(name, cmd, args, texts):
    res = {"server": name, "command": " ".join(cmd)}
    s = Server(cmd)
    s.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {
        "textDocument": {"publishDiagnostics": {"versionSupport": True},
                         "codeAction": {"resolveSupport": {"properties": ["edit"]},
                                        "codeActionLiteralSupport": {"codeActionKind": {"valueSet": [
                                            "quickfix", "refactor", "source"]}}}}}})
    s.wait(lambda m: m.get("id") == 1)
    s.notify("initialized", {})
    s.drain(0.5)
    res["memory_mb_idle"] = round(s.rss_kb() / 1024, 1)
    stop_sampling = s.sample_peak()

    _, t = edit_latencies(s, "file:///bench/small/Dockerfile", texts["small"], args.edits)
    res["small"] = {"lines": texts["small"].count("\n"), "edits": len(t),
                    "median_ms": statistics.median(t), "p99_ms": pct(t, 99)}

    doc, t = edit_latencies(s, "file:///bench/large/Dockerfile", texts["large"], max(args.edits // 4, 10))
    res["large"] = {"lines": texts["large"].count("\n"), "edits": len(t),
                    "median_ms": statistics.median(t), "p99_ms": pct(t, 99)}
    res["memory_mb_after_large"] = round(s.rss_kb() / 1024, 1)

    # Code actions at the cursor, as an editor asks on every cursor move.
    s.drain(0.3)
    times = []
    n_lines = texts["large"].count("\n")
    for k in range(40):
        line = (k * 997) % n_lines
        t0 = time.perf_counter()
        rid = s.request("textDocument/codeAction", {
            "textDocument": {"uri": doc.uri},
            "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
            "context": {"diagnostics": []}})
        t1, _ = s.wait(lambda m, rid=rid: m.get("id") == rid and "method" not in m, timeout=300)
        times.append((t1 - t0) * 1000)
    res["actions"] = {"lines": n_lines, "requests": len(times),
                      "median_ms": statistics.median(times), "p99_ms": pct(times, 99)}

    # Burst: 50 edits at once, then wait for the diagnostics of the last one.
    s.drain(0.3)
    for _ in range(50):
        last_version = doc.edit()
    t_last_edit = time.perf_counter()
    t_first, _ = s.wait(doc.diagnostics_pred(last_version), timeout=300)
    t_settled = s.drain(1.0) or t_first
    res["burst"] = {"edits": 50, "last_version_ms": (t_first - t_last_edit) * 1000,
                    "settled_ms": (max(t_settled, t_first) - t_last_edit) * 1000}

    # Huge: open 50,000 lines, then time a hover on the small document.
    huge = Doc(s, "file:///bench/huge/Dockerfile", texts["huge"])
    t0 = time.perf_counter()
    rid = s.request("textDocument/hover", {"textDocument": {"uri": "file:///bench/small/Dockerfile"},
                                            "position": {"line": 2, "character": 1}})
    huge_linted = huge.diagnostics_pred(1)
    seen = []

    def hover_answer(m):
        if huge_linted(m):
            seen.append(m)
        return m.get("id") == rid and "method" not in m

    t1, _ = s.wait(hover_answer, timeout=300)
    res["huge"] = {"lines": texts["huge"].count("\n"), "hover_on_other_doc_ms": (t1 - t0) * 1000}
    if not seen:
        s.wait(huge_linted, timeout=600)
    s.drain(0.5)
    res["memory_mb_peak_observed"] = round(s.rss_kb() / 1024, 1)

    # The huge file as an editor uses it: its outline, code actions at the
    # cursor, semantic tokens, formatting (each timed, with the peak RSS
    # while it ran); then every document is closed.
    res["huge_requests"] = {}
    for name, method, params in [
        ("outline", "textDocument/documentSymbol", {"textDocument": {"uri": huge.uri}}),
        ("code_actions", "textDocument/codeAction", {"textDocument": {"uri": huge.uri},
                                                     "range": {"start": {"line": 1000, "character": 0},
                                                               "end": {"line": 1000, "character": 0}},
                                                     "context": {"diagnostics": []}}),
        ("semantic_tokens", "textDocument/semanticTokens/full", {"textDocument": {"uri": huge.uri}}),
        ("formatting", "textDocument/formatting", {"textDocument": {"uri": huge.uri},
                                                   "options": {"tabSize": 4, "insertSpaces": True}}),
    ]:
        stop_request = s.sample_peak()
        t0 = time.perf_counter()
        rid = s.request(method, params)
        try:
            t1, msg = s.wait(lambda m, rid=rid: m.get("id") == rid and "method" not in m,
                             timeout=args.request_timeout)
        except (TimeoutError, queue.Empty):
            # No answer in time: say so, cancel it, and go on.
            s.notify("$/cancelRequest", {"id": rid})
            res["huge_requests"][name] = {"ms": None, "answer_kb": 0, "error": "timeout",
                                          "peak_mb": round(stop_request() / 1024, 1)}
            continue
        res["huge_requests"][name] = {
            "ms": round((t1 - t0) * 1000, 1),
            "answer_kb": round(len(json.dumps(msg.get("result"))) / 1024, 1),
            "error": "error" in msg,
            "peak_mb": round(stop_request() / 1024, 1),
        }
    res["memory_mb_after_huge_requests"] = round(s.rss_kb() / 1024, 1)
    for uri in ("file:///bench/small/Dockerfile", doc.uri, huge.uri):
        s.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    s.drain(2.0)
    res["memory_mb_after_close"] = round(s.rss_kb() / 1024, 1)
    res["memory_mb_peak"] = round(stop_sampling() / 1024, 1)
    s.close()
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--request-timeout", type=float, default=180,
                    help="seconds to wait for each request on the 50,000-line file")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--install", action="store_true", help="npm install the reference server into target/bench-lsp")
    ap.add_argument("--server", action="append", default=[], help="NAME=COMMAND (repeatable)")
    args = ap.parse_args()

    servers = []
    for spec in args.server:
        name, _, cmd = spec.partition("=")
        servers.append((name, shlex.split(cmd)))
    if not servers:
        rdock = os.path.join(ROOT, "target/release/rdock")
        if not os.path.exists(rdock):
            subprocess.run(["cargo", "build", "--release", "--manifest-path", os.path.join(ROOT, "Cargo.toml")], check=True)
        servers.append(("rdock", [rdock, "lsp"]))
        ref_dir = os.path.join(ROOT, "target/bench-lsp")
        ref = os.path.join(ref_dir, "node_modules/.bin/docker-langserver")
        if not os.path.exists(ref) and args.install:
            os.makedirs(ref_dir, exist_ok=True)
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", ref_dir,
                            "dockerfile-language-server-nodejs"], check=True)
        if os.path.exists(ref):
            servers.append(("dockerfile-language-server-nodejs", [ref, "--stdio"]))
        else:
            print("reference server skipped: %s missing (pass --install)" % ref, file=sys.stderr)

    texts = {"small": multi_stage(59), "large": multi_stage(5000), "huge": multi_stage(50000)}
    results = []
    for name, cmd in servers:
        results.append(run_server(name, cmd, args, texts))
        if not args.json:
            report(results[-1])
    if args.json:
        print(json.dumps(results, indent=2))


def report(r):
    print("== %s (%s)" % (r["server"], r["command"]), flush=True)
    for k in ("small", "large"):
        x = r[k]
        print("  %-6s %6d lines: edit->diagnostics median %8.2f ms  p99 %8.2f ms  (%d edits)"
              % (k, x["lines"], x["median_ms"], x["p99_ms"], x["edits"]))
    b = r["burst"]
    print("  burst  50 edits: last version's diagnostics %.1f ms after the last edit, settled %.1f ms"
          % (b["last_version_ms"], b["settled_ms"]))
    print("  huge   %d lines opened: hover on another document answered in %.1f ms"
          % (r["huge"]["lines"], r["huge"]["hover_on_other_doc_ms"]))
    a = r["actions"]
    print("  actions %d lines: code actions at the cursor median %.2f ms  p99 %.2f ms  (%d requests)"
          % (a["lines"], a["median_ms"], a["p99_ms"], a["requests"]))
    for name, q in r["huge_requests"].items():
        if q["ms"] is None:
            print("  huge   %-15s no answer in time  peak %.1f MB" % (name, q["peak_mb"]))
            continue
        print("  huge   %-15s %9.1f ms  %8.1f KB answer%s  peak %.1f MB"
              % (name, q["ms"], q["answer_kb"], " (error)" if q["error"] else "", q["peak_mb"]))
    print("  memory %.1f MB idle, %.1f MB after the 5,000-line file, %.1f MB after the 50,000-line one,"
          " %.1f MB after the requests on it, %.1f MB 2 s after closing them all; peak %.1f MB"
          % (r["memory_mb_idle"], r["memory_mb_after_large"], r["memory_mb_peak_observed"],
             r["memory_mb_after_huge_requests"], r["memory_mb_after_close"], r["memory_mb_peak"]))


if __name__ == "__main__":
    main()
