"""Start-up time of the command line: the fast path beside typer's parsing of the same command, in one run.

    python benchmarks/startup.py [--repeat 7]

Times whole processes (interpreter start included) on a one-line event file and the contract plan:

* `python -c 'import orjson'` : the floor (an interpreter that imports one extension module);
* `validate (fast path)`      : `python -m cdpctl validate ONE --plan PLAN --format json --no-progress --jobs 1`;
* `validate (typer)`          : the same command line parsed by the typer application (what every command line
                                the fast path does not take costs: typer, and pydantic for its arguments);
* `lint (fast path)` / `lint (typer)`: `cdpctl lint PLAN` the two ways;
* `compile (fast path)` / `compile (typer)`: `cdpctl compile PLAN -o DIR` the two ways;
* `schema (typer)`            : `cdpctl schema`, a command without a fast path.

Each figure is the best of --repeat runs, the commands interleaved (the machine may be shared and noisy);
the last column is the time above the floor.  Run from anywhere; it uses the repository it lives in.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
EVENTS = ROOT / "examples" / "events.ndjson"
TYPER = "import sys; from cdpctl.cli import build_app; sys.argv[0] = 'cdpctl'; build_app()()"


def _time(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    python = sys.executable
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GITHUB_ACTIONS": "", "CI": ""}
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "cdpctl")], check=True)  # time imports, not compiling
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        one = work / "one.ndjson"
        one.write_bytes(EVENTS.read_bytes().splitlines(keepends=True)[0])
        validate = ["validate", str(one), "--plan", str(PLAN), "--format", "json", "--no-progress", "--jobs", "1"]
        commands = {
            "python -c 'import orjson'": [python, "-c", "import orjson"],
            "validate (fast path)": [python, "-m", "cdpctl", *validate],
            "validate (typer)": [python, "-c", TYPER, *validate],
            "lint (fast path)": [python, "-m", "cdpctl", "lint", str(PLAN)],
            "lint (typer)": [python, "-c", TYPER, "lint", str(PLAN)],
            "compile (fast path)": [python, "-m", "cdpctl", "compile", str(PLAN), "-o", str(work / "schemas")],
            "compile (typer)": [python, "-c", TYPER, "compile", str(PLAN), "-o", str(work / "schemas")],
            "schema (typer)": [python, "-m", "cdpctl", "schema"],
        }
        best = {name: float("inf") for name in commands}
        for _ in range(options.repeat):
            for name, command in commands.items():
                best[name] = min(best[name], _time(command, work, env))
    floor = best["python -c 'import orjson'"]
    print(f"{'command':28s} {'best of ' + str(options.repeat):>12s} {'above floor':>12s}")
    for name, seconds in best.items():
        print(f"{name:28s} {seconds * 1000:10.0f} ms {(seconds - floor) * 1000:9.0f} ms")
    for command in ("validate", "lint", "compile"):
        fast, slow = best[f"{command} (fast path)"], best[f"{command} (typer)"]
        print(f"{command}: the fast path takes {fast / slow:.2f}x the time of typer's parsing ({(slow - fast) * 1000:.0f} ms less)")


if __name__ == "__main__":
    main()
