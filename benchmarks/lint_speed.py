"""End-to-end timing of ``cdpctl lint`` on a generated 500-event plan, next to its baselines.

Usage: python benchmarks/lint_speed.py [--events 500] [--runs 7]

Every figure is the wall time of a fresh process (interpreter start-up, imports,
plan loading, all rules, report), best and median of ``--runs`` runs, measured in
one run side by side so that the ratios hold on a noisy machine:

* ``python -c pass``: the interpreter alone;
* ``cdpctl --version``: start-up of the command line;
* ``load only``: a process that imports the loader and loads the plan (the floor
  of any command reading this plan);
* ``cdpctl lint``: the whole lint run with the recommended rules (the target is
  under one second).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lint_plan_generator import plan_text  # noqa: E402


def timed(command: list[str], runs: int, cwd: str) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        samples.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode(errors='replace')}")
    return min(samples), statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time cdpctl lint end to end on a generated plan.")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    cdpctl = shutil.which("cdpctl") or ""
    base = [cdpctl] if cdpctl else [sys.executable, "-m", "cdpctl"]
    with tempfile.TemporaryDirectory() as tmp:
        plan = os.path.join(tmp, "plan.yaml")
        Path(plan).write_text(plan_text(args.events), encoding="utf-8")
        lines = len(Path(plan).read_text(encoding="utf-8").splitlines())
        load_only = [sys.executable, "-c", f"from cdpctl.loader import load_plan; load_plan({plan!r})"]
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("cdpctl --version", [*base, "--version"]),
            ("load only (import + load_plan)", load_only),
            ("cdpctl lint (recommended)", [*base, "lint", plan]),
        ]
        print(f"plan: {args.events} events, {lines} lines; {args.runs} runs each; wall time per process")
        results = {}
        for label, command in rows:
            best, median = timed(command, args.runs, tmp)
            results[label] = median
            print(f"  {label:<32} best {best * 1000:7.0f} ms   median {median * 1000:7.0f} ms")
        lint = results["cdpctl lint (recommended)"]
        load = results["load only (import + load_plan)"]
        print(f"lint / load-only ratio (median): {lint / load:.2f}x; lint rules + report add {1000 * (lint - load):.0f} ms")
        verdict = "under" if lint < 1.0 else "OVER"
        print(f"cdpctl lint median {lint:.3f} s: {verdict} the 1 s target")


if __name__ == "__main__":
    main()
