"""Throughput of `cdpctl validate` beside four baselines, on two generated corpora, side by side in one run.

    python benchmarks/validate_speed.py [--events 300000] [--small-events 300000] [--baseline-events 10000]
                                        [--plain-events 2000] [--repeat 3] [--invalid 0.05] [--corpus both]

The two corpora (about 5% invalid each):

* `larger`: 24 track events, identify and pages, messages of 500 to 2,000 bytes with nested products
  (`validate_corpus.py`);
* `small`: messages of 200 to 400 bytes, all six call types (page, screen, identify, group, alias and short
  track calls; `small_corpus.py`): there what every message costs, not its fields, sets the pace.

For each corpus it prints events per second (whole processes: start-up, reading and reporting included) of

* `orjson parse only`   : a process that reads the file and parses each line with orjson (the floor of any
                          validator that must read JSON);
* `plain jsonschema`    : the loop a team writes first by hand: `json.loads` each line, then
                          `jsonschema.validate(message, schema)` with the compiled schema of the message's call
                          (which checks the schema and builds a validator at every call, as `validate` does);
* `tuned jsonschema`    : the same loop tuned: orjson, and one prebuilt `Draft7Validator` per call (with a
                          `FormatChecker`), `iter_errors` for every message;
* `jsonschema-rs`       : orjson, then one prebuilt `jsonschema_rs` validator per call (formats checked),
                          `is_valid` for every message (the Rust validator; "not installed" without the
                          `jsonschema-rs` package);
* `cdpctl -j1` / `-j2`  : `cdpctl validate --jobs 1|2 --format json`;
* `two orjson loops`    : two copies of the orjson loop started at once, the pair's events over the time until
                          both end: what two independent processes get out of this machine's cores, so the
                          most any `--jobs 2` can reach here (on a VM whose two cores share a physical one, or
                          a host that is busy, it is well under 2x);

both by wall-clock time and by CPU time (user + system, workers included: the fair figure on a busy machine),
then the ratios the project tracks, the two corpora in two columns.  Then, inside one process (start-up
excluded), `validate_lines` against an orjson loop over the same lines; and, for the larger corpus, the
start-up cost of `cdpctl validate` (a one-line file) and the peak memory (max RSS) of `cdpctl validate` on
the corpus and on the corpus read four times over (flat memory).
The jsonschema loops are timed on the first --baseline-events / --plain-events lines of a corpus (they are
slow); every figure is events per second, so they compare.  Each timing is the best of --repeat runs (the
machine may be shared and noisy; the two jsonschema loops run once).  The orjson loop, jsonschema-rs, -j1
and -j2 run in turn, round after round, and the ratios of each round (runs seconds apart) are printed with
their median: on a shared machine whose slow spells outlast a run, they are the steadier figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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

CALL_KEY = """
def call_key(message):
    kind = message.get("type")
    return kind, message.get("event") if kind == "track" else message.get("name") if kind in ("page", "screen") else None
"""

PLAIN_LOOP = (
    CALL_KEY
    + """
import json, sys
import jsonschema
bundle = json.load(open(sys.argv[2]))
schemas = {(s["type"], s.get("event")): s["schema"] for s in bundle["schemas"]}
n = invalid = 0
with open(sys.argv[1]) as f:
    for line in f:
        message = json.loads(line)
        schema = schemas.get(call_key(message))
        try:
            if schema is None:
                raise ValueError("unplanned")
            jsonschema.validate(message, schema)
        except (jsonschema.ValidationError, ValueError):
            invalid += 1
        n += 1
print(n, invalid)
"""
)

JSONSCHEMA_LOOP = (
    CALL_KEY
    + """
import json, sys, orjson
from jsonschema import Draft7Validator, FormatChecker
bundle = json.load(open(sys.argv[2]))
validators = {(s["type"], s.get("event")): Draft7Validator(s["schema"], format_checker=FormatChecker()) for s in bundle["schemas"]}
n = invalid = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        message = orjson.loads(line)
        validator = validators.get(call_key(message))
        errors = list(validator.iter_errors(message)) if validator is not None else ["unplanned"]
        invalid += bool(errors)
        n += 1
print(n, invalid)
"""
)

RUST_LOOP = (
    CALL_KEY
    + """
