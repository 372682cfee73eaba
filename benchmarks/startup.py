"""Start-up time of the command line beside the interpreter and typer alone, in one run.

    python benchmarks/startup.py [--repeat 9]

Times whole processes (interpreter start included), the commands interleaved, best of --repeat each:

* `python -c pass`                : the interpreter alone;
* `python -c "import typer"`      : the interpreter and the command-line library (the baseline of the ratios);
* `cdpctl --version`              : the typer application built and one eager option answered;
* `cdpctl lint PLAN`              : the contract plan (7 calls) loaded and linted, the text report;
* `cdpctl validate TEN --plan PLAN`: a 10-line event file checked against that plan, the text report;
* `cdpctl schema`                 : a command that loads no plan (prints the plan format's JSON Schema).

The target (issue 20): each command within 3x of `import typer` alone.  Every command runs through the
one typer application (`python -m cdpctl`); heavy libraries are imported inside the commands that use them
(`tests/test_imports.py` checks which ones `import cdpctl.cli` and `cdpctl --version` leave out).
Run from anywhere; it uses the repository it lives in.
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
BASELINE = 'python -c "import typer"'


def _time(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    options = parser.parse_args()
    python = sys.executable
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GITHUB_ACTIONS": "", "CI": "", "NO_COLOR": "1"}
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "cdpctl")], check=True)  # time imports, not compiling
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        ten = work / "ten.ndjson"
        ten.write_bytes(b"".join(EVENTS.read_bytes().splitlines(keepends=True)[:10]))
        cdpctl = [python, "-m", "cdpctl"]
        commands = {
            "python -c pass": [python, "-c", "pass"],
            BASELINE: [python, "-c", "import typer"],
            "cdpctl --version": [*cdpctl, "--version"],
            "cdpctl lint PLAN": [*cdpctl, "lint", str(PLAN)],
            "cdpctl validate TEN --plan PLAN": [*cdpctl, "validate", str(ten), "--plan", str(PLAN)],
            "cdpctl schema": [*cdpctl, "schema"],
        }
        for command in commands.values():  # warm the file cache and any plan cache once, untimed
            _time(command, work, env)
        best = {name: float("inf") for name in commands}
        for _ in range(options.repeat):
            for name, command in commands.items():
                best[name] = min(best[name], _time(command, work, env))
    base = best[BASELINE]
    print(f"{'command':34s} {'best of ' + str(options.repeat):>11s} {'/ import typer':>15s}")
    for name, seconds in best.items():
        print(f"{name:34s} {seconds * 1000:8.0f} ms {seconds / base:14.2f}x")
    worst = max(best[name] / base for name in commands if name.startswith("cdpctl"))
    print(f"target: every command within 3x of {BASELINE}: {'met' if worst <= 3 else 'not met'} (worst {worst:.2f}x)")


if __name__ == "__main__":
    main()
