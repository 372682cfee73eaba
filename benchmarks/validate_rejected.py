"""Cost per message of the messages the fast path rejects, beside the reference route, in one run.

    python benchmarks/validate_rejected.py [--events 100000] [--repeat 9] [--dir DIR]

Generates the corpus of ``validate_corpus.py`` (or reuses DIR/plan.yaml and DIR/events.ndjson), splits
its lines by the fast path's verdict (``Accepted``; ``Partial``: a planned call whose fields or envelope
failed; ``Unplanned``: a right message of a call the plan does not have; ``None``: anything else), then
times, inside this process, per group:

* ``validate_lines``  : what ``cdpctl validate`` runs (first run with a fresh ``Validator``, and the best of
                        --repeat runs with a warm one);
* ``reference``       : the same records judged by the reference route alone (each line parsed whole, then
                        ``Validator.check_reference``: the envelope rules plus jsonschema on the compiled schema
                        of the call), recorded in a ``Report`` the same way;
* ``orjson.loads``    : parsing the lines, the floor of anything that reads them.

CPU time (``time.process_time``), microseconds per message; the machine may be shared and noisy, so the
best of the warm runs is the figure to compare.  Both routes must give the same report (checked).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import count, repeat
from pathlib import Path

import orjson

from cdpctl.loader import load_plan
from cdpctl.model import Plan
from cdpctl.validation import Report, Validator, validate_lines
from cdpctl.validation.engine import parse_json
from cdpctl.validation.fastpath import Accepted, Partial, Unplanned

HERE = Path(__file__).resolve().parent


def reference(validator: Validator, lines: list[bytes]) -> Report:
    report = Report()
    for number, raw in enumerate(lines, 1):
        message = parse_json(raw)
        report.record(message, validator.check_reference(message), "f", number)
    return report


def cpu(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--dir", type=Path, default=None, help="reuse (or write) the corpus here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp)
        if not (directory / "events.ndjson").exists():
            subprocess.run(
                [sys.executable, str(HERE / "validate_corpus.py"), str(directory), "--events", str(args.events)],
                check=True,
            )
        plan = load_plan(str(directory / "plan.yaml"))
        lines = (directory / "events.ndjson").read_bytes().splitlines(keepends=True)
    probe = Validator(plan)
    assert probe.fast is not None
    groups: dict[str, list[bytes]] = {"Partial": [], "Unplanned": [], "None": [], "Accepted": []}
    for line in lines:
        outcome = probe.fast.examine(line)
        kind = type(outcome).__name__ if isinstance(outcome, (Accepted, Partial, Unplanned)) else "None"
        groups[kind].append(line)
    groups["Accepted"] = groups["Accepted"][: max(len(groups["Partial"]), 5000)]
    print(f"{len(lines)} lines: " + ", ".join(f"{kind} {len(group)}" for kind, group in groups.items()))
    print(f"{'group':9s} {'n':>6s} {'validate_lines':>15s} {'(first run)':>12s} {'reference':>10s} {'ratio':>7s} {'orjson.loads':>13s}")
    for kind, group in groups.items():
        if group:
            print(measure(plan, kind, group, args.repeat))


def parse_each(lines: list[bytes]) -> None:
    """Parse every line, keeping none (a list of them all would time the allocator too)."""
    loads = orjson.loads
    for line in lines:
        loads(line)


def measure(plan: Plan, kind: str, group: list[bytes], repeats: int) -> str:
    """One row: the group's cost per message by each route."""
    records = list(zip(group, repeat("f"), count(1)))
    first = cpu(lambda: validate_lines(Validator(plan), records))
    warm = Validator(plan)
    fast = min(cpu(lambda: validate_lines(warm, records)) for _ in range(repeats))
    slow_validator = Validator(plan, fast=False)
    slow = min(cpu(lambda: reference(slow_validator, group)) for _ in range(max(1, repeats // 3)))
    floor = min(cpu(lambda: parse_each(group)) for _ in range(repeats))
    # validate_lines leaves the did-you-mean of unplanned names to add_hints (run on the merged report)
    assert warm.add_hints(validate_lines(warm, records)).to_json() == reference(slow_validator, group).to_json()
    per = 1e6 / len(group)
    return (
        f"{kind:9s} {len(group):6d} {fast * per:12.1f} us {first * per:9.1f} us {slow * per:7.1f} us "
        f"{slow / fast:6.1f}x {floor * per:10.1f} us"
    )

if __name__ == "__main__":
    main()
