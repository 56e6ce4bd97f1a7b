#!/usr/bin/env python3
"""bench-engines.py: the same `rdock verify` pairs on BuildKit (Docker) and on
rdock's embedded engine, side by side in one run, with medians.

Usage: scripts/bench-engines.py [--runs N] [--steps N]   (default 3 runs, 20 steps)

For each pair (the seed pair, and the vendor and site pairs of
tests/fixtures/engine/bench) and each engine it runs `rdock verify A
--against B --runs N` (alternating builds, medians) and prints the verdict,
the original's and the rewrite's build times (steps only), the whole
command's wall time and the speed-up. Then the per-step overhead: a file of
N trivial `RUN true` steps built the same way, its build time over N.
Needs the engine of `scripts/engine.sh --debian --buildkitd` (Docker, and
the OCI layouts the embedded engine reads its base images from) and root.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
F = os.path.join(ROOT, "tests/fixtures/engine")


def engine_env():
    env = dict(os.environ)
    if "DOCKER_HOST" not in env:
        path = os.environ.get("RDOCK_ENGINE_ENV", "/opt/rdock-engine/env")
        if os.path.exists(path):
            for line in open(path):
                line = line.strip()
                if line.startswith("export ") and "=" in line:
                    k, v = line[len("export "):].split("=", 1)
                    env[k] = v.strip('"')
    return env


def verify(rdock, engine, a, b, ctx, runs, layouts, env):
    cmd = [rdock, "verify", a, "--against", b, "--context", ctx, "--runs", str(runs),
           "--output-format", "json", "--engine", engine]
    if engine == "embedded":
        cmd += ["--image", f"debian:12.4={layouts}/debian-12.4", "--image", f"busybox={layouts}/busybox"]
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.monotonic() - start
    if p.returncode > 1:
        return None, wall, p.stderr.strip().splitlines()[-1:] or ["failed"]
    return json.loads(p.stdout), wall, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    args = ap.parse_args()
    env = engine_env()
    layouts = env.get("RDOCK_ENGINE_LAYOUTS", "/opt/rdock-engine/layouts")
    subprocess.run(["cargo", "build", "--quiet", "--locked"], cwd=ROOT, check=True)
    rdock = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug/rdock")
    pairs = [
        ("seed", f"{F}/seed/serial.Dockerfile", f"{F}/seed/parallel.Dockerfile", f"{F}/seed"),
        ("vendor", f"{F}/bench/vendor-serial.Dockerfile", f"{F}/bench/vendor-parallel.Dockerfile", f"{F}/bench/context"),
        ("site", f"{F}/bench/site-serial.Dockerfile", f"{F}/bench/site-parallel.Dockerfile", f"{F}/bench/context"),
    ]
    print(f"{'pair':8} {'engine':9} {'verdict':8} {'original s':>10} {'rewrite s':>10} {'speed-up':>9} {'crit. s':>8} {'verify wall s':>14}")
    for name, a, b, ctx in pairs:
        for engine in ("docker", "embedded"):
            v, wall, err = verify(rdock, engine, a, b, ctx, args.runs, layouts, env)
            if v is None:
                print(f"{name:8} {engine:9} failed: {err[0]}")
                continue
            o, r = v["original"]["median_s"], v["rewrite"]["median_s"]
            print(f"{name:8} {engine:9} {v['verdict']:8} {o:10.2f} {r:10.2f} {o / r:8.2f}x "
                  f"{v['rewrite']['critical_path_s']:8.2f} {wall:14.2f}")
    # Per-step overhead: N trivial steps.
    with tempfile.TemporaryDirectory() as d:
        df = os.path.join(d, "Dockerfile")
        with open(df, "w") as f:
            f.write("FROM busybox\n" + "".join(f"RUN true {i}\n" for i in range(args.steps)))
        print(f"\nper-step overhead ({args.steps} `RUN true` steps, median of {args.runs} builds):")
        for engine in ("docker", "embedded"):
            v, wall, err = verify(rdock, engine, df, df, d, args.runs, layouts, env)
            if v is None:
                print(f"  {engine:9} failed: {err[0]}")
                continue
            times = v["original"]["build_s"] + v["rewrite"]["build_s"]
            med = statistics.median(times)
            print(f"  {engine:9} {med:6.2f} s build, {1000 * med / args.steps:7.1f} ms per step")
    print(f"\nmedians of {args.runs} alternating runs per side; build = first step start to last step end "
          "(exports excluded); verify wall = the whole `rdock verify` command (2N+1 builds, exports, comparison)")


if __name__ == "__main__":
    sys.exit(main())
