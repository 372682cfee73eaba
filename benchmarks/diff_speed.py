"""End-to-end timing of ``cdpctl diff`` on two versions of a generated 500-event plan, next to its baselines.

Usage: python benchmarks/diff_speed.py [--events 500] [--runs 7]

Figures are wall times of fresh processes (best and median of ``--runs``),
measured side by side in one run so the ratios hold on a noisy machine:

* ``python -c pass``: the interpreter alone;
* ``cdpctl --version``: start-up of the command line;
* ``load both``: a process that loads OLD and NEW (the floor of any diff);
* ``cdpctl diff`` in text, json and markdown.

It also prints the in-process time of the comparison itself (``diff_plans``)
next to the time of loading the two plans, and how many changes were found.
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


def mutate(text: str) -> str:
    """A realistic pull request: a shared enum loses a value, a bound tightens, a version bump."""
    return (
        text.replace("enum: [USD, EUR, GBP, JPY]", "enum: [USD, EUR, GBP]")
        .replace("quantity: {type: integer, minimum: 1}", "quantity: {type: integer, minimum: 1, maximum: 999}")
        .replace("version: 1.0.0", "version: 2.0.0", 1)
    )


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
    parser = argparse.ArgumentParser(description="Time cdpctl diff end to end on a generated plan.")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    cdpctl = shutil.which("cdpctl")
    base = [cdpctl] if cdpctl else [sys.executable, "-m", "cdpctl"]
    with tempfile.TemporaryDirectory() as tmp:
        old, new = os.path.join(tmp, "old.yaml"), os.path.join(tmp, "new.yaml")
        text = plan_text(args.events)
        Path(old).write_text(text, encoding="utf-8")
        Path(new).write_text(mutate(text), encoding="utf-8")

        from cdpctl.diff import diff_plans
        from cdpctl.loader import load_plan

        start = time.perf_counter()
        old_plan, new_plan = load_plan(old), load_plan(new)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        found = diff_plans(old_plan, new_plan)
        compared = time.perf_counter() - start

        load_both = [sys.executable, "-c", f"from cdpctl.loader import load_plan; load_plan({old!r}); load_plan({new!r})"]
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("cdpctl --version", [*base, "--version"]),
            ("load both plans", load_both),
            ("cdpctl diff (text)", [*base, "diff", old, new]),
            ("cdpctl diff --format json", [*base, "diff", old, new, "--format", "json"]),
            ("cdpctl diff --format markdown", [*base, "diff", old, new, "--format", "markdown"]),
        ]
        print(f"plan: {args.events} events, {len(text.splitlines())} lines; {len(found)} changes found")
        print(f"in process: load both {loaded * 1000:.0f} ms, diff_plans {compared * 1000:.1f} ms")
        print(f"{'command':<32}{'best':>10}{'median':>10}{'x load':>9}")
        load_best = None
        for label, command in rows:
            best, median = timed(command, args.runs, tmp)
            if label == "load both plans":
                load_best = best
            ratio = f"{best / load_best:.2f}" if load_best else "-"
            print(f"{label:<32}{best * 1000:>8.0f}ms{median * 1000:>8.0f}ms{ratio:>9}")


if __name__ == "__main__":
    main()
