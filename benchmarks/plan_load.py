"""Cold plan loading next to libyaml composing the same file, on generated big plans.

Usage: python benchmarks/plan_load.py [--events 100 1000 5000] [--runs 3]

For each size, a plan of the shape of :mod:`big_plan_generator` is written and, in fresh
processes (best of ``--runs``), timed two ways:

* ``compose``: ``yaml.compose(text, Loader=yaml.CSafeLoader)``, libyaml alone (the baseline);
* ``load``: ``cdpctl.loader.load_plan`` (read, compose with positions, resolve, check).

It prints the ratio load / compose and the peak memory each adds (maximum resident set
size above the process's start), per event.
"""

from __future__ import annotations

import argparse
import json
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


def measure(mode: str, plan: str, runs: int) -> tuple[float, int]:
    """Best time and lowest peak (KB) of ``runs`` fresh processes."""
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", CHILD, mode, plan], capture_output=True, text=True, check=True)
        samples.append(json.loads(out.stdout))
    return min(s["seconds"] for s in samples), min(s["peak_kb"] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'events':>7} {'MB':>6} {'compose s':>10} {'load s':>8} {'ratio':>6} {'compose KB/ev':>14} {'load KB/ev':>11}")
    with tempfile.TemporaryDirectory() as folder:
        for events in args.events:
            plan = write_plan(str(Path(folder) / str(events)), events)
            size = Path(plan).stat().st_size / 1e6
            compose_s, compose_kb = measure("compose", plan, args.runs)
            load_s, load_kb = measure("load", plan, args.runs)
            print(
                f"{events:>7} {size:>6.1f} {compose_s:>10.2f} {load_s:>8.2f} {load_s / compose_s:>6.2f}"
                f" {compose_kb / events:>14.1f} {load_kb / events:>11.1f}"
            )


if __name__ == "__main__":
    main()
