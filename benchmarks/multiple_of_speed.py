"""What a price checked against ``multiple_of: 0.01`` costs, in one process: `validate_lines` against orjson.

    python benchmarks/multiple_of_speed.py [--events 20000] [--repeat 5]

Order events whose `total` is a price with two decimals (`19.99`), a plan that says `multiple_of: 0.01`:
the everyday case of a decimal divisor, which a binary double never divides exactly. Prints the CPU time
a message of `validate_lines` (the fast path and its generated checks) and of an orjson parse of the same
lines, best of `--repeat`, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from itertools import count, repeat
from pathlib import Path

import orjson

from cdpctl.loader import load_plan
from cdpctl.validation import Validator, validate_lines

PLAN = """\
plan: Shop
version: 1.0.0
events:
  Order Completed:
    properties:
      order_id: {type: string, required: true}
      total: {type: number, minimum: 0, multiple_of: 0.01, required: true}
"""


def corpus(events: int) -> list[bytes]:
    rng = random.Random(2)
    return [
        json.dumps({
            "type": "track", "event": "Order Completed", "userId": f"u{i}",
            "timestamp": f"2024-06-01T00:00:{i % 60:02d}.{i % 1000:03d}Z",
            "properties": {"order_id": f"o{i}", "total": round(rng.uniform(1, 500), 2)},
        }).encode() + b"\n"
        for i in range(events)
    ]  # fmt: skip


def best(function: object, repeat_count: int) -> float:
    timings = []
    for _ in range(repeat_count):
        start = time.process_time()
        function()  # type: ignore[operator]
        timings.append(time.process_time() - start)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plan_path = Path(tmp) / "plan.yaml"
        plan_path.write_text(PLAN)
        validator = Validator(load_plan(str(plan_path)))
    lines = corpus(args.events)
    report = validate_lines(validator, zip(lines, repeat("f"), count(1)), utf8=True)  # structs built
    assert report.summary()["valid"] == args.events, report.summary()

    def check() -> None:
        validate_lines(validator, zip(lines, repeat("f"), count(1)), utf8=True)

    def parse() -> None:
        for line in lines:
            orjson.loads(line)

    mine, theirs = best(check, args.repeat), best(parse, args.repeat)
    print(f"{args.events:,} order events, total a price against multiple_of: 0.01 (CPU, best of {args.repeat})")
    print(f"  validate_lines  {mine / args.events * 1e6:6.2f} µs a message")
    print(f"  orjson parse    {theirs / args.events * 1e6:6.2f} µs a message")
    print(f"  ratio           {theirs / mine:.2f}x orjson")


if __name__ == "__main__":
    main()
