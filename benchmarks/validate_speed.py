"""Throughput of `cdpctl validate` beside three baselines, on the same generated corpus, in one run.

    python benchmarks/validate_speed.py [--events 300000] [--baseline-events 10000] [--plain-events 2000] [--repeat 3]
                                        [--invalid 0.05]

Prints events per second (whole processes: start-up, reading and reporting included) of

* `orjson parse only`   : a process that reads the file and parses each line with orjson (the floor of any
                          validator that must read JSON);
* `plain jsonschema`    : a process running the loop a team writes first by hand: `json.loads` each line, then
                          `jsonschema.validate(message, schema)` with the compiled schema of the message's call
                          (which checks the schema and builds a validator at every call, as `validate` does);
* `tuned jsonschema`    : the same loop tuned: orjson, and one prebuilt `Draft7Validator` per call (with a
                          `FormatChecker`), `iter_errors` for every message;
* `cdpctl -j1` / `-j2`  : `cdpctl validate --jobs 1|2 --format json`;

both by wall-clock time and by CPU time (user + system, workers included: the fair figure on a busy machine),
then the ratios the project tracks.  Then, inside one process (start-up excluded), `validate_lines` against an
orjson loop over the same lines, the start-up cost of `cdpctl validate` (a one-line file), and the peak memory
(max RSS) of `cdpctl validate` on the corpus and on the corpus read four times over (flat memory).
The jsonschema loops are timed on the first --baseline-events / --plain-events lines of the corpus (they are
slow); every figure is events per second, so they compare.  Each timing is the best of --repeat runs (the
machine may be shared and noisy; the two jsonschema loops run once).  The orjson loop, -j1 and -j2 run in
turn, round after round, and the ratios of each round (runs seconds apart) are printed with their median: on a
shared machine whose slow spells outlast a run, they are the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
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

PLAIN_LOOP = """
import json, sys
import jsonschema
bundle = json.load(open(sys.argv[2]))
schemas = {(s["type"], s.get("event")): s["schema"] for s in bundle["schemas"]}
n = invalid = 0
with open(sys.argv[1]) as f:
    for line in f:
        message = json.loads(line)
        kind = message.get("type")
        name = message.get("event") if kind == "track" else message.get("name") if kind in ("page", "screen") else None
        schema = schemas.get((kind, name))
        try:
            if schema is None:
                raise ValueError("unplanned")
            jsonschema.validate(message, schema)
        except (jsonschema.ValidationError, ValueError):
            invalid += 1
        n += 1
print(n, invalid)
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

IN_PROCESS = """
import resource, sys
from itertools import count, repeat
import orjson
from cdpctl.loader import load_plan
from cdpctl.validation import Validator, validate_lines
with open(sys.argv[1], "rb") as f:
    lines = [line for _, line in zip(range(int(sys.argv[3])), f)]
validator = Validator(load_plan(sys.argv[2]))
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
def parse():
    for line in lines:
        orjson.loads(line)
def check():
    validate_lines(validator, zip(lines, repeat("f"), count(1)))
best = {parse: 1e9, check: 1e9}
check()
for _ in range(int(sys.argv[4])):
    for fn in (parse, check):
        started = cpu()
        fn()
        best[fn] = min(best[fn], cpu() - started)
print(len(lines) / best[parse], len(lines) / best[check])
"""


