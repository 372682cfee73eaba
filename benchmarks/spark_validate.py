"""Throughput of ``cdpctl validate --engine spark`` next to ``--jobs 2``, and how Spark's grows with partitions.

Generates one corpus of gzip NDJSON (the acme-shop plan, about 5% invalid
messages, a few malformed lines), then reports in one run:

1. end to end, as processes (start-up, reading and reporting included):
   ``cdpctl validate --jobs 1``, ``--jobs 2`` and ``--engine spark --spark-master local[2]``;
2. inside one warm Spark session (JVM and Python workers already up): events/s
   for the same events spread over 1, 2, 4, 8 and 16 gzip files (one partition a file).

Each figure is the best of ``--repeat`` runs (the machine is shared and noisy).
Every run must give the same summary; the script checks it.

Usage: python benchmarks/spark_validate.py [--events 300000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
PARTITIONS = (1, 2, 4, 8, 16)

ORDER: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u-1",
    "timestamp": "2024-05-01T10:00:00Z",
    "context": {"library": {"name": "analytics.js", "version": "2.11.1"}, "ip": "203.0.113.7"},
    "properties": {
        "order_id": "o-1",
        "total": 25.5,
        "currency": "EUR",
        "coupon": None,
        "products": [{"product_id": "p-1", "price": 12.75, "quantity": 2}, {"product_id": "p-2", "price": 0.5}],
        "placed_at": "2024-05-01T09:59:58Z",
    },
}


def event(rng: random.Random, index: int) -> bytes:
    roll = rng.random()
    if roll < 0.002:
        return b'{"type":"track","event":"Order Completed",'  # malformed
    if roll < 0.25:
        message: dict[str, Any] = {
            "type": "identify",
            "userId": f"u-{index}",
            "traits": {"email": f"user{index}@example.com", "plan": rng.choice(["free", "pro", "enterprise"])},
        }
    elif roll < 0.35:
        message = {"type": "page", "name": "Pricing", "anonymousId": f"a-{index}", "properties": {"path": "/pricing"}}
    else:
        message = copy.deepcopy(ORDER)
        message["userId"] = f"u-{index}"
        message["properties"]["order_id"] = f"o-{index}"
        message["properties"]["total"] = round(rng.uniform(1, 500), 2)
    if rng.random() < 0.05:  # about 5% invalid
        if message["type"] == "track":
            message["properties"]["currency"] = "JPY"
        elif message["type"] == "identify":
            message["traits"]["email"] = "not-an-email"
        else:
            message["properties"]["path"] = 7
    return json.dumps(message, separators=(",", ":")).encode()


def write_corpus(root: Path, lines: list[bytes], files: int) -> Path:
    folder = root / f"files-{files}"
    folder.mkdir()
    per_file = -(-len(lines) // files)
    for number in range(files):
        chunk = lines[number * per_file : (number + 1) * per_file]
        (folder / f"events-{number:03d}.ndjson.gz").write_bytes(gzip.compress(b"\n".join(chunk) + b"\n", 6))
    return folder


def run_cli(args: list[str]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", *args, "--plan", str(PLAN), "--format", "json", "--quiet"],
        capture_output=True,
        cwd=ROOT,
        timeout=1800,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"cdpctl validate {' '.join(args)} failed:\n{done.stderr.decode()}")
    summary: dict[str, Any] = json.loads(done.stdout)["summary"]
    return seconds, summary


def warm_spark(corpora: dict[int, Path], expected: dict[str, Any], repeat: int) -> list[tuple[int, float]]:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from cdpctl.loader import load_plan
    from cdpctl.spark import validate
    from cdpctl.validation import Validator

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    validator = Validator(load_plan(str(PLAN)))
    try:
        validate(spark, str(corpora[PARTITIONS[-1]]), validator)  # warm-up: Python workers, JIT
        timings = []
        for partitions in PARTITIONS:
            best = float("inf")
            for _ in range(repeat):
                started = time.perf_counter()
                report = validate(spark, str(corpora[partitions]), validator)
                best = min(best, time.perf_counter() - started)
                if report.summary() != expected:
                    sys.exit(f"spark with {partitions} partitions disagrees: {report.summary()} != {expected}")
            timings.append((partitions, best))
        return timings
    finally:
        spark.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure; the best is kept")
    args = parser.parse_args()
    rng = random.Random(7)
    lines = [event(rng, index) for index in range(args.events)]
    with tempfile.TemporaryDirectory(prefix="cdpctl-spark-bench-") as tmp:
        corpora = {files: write_corpus(Path(tmp), lines, files) for files in PARTITIONS}
        main_corpus = str(corpora[8])
        size = sum(p.stat().st_size for p in corpora[8].iterdir())
        print(f"corpus: {args.events:,} events in 8 gzip files, {size / 1e6:.1f} MB compressed; machine: {os.cpu_count()} cores")
        print()
        print(f"end to end, as processes (start-up included), best of {args.repeat}:")
        rows = []
        expected: dict[str, Any] | None = None
        for label, extra in (
            ("cdpctl validate --jobs 1", ["--jobs", "1"]),
            ("cdpctl validate --jobs 2", ["--jobs", "2"]),
            ("cdpctl validate --engine spark --spark-master local[2]", ["--engine", "spark", "--spark-master", "local[2]"]),
        ):
            best = float("inf")
            for _ in range(args.repeat):
                seconds, summary = run_cli([main_corpus, *extra])
                best = min(best, seconds)
                if expected is None:
                    expected = summary
                elif summary != expected:
                    sys.exit(f"{label} disagrees: {summary} != {expected}")
            rows.append((label, best))
        baseline = rows[1][1]
        for label, seconds in rows:
            print(f"  {label:<56} {seconds:7.2f} s  {args.events / seconds:>10,.0f} events/s  {baseline / seconds:5.2f}x of --jobs 2")
        assert expected is not None
        print()
        print(f"warm Spark session (local[2], JVM and Python workers up), same events over N gzip files, best of {args.repeat}:")
        timings = warm_spark(corpora, expected, args.repeat)
        one = timings[0][1]
        for partitions, seconds in timings:
            print(
                f"  {partitions:>2} partitions  {seconds:7.2f} s  {args.events / seconds:>10,.0f} events/s  "
                f"{one / seconds:5.2f}x of 1 partition  {baseline / seconds:5.2f}x of --jobs 2 end to end"
            )
        print()
        print(f"summary (identical in every run): {json.dumps(expected)}")


if __name__ == "__main__":
    main()
