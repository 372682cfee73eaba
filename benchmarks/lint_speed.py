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
import resource
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


def timed(command: list[str], runs: int, cwd: str) -> tuple[float, float, float]:
    """Best and median wall time, and median CPU time (user + system) of the child, in seconds."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode(errors='replace')}")
    return min(walls), statistics.median(walls), statistics.median(cpus)


PHASES = """
import json, sys, time
t0 = time.process_time()
import cdpctl.cli  # noqa: F401  (what every command pays)
t1 = time.process_time()
from cdpctl.loader import load_plan
plan = load_plan(sys.argv[1])
t2 = time.process_time()
from cdpctl.lint.config import load_lint_config
from cdpctl.lint.runner import lint_plan
config = load_lint_config()
t3 = time.process_time()
report = lint_plan(plan, config)
t4 = time.process_time()
print(json.dumps({"cli import": t1 - t0, "load plan": t2 - t1, "lint config": t3 - t2, "rules": t4 - t3,
                  "findings": len(report.findings)}))
"""


def phases(plan: str, runs: int, cwd: str) -> dict[str, float]:
    """Median CPU time of each phase, measured inside one process per run."""
    import json

    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", PHASES, plan], cwd=cwd, capture_output=True, text=True, check=True)
        for key, value in json.loads(done.stdout).items():
            samples.setdefault(key, []).append(value)
    return {key: statistics.median(values) for key, values in samples.items()}


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
            best, median, cpu = timed(command, args.runs, tmp)
            results[label] = (best, median, cpu)
            print(
                f"  {label:<32} wall best {best * 1000:6.0f} ms  median {median * 1000:6.0f} ms"
                f"   cpu median {cpu * 1000:6.0f} ms"
            )
        lint = results["cdpctl lint (recommended)"]
        load = results["load only (import + load_plan)"]
        print(
            f"lint / load-only (best wall): {lint[0] / load[0]:.2f}x; "
            f"rules, start-up and report add {1000 * (lint[0] - load[0]):.0f} ms"
        )
        verdict = "under" if lint[0] < 1.0 else "OVER"
        print(
            f"cdpctl lint end to end: best {lint[0]:.3f} s, median {lint[1]:.3f} s wall, "
            f"{lint[2]:.3f} s cpu: best run {verdict} the 1 s target"
        )
        split = phases(plan, args.runs, tmp)
        findings = int(split.pop("findings"))
        print(
            "in-process CPU split (median): "
            + ", ".join(f"{key} {value * 1000:.0f} ms" for key, value in split.items())
            + f" ({findings} findings)"
        )
        print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
