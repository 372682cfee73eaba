"""How fast `cdpctl coverage` and `cdpctl infer` read a log, beside `cdpctl validate` on the same log.

Usage: python benchmarks/coverage_infer_speed.py [--events 100000] [--runs 3]

Writes the validation benchmark's corpus (a 24-event plan and an NDJSON log with ~5% invalid messages),
then runs the three commands as whole processes, round after round, and prints each one's best time
and its ratio to `validate --jobs 1` (the machines are shared: compare ratios from the same run), and
the peak memory of each (ru_maxrss of the child).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(command: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(command, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(HERE / "validate_corpus.py"), tmp, "--events", str(args.events)], check=True)
        plan, log = str(Path(tmp) / "plan.yaml"), str(Path(tmp) / "events.ndjson")
        commands = {
            "validate -j1": [sys.executable, "-m", "cdpctl", "validate", log, "--plan", plan, "--jobs", "1", "-q", "--format", "json"],
            "coverage -j1": [sys.executable, "-m", "cdpctl", "coverage", plan, log, "--format", "json"],
            "coverage -j2": [sys.executable, "-m", "cdpctl", "coverage", plan, log, "--format", "json", "--jobs", "2"],
            "infer": [sys.executable, "-m", "cdpctl", "infer", log, "-o", str(Path(tmp) / "inferred.yaml")],
        }
        best: dict[str, float] = {}
        memory: dict[str, float] = {}
        for round_number in range(args.runs):
            for name, command in commands.items():
                elapsed, peak = run(command)
                best[name] = min(best.get(name, elapsed), elapsed)
                memory[name] = peak
            print(f"round {round_number + 1}: " + ", ".join(f"{n} {best[n]:.2f} s" for n in commands))
        base = best["validate -j1"]
        size = Path(log).stat().st_size / 1e6
        print(f"{args.events:,} events ({size:.0f} MB):")
        for name in commands:
            print(f"  {name:<13} best {best[name]:6.2f} s  {best[name] / base:5.2f}x validate -j1  "
                  f"{args.events / best[name]:>10,.0f} events/s")
        print(f"  peak memory of any child so far: {max(memory.values()):.0f} MiB")


if __name__ == "__main__":
    main()