def prefix_file(corpus: Path, target: Path, lines: int) -> Path:
    with open(corpus, "rb") as src, open(target, "wb") as dst:
        for number, line in enumerate(src):
            if number >= lines:
                break
            dst.write(line)
    return target


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
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--baseline-events", type=int, default=10_000, help="lines for the tuned jsonschema loop")
    parser.add_argument("--plain-events", type=int, default=2_000, help="lines for the plain jsonschema loop")
    parser.add_argument("--in-process-events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--invalid", type=float, default=0.05, help="share of invalid messages in the corpus")
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args()
    python = sys.executable
    cdpctl = [python, "-m", "cdpctl"]
    # byte-compile cdpctl first, as installing a package does (an editable install under
    # PYTHONDONTWRITEBYTECODE would compile every module from source at each start-up)
    import cdpctl as package

    subprocess.run([python, "-m", "compileall", "-q", str(Path(package.__file__).parent)], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        subprocess.run(
            [python, str(HERE / "validate_corpus.py"), str(work), "--events", str(args.events), "--invalid", str(args.invalid)],
            check=True,
        )
        corpus = work / "events.ndjson"
        plan = work / "plan.yaml"
        bundle = work / "bundle.json"
        with open(bundle, "w") as out:
            subprocess.run([*cdpctl, "compile", str(plan)], stdout=out, check=True)
        tuned_prefix = prefix_file(corpus, work / "prefix.ndjson", args.baseline_events)
        plain_prefix = prefix_file(corpus, work / "plain.ndjson", args.plain_events)
        one_line = prefix_file(corpus, work / "one.ndjson", 1)
        size = corpus.stat().st_size
        print(
            f"corpus: {args.events:,} events, {size / 1e6:.1f} MB, plan of 24 events + identify + 3 pages, "
            f"~{args.invalid:.0%} invalid"
        )
        print(
            f"cores: {os.cpu_count()}, best of {args.repeat} runs each (CPU: user + system time of the process and its workers)\n"
        )

        loads = [os.getloadavg()[0]]
        def validate(*paths: Path, jobs: int) -> list[str]:
            """The ``cdpctl validate`` command line timed here (JSON report, no progress bar)."""
            return [*cdpctl, "validate", *map(str, paths), "--plan", str(plan), "--format", "json", "--no-progress", "--jobs", str(jobs)]

        names = (
            "orjson parse only",
            f"plain jsonschema.validate loop ({args.plain_events:,} lines)",
            f"tuned jsonschema loop ({args.baseline_events:,} lines)",
            "cdpctl validate --jobs 1",
            "cdpctl validate --jobs 2",
        )
        orjson_name, plain_name, tuned_name, one_name, two_name = names
        runs = {
            plain_name: (best([python, "-c", PLAIN_LOOP, str(plain_prefix), str(bundle)], 1), args.plain_events),
            tuned_name: (
                best([python, "-c", JSONSCHEMA_LOOP, str(tuned_prefix), str(bundle)], 1),
                args.baseline_events,
            ),
        }
        loads.append(os.getloadavg()[0])
        # orjson, -j1 and -j2 interleaved, round after round: the three see the same load (a shared machine
        # has slow spells lasting longer than one run), and each round gives ratios of neighbouring runs
        orjson_runs, one_runs, two_runs = [], [], []
        for _ in range(args.repeat):
            orjson_runs.append(run([python, "-c", ORJSON_LOOP, str(corpus)]))
            one_runs.append(run(validate(corpus, jobs=1)))
            two_runs.append(run(validate(corpus, jobs=2)))
            loads.append(os.getloadavg()[0])
        for name, timed in ((orjson_name, orjson_runs), (one_name, one_runs), (two_name, two_runs)):
            runs[name] = (
                (min(r[0] for r in timed), min(r[1] for r in timed), max(r[2] for r in timed)),
                args.events,
            )
        startup = best(validate(one_line, jobs=1), args.repeat)
        in_process = subprocess.run(
            [python, "-c", IN_PROCESS, str(corpus), str(plan), str(args.in_process_events), str(max(5, args.repeat))],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        _, _, rss4 = run(validate(*[corpus] * 4, jobs=1))
        loads.append(os.getloadavg()[0])

        width = max(len(name) for name in runs)
        print(f"{'':<{width}}  {'events/s (wall)':>16}  {'events/s (CPU)':>15}")
        wall: dict[str, float] = {}
        cpu: dict[str, float] = {}
        for name in names:
            (seconds, cpu_seconds, _), events = runs[name]
            wall[name] = events / seconds
            cpu[name] = events / cpu_seconds
            print(f"{name:<{width}}  {wall[name]:>16,.0f}  {cpu[name]:>15,.0f}")
        rss1 = runs[one_name][0][2]
        print()
        print(f"{'ratio':<32} {'wall':>7} {'CPU':>7}")
        for label, a, b, target in (
            ("cdpctl -j1 / plain jsonschema", one_name, plain_name, "target >= 50x (the loop written first)"),
            ("cdpctl -j1 / tuned jsonschema", one_name, tuned_name, "target >= 50x (stricter reading: a tuned loop)"),
            ("cdpctl -j1 / orjson parsing", one_name, orjson_name, "target >= 0.5x (ajv ~0.44x)"),
            ("cdpctl -j2 / orjson parsing", two_name, orjson_name, ""),
            ("cdpctl -j2 / cdpctl -j1", two_name, one_name, "target >= 1.7x on 2 cores (wall; CPU: cost of splitting)"),
        ):
            print(f"{label:<32} {wall[a] / wall[b]:>6.2f}x {cpu[a] / cpu[b]:>6.2f}x   {target}")
        for label, (mine, theirs), index in (
            ("-j1 / orjson of each round (CPU)", (one_runs, orjson_runs), 1),
            ("-j2 / -j1 of each round (wall)", (two_runs, one_runs), 0),
        ):
            ratios = [other[index] / own[index] for own, other in zip(mine, theirs, strict=True)]
            shown = ", ".join(f"{ratio:.2f}x" for ratio in ratios)
            print(f"  {label}: {shown}; median {statistics.median(ratios):.2f}x")
        parse_rate, check_rate = (float(x) for x in in_process)
        print(
            f"\nin one process, start-up excluded ({args.in_process_events:,} lines, CPU, best of {max(5, args.repeat)}): "
            f"orjson loop {parse_rate:,.0f}/s, validate_lines {check_rate:,.0f}/s = {check_rate / parse_rate:.2f}x"
        )
        print(f"start-up of cdpctl validate (a one-line file): {startup[0]:.2f} s wall, {startup[1]:.2f} s CPU")
        print(f"peak memory of -j1: {rss1 / 1024:.0f} MiB on {size / 1e6:.0f} MB, {rss4 / 1024:.0f} MiB on 4x that")
        print(
            f"load average during the run: {min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} cores (CPU figures are the fair ones when it exceeds the cores)"
        )


if __name__ == "__main__":
    main()
