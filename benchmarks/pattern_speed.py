"""Plan patterns on the linear-time engine (RE2) next to Python's backtracking ``re``.

Usage: python benchmarks/pattern_speed.py [--runs 5]

Two figures, measured side by side in one run so the ratios hold on a noisy machine:

* the cost of one match of typical plan patterns on typical values (what every
  patterned field of every message pays): ``cdpctl.patterns`` vs ``re``, as a ratio;
* hostile patterns (``^(a+)+$``, ``(x|x)*y``) on strings of growing length: the
  engine's time grows linearly; ``re`` is run only on short strings, where its time
  already doubles with each added character.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from cdpctl.patterns import compile_pattern

TYPICAL = [
    (r"^[A-Z]{3}-[0-9]{4,6}$", "ABC-12345"),
    (r"^ord_[0-9a-f]{12}$", "ord_0123456789ab"),
    (r"^[a-z]+(?:-[a-z]+)*$", "summer-sale"),
    (r"@example\.com$", "ada@example.com"),
]


def per_call(search: object, text: str, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        search(text)  # type: ignore[operator]
    return (time.perf_counter() - start) / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("typical patterns: microseconds per match, median of runs (ratio engine / re)")
    for pattern, text in TYPICAL:
        engine = compile_pattern(pattern).search
        python = re.compile(pattern).search
        ours = statistics.median(per_call(engine, text, 100_000) for _ in range(args.runs))
        theirs = statistics.median(per_call(python, text, 100_000) for _ in range(args.runs))
        print(f"  {pattern:28} engine {ours * 1e6:5.2f}  re {theirs * 1e6:5.2f}  ratio {ours / theirs:4.1f}x")
    print("hostile patterns: seconds for one non-matching search")
    for pattern, char, tail in (("^(a+)+$", "a", "!"), ("(x|x)*y", "x", "")):
        engine = compile_pattern(pattern).search
        for length in (10_000, 100_000, 1_000_000):
            text = char * length + tail
            seconds = min(per_call(engine, text, 1) for _ in range(args.runs))
            print(f"  engine {pattern:10} n={length:>9,}  {seconds:.4f} s")
        python = re.compile(pattern).search
        for length in (18, 20, 22):
            text = char * length + tail
            seconds = min(per_call(python, text, 1) for _ in range(args.runs))
            print(f"  re     {pattern:10} n={length:>9,}  {seconds:.4f} s")


if __name__ == "__main__":
    main()
