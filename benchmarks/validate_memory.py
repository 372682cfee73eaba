"""Peak memory of ``cdpctl validate`` on hostile inputs, beside a one-line file in the same run.

    python benchmarks/validate_memory.py [--line-mb 2048] [--dir DIR]

Writes, then validates in a child process each (peak resident memory read with ``wait4``):

* ``baseline``      : the shipped examples/events.ndjson (start-up and the plan);
* ``gzip bomb``     : a gzip file of a few MB expanding to one line of --line-mb MB between two valid lines
                      (skipped as it streams: one ``record_too_large`` record);
* ``same, zstd``    : the same line in a zstd stream;
* ``same, plain``   : the same line uncompressed (found by positioned reads, never read);
* ``30 MB record``  : one valid-length line under the default cap (32 MB), read and checked whole;
* ``small cap``     : the gzip bomb with ``--max-record-bytes 1048576``.

Prints each peak, its excess over the baseline, and that excess in blocks (4 MB) and in caps.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import zstandard

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PLAN = ROOT / "plans" / "acme-shop.yaml"
BLOCK = 4 * 1024 * 1024
CAP = 32 * 1024 * 1024
GOOD = {"type": "track", "event": "Order Completed", "userId": "u-1", "properties": {"order_id": "o-1"}}
LINE = json.dumps(GOOD).encode() + b"\n"


MEASURE = """
import os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
scale = 1 if sys.platform == "darwin" else 1024
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss * scale, time.perf_counter() - started)
"""
"""Run by a fresh, small interpreter: a child's peak counts the pages it was forked with."""


def write_record(path: Path, megabytes: int) -> None:
    """A planned event with one property of ``megabytes`` MB, between two valid lines."""
    with open(path, "wb") as handle:
        handle.write(LINE + b'{"type":"track","event":"Order Completed","userId":"u","properties":{"order_id":"')
        for _ in range(megabytes):
            handle.write(b"x" * (1 << 20))
        handle.write(b'"}}\n' + LINE)


def write_compressed(path: Path, megabytes: int, how: str) -> None:
    chunk = b"x" * (1 << 20)
    with open(path, "wb") as raw:
        writer = (
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6)
            if how == "gzip"
            else zstandard.ZstdCompressor(level=3).stream_writer(raw)
        )
        with writer as handle:
            handle.write(LINE + b'{"type":"track","event":"')
            for _ in range(megabytes):
                handle.write(chunk)
            handle.write(b'"}\n' + LINE)


def write_plain(path: Path, megabytes: int) -> None:
    chunk = b"x" * (1 << 20)
    with open(path, "wb") as handle:
        handle.write(LINE + b'{"type":"track","event":"')
        for _ in range(megabytes):
            handle.write(chunk)
        handle.write(b'"}\n' + LINE)


def peak(args: list[str]) -> tuple[int, int, float]:
    """Exit status, peak resident bytes and seconds of one ``cdpctl validate`` run."""
    command = [sys.executable, "-m", "cdpctl", "validate", "--plan", str(PLAN), "-q", *args]
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True)
    status, rss, seconds = out.stdout.split()
    return int(status), int(rss), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--line-mb", type=int, default=2048, help="length of the hostile line, in MB")
    parser.add_argument("--dir", help="where to write the inputs (default: a temporary folder)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(options.dir or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        bomb = folder / "bomb.ndjson.gz"
        write_compressed(bomb, options.line_mb, "gzip")
        zbomb = folder / "bomb.ndjson.zst"
        write_compressed(zbomb, options.line_mb, "zstd")
        plain = folder / "long.ndjson"
        write_plain(plain, options.line_mb)
        legit = folder / "record30.ndjson"
        write_record(legit, 30)
        runs = [
            ("baseline (examples/events.ndjson)", [str(ROOT / "examples" / "events.ndjson")]),
            (f"gzip bomb: {bomb.stat().st_size / 1e6:.1f} MB -> one {options.line_mb} MB line", [str(bomb)]),
            (f"same, zstd ({zbomb.stat().st_size / 1e6:.1f} MB)", [str(zbomb)]),
            ("same, plain file", [str(plain)]),
            ("same, plain file, --jobs 2", [str(plain), "--jobs", "2"]),
            ("30 MB record under the 32 MB cap", [str(legit)]),
            ("gzip bomb, --max-record-bytes 1048576", [str(bomb), "--max-record-bytes", "1048576"]),
        ]
        baseline = 0
        print(f"{'input':<52} {'exit':>4} {'peak MiB':>9} {'over baseline':>14} {'in blocks':>9} {'seconds':>8}")
        for label, args in runs:
            status, rss, seconds = peak(args)
            if not baseline:
                baseline = rss
            excess = rss - baseline
            print(
                f"{label:<52} {status:>4} {rss / 2**20:>9.1f} {excess / 2**20:>11.1f} MiB "
                f"{excess / BLOCK:>9.2f} {seconds:>8.1f}"
            )


if __name__ == "__main__":
    main()
