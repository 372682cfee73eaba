"""Plan loading, cold and warm, next to libyaml composing the same file, on generated big plans.

Usage: python benchmarks/plan_load.py [--events 100 1000 5000] [--runs 3]

For each size, a plan of the shape of :mod:`big_plan_generator` is written and, in fresh
processes (best of ``--runs``), timed three ways:

* ``compose``: ``yaml.compose(text, Loader=yaml.CSafeLoader)``, libyaml alone (the baseline);
* ``cold``: ``cdpctl.loader.load_plan`` with the plan cache off (read, compose with positions,
  resolve, check);
* ``warm``: ``cdpctl.loader.load_plan`` answered by the plan cache (a folder of this run, filled
  by one load before the timed ones): read and verify the entry and the plan's files, unpickle.

It prints each time, the ratios cold / compose and warm / compose, and the peak memory each
adds (maximum resident set size above the process's start), per event.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from big_plan_generator import write_plan  # noqa: E402

CHILD = """
import json, resource, sys, time
mode, path = sys.argv[1], sys.argv[2]
import yaml
from cdpctl.loader import load_plan
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if mode == "compose":
    with open(path, encoding="utf-8") as handle:
        yaml.compose(handle.read(), Loader=yaml.CSafeLoader)
else:
    load_plan(path)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
print(json.dumps({"seconds": elapsed, "peak_kb": peak}))
"""


def measure(mode: str, plan: str, runs: int, cache: str) -> tuple[float, int]:
    """Best time and lowest peak (KB) of ``runs`` fresh processes (``warm``: after one untimed load)."""
    env = {**os.environ, "CDPCTL_CACHE_DIR": cache}
    env.pop("CDPCTL_NO_CACHE", None)
    if mode == "cold":
        env["CDPCTL_NO_CACHE"] = "1"
    command = [sys.executable, "-c", CHILD, mode, plan]
    if mode == "warm":
        subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    samples = []
    for _ in range(runs):
        out = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
        samples.append(json.loads(out.stdout))
    return min(s["seconds"] for s in samples), min(s["peak_kb"] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'events':>7} {'MB':>5} {'compose s':>9} {'cold s':>6} {'/comp':>5} {'warm s':>6} {'/comp':>5}"
        f" {'compose KB/ev':>13} {'cold KB/ev':>10} {'warm KB/ev':>10}"
    )
    with tempfile.TemporaryDirectory() as folder:
        cache = str(Path(folder) / "cache")
        for events in args.events:
            plan = write_plan(str(Path(folder) / str(events)), events)
            size = Path(plan).stat().st_size / 1e6
            compose_s, compose_kb = measure("compose", plan, args.runs, cache)
            cold_s, cold_kb = measure("cold", plan, args.runs, cache)
            warm_s, warm_kb = measure("warm", plan, args.runs, cache)
            print(
                f"{events:>7} {size:>5.1f} {compose_s:>9.2f} {cold_s:>6.2f} {cold_s / compose_s:>5.2f}"
                f" {warm_s:>6.2f} {warm_s / compose_s:>5.2f}"
                f" {compose_kb / events:>13.1f} {cold_kb / events:>10.1f} {warm_kb / events:>10.1f}"
            )


if __name__ == "__main__":
    main()