import json, sys, orjson
import jsonschema_rs
bundle = json.load(open(sys.argv[2]))
validators = {(s["type"], s.get("event")): jsonschema_rs.validator_for(s["schema"], validate_formats=True) for s in bundle["schemas"]}
n = invalid = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        message = orjson.loads(line)
        validator = validators.get(call_key(message))
        invalid += validator is None or not validator.is_valid(message)
        n += 1
print(n, invalid)
"""
)

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

HAS_RUST = importlib.util.find_spec("jsonschema_rs") is not None

ORJSON, PLAIN, TUNED, RUST, ONE, TWO, PAIR = "orjson", "plain", "tuned", "rust", "j1", "j2", "pair"
LABELS = {
    ORJSON: "orjson parse only",
    PLAIN: "plain jsonschema.validate loop",
    TUNED: "tuned jsonschema loop",
    RUST: "jsonschema-rs + orjson loop",
    ONE: "cdpctl validate --jobs 1",
    TWO: "cdpctl validate --jobs 2",
    PAIR: "two orjson loops at once (both together)",
}

Timing = tuple[float, float, int]
"""Wall seconds, CPU seconds (user + system, workers included), peak RSS (KiB) of one process."""


@dataclass
class Corpus:
    """One generated corpus, its plan and compiled bundle, and what was measured on it."""

    name: str
    work: Path
    events: int
    rounds: dict[str, list[Timing]] = field(default_factory=dict)
    """The interleaved runs, round after round (orjson, jsonschema-rs, -j1, -j2)."""
    once: dict[str, tuple[Timing, int]] = field(default_factory=dict)
    """The slow loops, run once on a prefix: (timing, lines)."""
    in_process: tuple[float, float] = (0.0, 0.0)

    @property
    def lines(self) -> Path:
        return self.work / "events.ndjson"

    @property
    def plan(self) -> Path:
        return self.work / "plan.yaml"

    @property
    def bundle(self) -> Path:
        return self.work / "bundle.json"

    def rate(self, key: str, index: int) -> float | None:
        """Events per second of one measurement (``index`` 0: wall, 1: CPU), best of its runs."""
        if key in self.once:
            timing, lines = self.once[key]
            return lines / timing[index]
        runs = self.rounds.get(key)
        if not runs:
            return None
        return self.events * (2 if key == PAIR else 1) / min(run[index] for run in runs)

    def round_ratios(self, mine: str, theirs: str, index: int) -> list[float]:
        scale = (2 if mine == PAIR else 1) / (2 if theirs == PAIR else 1)
        return [
            scale * other[index] / own[index] for own, other in zip(self.rounds[mine], self.rounds[theirs], strict=True)
        ]


def prefix_file(corpus: Path, target: Path, lines: int) -> Path:
    with open(corpus, "rb") as src, open(target, "wb") as dst:
        for number, line in enumerate(src):
            if number >= lines:
                break
            dst.write(line)
    return target


def run(command: list[str]) -> Timing:
    """Wall seconds, CPU seconds (user + system, with the worker processes) and peak RSS (KiB) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"failed ({code}): {' '.join(command)}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def run_pair(command: list[str]) -> Timing:
    """Two copies of ``command`` started at once: wall seconds until both end, their CPU seconds, the larger RSS."""
    started = time.perf_counter()
    processes = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    usages = [os.wait4(process.pid, 0)[2] for process in processes]
    elapsed = time.perf_counter() - started
    return elapsed, sum(u.ru_utime + u.ru_stime for u in usages), max(u.ru_maxrss for u in usages)


def best(command: list[str], repeat: int) -> Timing:
    """The best wall time, the best CPU time and the largest peak RSS of ``repeat`` runs."""
    runs = [run(command) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs)


