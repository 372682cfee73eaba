"""Throughput of `cdpctl validate` beside two baselines, on the same generated corpus, in one run.

    python benchmarks/validate_speed.py [--events 100000] [--baseline-events 10000] [--repeat 3]

Prints events per second (whole processes: start-up, reading and reporting included) of

* `orjson`     : a process that reads the file and parses each line with orjson (the floor of any validator);
* `jsonschema` : a process running the plain loop a team would write: orjson.loads, then the compiled
                 Draft-07 schema of the message's call (validators built once) with jsonschema.iter_errors;
* `cdpctl -j1` : `cdpctl validate --jobs 1 --format json`;
* `cdpctl -j2` : `cdpctl validate --jobs 2 --format json`;

both by wall-clock time and by CPU time (user + system, workers included: the fair figure on a busy machine),
then the ratios the project tracks, and the peak memory (max RSS) of `cdpctl validate` on the corpus and on
the corpus read four times over (flat memory).  The jsonschema loop is timed on the first --baseline-events
lines of the corpus (it is slow); every figure is events per second, so they compare.
Each timing is the best of --repeat runs (the machine may be shared and noisy).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

ORJSON_LOOP = """
import sys, orjson
n = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        orjson.loads(line)
        n += 1
print(n)
"""

JSONSCHEMA_LOOP = """
import json, sys, orjson
from jsonschema import Draft7Validator, FormatChecker
bundle = json.load(open(sys.argv[2]))
validators = {(s["type"], s.get("event")): Draft7Validator(s["schema"], format_checker=FormatChecker()) for s in bundle["schemas"]}
n = invalid = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        message = orjson.loads(line)
        kind = message.get("type")
        name = message.get("event") if kind == "track" else message.get("name") if kind in ("page", "screen") else None
        validator = validators.get((kind, name))
        errors = list(validator.iter_errors(message)) if validator is not None else ["unplanned"]
        invalid += bool(errors)
        n += 1
print(n, invalid)
"""


def run(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, with the worker processes) and peak RSS (KiB) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"failed ({code}): {' '.join(command)}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def best(command: list[str], repeat: int) -> tuple[float, float, int]:
    """The best wall time, the best CPU time and the largest peak RSS of ``repeat`` runs."""
    runs = [run(command) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--baseline-events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args()
    python = sys.executable
    cdpctl = [python, "-m", "cdpctl"]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        subprocess.run([python, str(HERE / "validate_corpus.py"), str(work), "--events", str(args.events)], check=True)
        corpus = work / "events.ndjson"
        plan = work / "plan.yaml"
        bundle = work / "bundle.json"
        with open(bundle, "w") as out:
            subprocess.run([*cdpctl, "compile", str(plan)], stdout=out, check=True)
        prefix = work / "prefix.ndjson"
        with open(corpus, "rb") as src, open(prefix, "wb") as dst:
            for number, line in enumerate(src):
                if number >= args.baseline_events:
                    break
                dst.write(line)
        size = corpus.stat().st_size
        print(f"corpus: {args.events:,} events, {size / 1e6:.1f} MB, plan of 24 events + identify + 3 pages, ~5% invalid")
        print(f"cores: {os.cpu_count()}, best of {args.repeat} runs each (CPU: user + system time of the process and its workers)\n")

        load = os.getloadavg()[0]
        validate = [*cdpctl, "validate", str(corpus), "--plan", str(plan), "--format", "json", "--no-progress"]
        runs = {
            "orjson parse only": (best([python, "-c", ORJSON_LOOP, str(corpus)], args.repeat), args.events),
            f"jsonschema loop ({args.baseline_events:,} lines)": (
                best([python, "-c", JSONSCHEMA_LOOP, str(prefix), str(bundle)], 1),
                args.baseline_events,
            ),
            "cdpctl validate --jobs 1": (best([*validate, "--jobs", "1"], args.repeat), args.events),
            "cdpctl validate --jobs 2": (best([*validate, "--jobs", "2"], args.repeat), args.events),
        }
        _, _, rss4 = run([*cdpctl, "validate", *[str(corpus)] * 4, "--plan", str(plan), "--format", "json", "--no-progress", "--jobs", "1"])
        load = max(load, os.getloadavg()[0])

        width = max(len(name) for name in runs)
        print(f"{'':<{width}}  {'events/s (wall)':>16}  {'events/s (CPU)':>15}")
        wall: dict[str, float] = {}
        cpu: dict[str, float] = {}
        for name, ((seconds, cpu_seconds, _), events) in runs.items():
            wall[name] = events / seconds
            cpu[name] = events / cpu_seconds
            print(f"{name:<{width}}  {wall[name]:>16,.0f}  {cpu[name]:>15,.0f}")
        names = list(runs)
        orjson_name, plain_name, one_name, two_name = names
        rss1 = runs[one_name][0][2]
        print()
        print(f"{'ratio':<32} {'wall':>7} {'CPU':>7}")
        for label, a, b, target in (
            ("cdpctl -j1 / jsonschema loop", one_name, plain_name, ">= 50x"),
            ("cdpctl -j1 / orjson parsing", one_name, orjson_name, ">= 0.5x (ajv ~0.44x)"),
        ):
            print(f"{label:<32} {wall[a] / wall[b]:>6.2f}x {cpu[a] / cpu[b]:>6.2f}x   target {target}")
        print(f"{'cdpctl -j2 / cdpctl -j1':<32} {wall[two_name] / wall[one_name]:>6.2f}x {'':>7}   target >= 1.7x on 2 cores (wall)")
        print(f"\npeak memory of -j1: {rss1 / 1024:.0f} MiB on {size / 1e6:.0f} MB, {rss4 / 1024:.0f} MiB on 4x that")
        print(f"load average during the run: up to {load:.1f} on {os.cpu_count()} cores (CPU figures are the fair ones when it exceeds the cores)")


if __name__ == "__main__":
    main()
