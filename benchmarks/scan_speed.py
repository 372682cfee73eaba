"""How fast `cdpctl scan` reads a large source tree, in files and calls a second, beside reading the files alone.

Usage: python benchmarks/scan_speed.py [--files 2000] [--runs 3]

Writes a tree of Python, JavaScript and TypeScript files (each a few dozen lines with tracking calls of
several SDKs), then times the library scan, and, as the floor, reading every file's bytes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cdpctl.scan import scan_paths, source_files  # noqa: E402

PY = '''import segment.analytics as analytics
EVENT = "Order Completed"

def handler_{n}(user, total: float):
    props = {{"order_id": "o{n}", "total": total}}
    analytics.track(user, EVENT, {{**props, "currency": "USD"}})
    analytics.identify(user, {{"email": "a@b.c"}})
    for i in range(10):
        value = i * {n}
    return value
'''

TS = '''import {{ analytics }} from "./segment";
const EVENTS = {{ ORDER: "Order Completed" }} as const;
export function handler{n}(total: number): number {{
  const base = {{ order_id: "o{n}", total }};
  analytics.track(EVENTS.ORDER, {{ ...base, currency: "USD" }});
  posthog.capture("Button Clicked", {{ id: {n} }});
  let value = 0;
  for (let i = 0; i < 10; i++) {{ value += i * {n}; }}
  return value;
}}
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n in range(args.files):
            folder = root / f"pkg{n // 100}"
            folder.mkdir(exist_ok=True)
            if n % 2:
                (folder / f"m{n}.py").write_text(PY.format(n=n))
            else:
                (folder / f"m{n}.{'tsx' if n % 4 == 0 else 'js' if n % 3 else 'ts'}").write_text(TS.format(n=n))
        scans, reads = [], []
        calls = 0
        for _ in range(args.runs):
            start = time.perf_counter()
            for path in source_files([tmp]):
                path.read_bytes()
            reads.append(time.perf_counter() - start)
            start = time.perf_counter()
            calls = len(scan_paths([tmp]).calls)
            scans.append(time.perf_counter() - start)
        best = min(scans)
        print(f"{args.files} files, {calls} calls: scan best {best:.2f} s = {args.files / best:,.0f} files/s "
              f"({calls / best:,.0f} calls/s); reading the files alone {min(reads):.3f} s")


if __name__ == "__main__":
    main()