class Bench:
    """The command lines of one run and the corpora they measure."""

    def __init__(self, args: argparse.Namespace, root: Path) -> None:
        self.args = args
        self.python = sys.executable
        self.cdpctl = [self.python, "-m", "cdpctl"]
        self.root = root
        self.loads = [os.getloadavg()[0]]

    def validate(self, corpus: Corpus, *paths: Path, jobs: int) -> list[str]:
        """The ``cdpctl validate`` command line timed here (JSON report, no progress bar)."""
        return [
            *self.cdpctl, "validate", *map(str, paths), "--plan", str(corpus.plan),
            "--format", "json", "--no-progress", "--jobs", str(jobs),
        ]  # fmt: skip

    def make(self, name: str, script: str, events: int) -> Corpus:
        corpus = Corpus(name, self.root / name, events)
        command = [self.python, str(HERE / script), str(corpus.work), "--events", str(events)]
        subprocess.run([*command, "--invalid", str(self.args.invalid)], check=True)
        with open(corpus.bundle, "w") as out:
            subprocess.run([*self.cdpctl, "compile", str(corpus.plan)], stdout=out, check=True)
        return corpus

    def measure(self, corpus: Corpus) -> None:
        args, python = self.args, self.python
        tuned_prefix = prefix_file(corpus.lines, corpus.work / "prefix.ndjson", args.baseline_events)
        plain_prefix = prefix_file(corpus.lines, corpus.work / "plain.ndjson", args.plain_events)
        corpus.once[PLAIN] = (
            best([python, "-c", PLAIN_LOOP, str(plain_prefix), str(corpus.bundle)], 1),
            args.plain_events,
        )
        corpus.once[TUNED] = (
            best([python, "-c", JSONSCHEMA_LOOP, str(tuned_prefix), str(corpus.bundle)], 1),
            args.baseline_events,
        )
        self.loads.append(os.getloadavg()[0])
        # the fast ones interleaved, round after round: they see the same load (a shared machine has slow
        # spells lasting longer than one run), and each round gives ratios of neighbouring runs
        commands = {ORJSON: [python, "-c", ORJSON_LOOP, str(corpus.lines)]}
        if HAS_RUST:
            commands[RUST] = [python, "-c", RUST_LOOP, str(corpus.lines), str(corpus.bundle)]
        commands[ONE] = self.validate(corpus, corpus.lines, jobs=1)
        commands[TWO] = self.validate(corpus, corpus.lines, jobs=2)
        for _ in range(args.repeat):
            for key, command in commands.items():
                corpus.rounds.setdefault(key, []).append(run(command))
            corpus.rounds.setdefault(PAIR, []).append(run_pair(commands[ORJSON]))
            self.loads.append(os.getloadavg()[0])
        rounds = str(max(5, args.repeat))
        output = subprocess.run(
            [python, "-c", IN_PROCESS, str(corpus.lines), str(corpus.plan), str(args.in_process_events), rounds],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        parse_rate, check_rate = (float(x) for x in output)
        corpus.in_process = (parse_rate, check_rate)


def cell(value: float | None, suffix: str = "x") -> str:
    return "not installed" if value is None else f"{value:,.2f}{suffix}" if suffix else f"{value:,.0f}"


def ratio(corpus: Corpus, mine: str, theirs: str, index: int) -> float | None:
    a, b = corpus.rate(mine, index), corpus.rate(theirs, index)
    return None if a is None or b is None else a / b


def report(corpora: list[Corpus], args: argparse.Namespace) -> None:
    width = 44
    heads = "".join(f"  {c.name + ' (wall)':>16}  {c.name + ' (CPU)':>15}" for c in corpora)
    print(f"events/s{'':<{width - 8}}{heads}")
    for key, label in LABELS.items():
        shown = label
        if key in (PLAIN, TUNED):
            shown += f" ({corpora[0].once[key][1]:,} lines)"
        row = "".join(f"  {cell(c.rate(key, 0), ''):>16}  {cell(c.rate(key, 1), ''):>15}" for c in corpora)
        print(f"{shown:<{width}}{row}")
    print()
    heads = "".join(f"  {c.name + ' wall':>13} {c.name + ' CPU':>11}" for c in corpora)
    print(f"{'ratio':<{width}}{heads}   target")
    for label, mine, theirs, target in (
        ("cdpctl -j1 / orjson parsing", ONE, ORJSON, "small >= 0.6x (stretch 1x), larger >= 0.5x"),
        ("cdpctl -j2 / orjson parsing", TWO, ORJSON, ""),
        ("cdpctl -j1 / tuned jsonschema", ONE, TUNED, ">= 50x"),
        ("cdpctl -j1 / plain jsonschema", ONE, PLAIN, ">= 50x"),
        ("cdpctl -j1 / jsonschema-rs", ONE, RUST, ""),
        ("jsonschema-rs / orjson parsing", RUST, ORJSON, ""),
        ("cdpctl -j2 / cdpctl -j1", TWO, ONE, ">= 1.8x on 2 cores (wall)"),
        ("two orjson loops at once / one (the ceiling)", PAIR, ORJSON, "what the machine gives -j2"),
    ):
        row = "".join(f"  {cell(ratio(c, mine, theirs, 0)):>13} {cell(ratio(c, mine, theirs, 1)):>11}" for c in corpora)
        print(f"{label:<{width}}{row}   {target}")
    print()
    for corpus in corpora:
        for label, (mine, theirs), index in (
            ("-j1 / orjson of each round (CPU)", (ONE, ORJSON), 1),
            ("-j2 / -j1 of each round (wall)", (TWO, ONE), 0),
            ("two orjson loops / one, each round (wall)", (PAIR, ORJSON), 0),
        ):
            ratios = corpus.round_ratios(mine, theirs, index)
            shown = ", ".join(f"{r:.2f}x" for r in ratios)
            print(f"  {corpus.name:>6} {label}: {shown}; median {statistics.median(ratios):.2f}x")
        shares = [
            speedup / ceiling
            for speedup, ceiling in zip(
                corpus.round_ratios(TWO, ONE, 0), corpus.round_ratios(PAIR, ORJSON, 0), strict=True
            )
        ]
        shown = ", ".join(f"{share:.0%}" for share in shares)
        print(
            f"  {corpus.name:>6} -j2 speed-up as a share of the ceiling, each round: {shown}; median {statistics.median(shares):.0%}"
        )
    print(
        f"\nin one process, start-up excluded ({args.in_process_events:,} lines, CPU, best of {max(5, args.repeat)}):"
    )
    for corpus in corpora:
        parse_rate, check_rate = corpus.in_process
        print(
            f"  {corpus.name:>6}: orjson loop {parse_rate:,.0f}/s, validate_lines {check_rate:,.0f}/s"
            f" = {check_rate / parse_rate:.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=300_000, help="lines of the larger-message corpus")
    parser.add_argument("--small-events", type=int, default=300_000, help="lines of the small-message corpus")
    parser.add_argument("--corpus", choices=("both", "larger", "small"), default="both")
    parser.add_argument("--baseline-events", type=int, default=10_000, help="lines for the tuned jsonschema loop")
    parser.add_argument("--plain-events", type=int, default=2_000, help="lines for the plain jsonschema loop")
    parser.add_argument("--in-process-events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--invalid", type=float, default=0.05, help="share of invalid messages in the corpora")
    parser.add_argument("--keep", type=Path, help="write the corpora here and keep them")
    args = parser.parse_args()
    python = sys.executable
    # byte-compile cdpctl first, as installing a package does (an editable install under
    # PYTHONDONTWRITEBYTECODE would compile every module from source at each start-up)
    import cdpctl as package

    subprocess.run([python, "-m", "compileall", "-q", str(Path(package.__file__).parent)], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(args, args.keep or Path(tmp))
        corpora = []
        if args.corpus != "small":
            corpora.append(bench.make("larger", "validate_corpus.py", args.events))
        if args.corpus != "larger":
            corpora.append(bench.make("small", "small_corpus.py", args.small_events))
        for corpus in corpora:
            size = corpus.lines.stat().st_size
            print(
                f"{corpus.name} corpus: {corpus.events:,} events, {size / 1e6:.1f} MB ({size / corpus.events:.0f} bytes a line), ~{args.invalid:.0%} invalid"
            )
        print(
            f"cores: {os.cpu_count()}, best of {args.repeat} runs each (CPU: user + system time of the process and its workers)"
        )
        if not HAS_RUST:
            print("jsonschema-rs: not installed (pip install jsonschema-rs)")
        print()
        for corpus in corpora:
            bench.measure(corpus)
        first = corpora[0]
        startup = best(
            bench.validate(first, prefix_file(first.lines, first.work / "one.ndjson", 1), jobs=1), args.repeat
        )
        _, _, rss4 = run(bench.validate(first, *[first.lines] * 4, jobs=1))
        bench.loads.append(os.getloadavg()[0])
        report(corpora, args)
        rss1 = max(r[2] for r in first.rounds[ONE])
        print(f"start-up of cdpctl validate (a one-line file): {startup[0]:.2f} s wall, {startup[1]:.2f} s CPU")
        size = first.lines.stat().st_size
        print(
            f"peak memory of -j1 ({first.name} corpus): {rss1 / 1024:.0f} MiB on {size / 1e6:.0f} MB, {rss4 / 1024:.0f} MiB on 4x that"
        )
        loads = bench.loads
        print(
            f"load average during the run: {min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} cores (CPU figures are the fair ones when it exceeds the cores)"
        )


if __name__ == "__main__":
    main()
