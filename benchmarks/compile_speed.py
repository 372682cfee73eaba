"""End-to-end timing of ``cdpctl compile`` on a generated plan, next to its baselines.

Usage: python benchmarks/compile_speed.py [--events 500] [--runs 5]

Every figure is the wall time of a fresh process, best and median of ``--runs``
runs, measured side by side in one run so the ratios hold on a noisy machine:

* ``python -c pass``: the interpreter alone;
* ``cdpctl --version``: start-up of the command line;
* ``cdpctl compile --out DIR``: load the plan, compile every call, write the files;
* ``cdpctl compile`` (bundle on stdout).

The generated plan uses every feature that costs work: shared properties refined
per event, a reusable type in an array, inline objects, formats and enums.
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


def plan_text(events: int) -> str:
    lines = [
        "plan: Benchmark",
        "version: 1.0.0",
        "properties:",
        "  order_id: {type: string, min_length: 1, description: Order id.}",
        "  currency: {type: string, enum: [USD, EUR, GBP]}",
        "  price: {type: number, minimum: 0}",
        "  email: {type: string, format: email}",
        "types:",
        "  product:",
        "    properties:",
        "      product_id: {type: string, required: true}",
        "      price: {required: true}",
        "      quantity: {type: integer, minimum: 1}",
        "      url: {type: string, format: uri}",
        "events:",
    ]
    for n in range(events):
        lines += [
            f"  Event Number {n} Happened:",
            f"    description: Event {n}.",
            "    properties:",
            "      order_id: {required: true}",
            "      currency: {}",
            "      email: {}",
            "      total: {type: number, minimum: 0, required: true}",
            "      placed_at: {type: string, format: date-time}",
            "      products: {type: array, items: product, min_items: 1}",
            "      meta:",
            "        type: object",
            "        properties:",
            "          source: {type: string, enum: [web, ios, android]}",
            "          attempt: {type: integer, minimum: 1}",
        ]
    lines += ["identify:", "  traits:", "    email: {}", "pages:", "  Home: {}"]
    return "\n".join(lines) + "\n"


def timed(command: list[str], runs: int, cwd: str) -> tuple[float, float]:
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        walls.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode(errors='replace')}")
    return min(walls), statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time cdpctl compile end to end on a generated plan.")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cdpctl = shutil.which("cdpctl")
    base = [cdpctl] if cdpctl else [sys.executable, "-m", "cdpctl"]
    with tempfile.TemporaryDirectory() as tmp:
        plan = os.path.join(tmp, "plan.yaml")
        with open(plan, "w", encoding="utf-8") as handle:
            handle.write(plan_text(args.events))
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("cdpctl --version", [*base, "--version"]),
            (
                f"cdpctl compile --out ({args.events} events)",
                [*base, "compile", plan, "--out", os.path.join(tmp, "out")],
            ),
            (f"cdpctl compile > bundle ({args.events} events)", [*base, "compile", plan]),
        ]
        results = [(label, *timed(command, args.runs, tmp)) for label, command in rows]
    baseline = results[1][1]
    print(f"{'command':<44} {'best s':>8} {'median s':>9} {'x --version':>12}")
    for label, best, median in results:
        print(f"{label:<44} {best:>8.3f} {median:>9.3f} {best / baseline:>12.2f}")
    print()
    print(f"phases in one process ({args.events} events), best of {args.runs}:")
    for phase, seconds in phases(plan_text(args.events), args.runs).items():
        print(f"  {phase:<24} {seconds:>8.3f} s")


def phases(text: str, runs: int) -> dict[str, float]:
    """Best time of each phase of a compile, measured inside one process."""
    from cdpctl.compiler import compile_plan, dumps, write_compiled
    from cdpctl.loader import load_plan_text

    best: dict[str, float] = {}
    for _ in range(runs):
        start = time.perf_counter()
        plan = load_plan_text(text, "plan.yaml")
        loaded = time.perf_counter()
        compiled = compile_plan(plan)
        done = time.perf_counter()
        dumps(compiled.bundle())
        dumped = time.perf_counter()
        with tempfile.TemporaryDirectory() as out:
            write_compiled(compiled, out)
        written = time.perf_counter()
        for name, seconds in (
            ("load and resolve", loaded - start),
            ("compile", done - loaded),
            ("bundle JSON text", dumped - done),
            ("write files", written - dumped),
        ):
            best[name] = min(best.get(name, seconds), seconds)
    return best


if __name__ == "__main__":
    main()
