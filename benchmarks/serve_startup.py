"""Start and stop time of ``cdpctl serve`` on generated plans of growing size, in one run.

    python benchmarks/serve_startup.py                      # 100, 1,000 and 5,000 events, best of 3
    python benchmarks/serve_startup.py --events 100 5000 --repeat 5

For each plan (written by ``benchmarks/lint_plan_generator.py``) it starts
``cdpctl serve PLAN --port 0 --no-live`` as a process and times:

* **start**: from launching the process until ``GET /healthz`` answers 200;
* **stop**: from sending SIGINT (what Ctrl+C sends) or SIGTERM until the process has exited,
  its report printed (it also checks the exit status, 0, and that stderr holds no traceback).

The first start of each plan is *cold* (an empty plan cache, in a temporary ``CDPCTL_CACHE_DIR``);
the others are *warm*.  Baselines in the same run: ``python -c pass`` and ``python -c "import uvicorn"``
(what any uvicorn service pays before serving).  Each figure is the best of ``--repeat`` runs, the
commands interleaved: the machine may be shared and noisy, so read the ratios.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "benchmarks" / "lint_plan_generator.py"


def _process_time(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return time.perf_counter() - start


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as answer:  # noqa: S310 - loopback only
            return bool(answer.status == 200)
    except OSError:
        return False


def serve_once(plan: Path, env: dict[str, str], sig: int) -> tuple[float, float]:
    """(start, stop) seconds of one ``cdpctl serve`` process; raises if it fails or prints a traceback."""
    command = [sys.executable, "-m", "cdpctl", "serve", str(plan), "--port", "0", "--no-live", "--format", "json"]
    began = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stderr is not None
    url = ""
    seen = []
    while not url:
        line = process.stderr.readline().decode()
        if not line:
            process.wait(60)
            raise SystemExit(f"serve exited {process.returncode} before listening: {''.join(seen)}")
        seen.append(line)
        if "listening on " in line:
            url = line.split("listening on ", 1)[1].split()[0]
    while not _healthy(url):
        if process.poll() is not None:
            raise SystemExit(f"serve exited {process.returncode} before /healthz answered")
        time.sleep(0.005)
    started = time.perf_counter() - began
    stopping = time.perf_counter()
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    stopped = time.perf_counter() - stopping
    text = "".join(seen) + err.decode(errors="replace")
    if process.returncode != 0 or "Traceback" in text or not out:
        raise SystemExit(f"serve stopped badly (exit {process.returncode}):\n{text}")
    return started, stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    python = sys.executable
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "cdpctl")], check=True)  # time imports, not compiling
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "GITHUB_ACTIONS": "", "CI": "", "CDPCTL_CACHE_DIR": str(work / "cache")}
        plans = {}
        for events in options.events:
            plans[events] = work / f"plan-{events}.yaml"
            subprocess.run([python, str(GENERATOR), str(plans[events]), "--events", str(events)], check=True)
        cold = {events: serve_once(plan, env, signal.SIGTERM) for events, plan in plans.items()}
        floor = {"python -c pass": float("inf"), 'python -c "import uvicorn"': float("inf")}
        start = {events: float("inf") for events in plans}
        stop = {events: float("inf") for events in plans}
        for round_ in range(options.repeat):
            floor["python -c pass"] = min(floor["python -c pass"], _process_time([python, "-c", "pass"], env))
            uvicorn = _process_time([python, "-c", "import uvicorn"], env)
            floor['python -c "import uvicorn"'] = min(floor['python -c "import uvicorn"'], uvicorn)
            for events, plan in plans.items():
                sig = signal.SIGINT if round_ % 2 == 0 else signal.SIGTERM
                started, stopped = serve_once(plan, env, sig)
                start[events] = min(start[events], started)
                stop[events] = min(stop[events], stopped)
    print(f"best of {options.repeat} (warm: the plan cache filled by the cold run)")
    for name, seconds in floor.items():
        print(f"  {name:34s} {seconds:6.3f} s")
    base = floor['python -c "import uvicorn"']
    print(f"  {'plan':>12s} {'cold start':>11s} {'warm start':>11s} {'/ import uvicorn':>17s} {'stop':>8s}")
    for events in plans:
        print(
            f"  {events:>5,} events {cold[events][0]:9.3f} s {start[events]:9.3f} s "
            f"{start[events] / base:16.1f}x {stop[events]:6.3f} s"
        )


if __name__ == "__main__":
    main()
