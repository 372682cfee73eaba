"""What one message costs in one process, counted in instructions: `validate_lines` against an orjson parse.

    python benchmarks/message_instructions.py [--lines 20000] [--corpus DIR]

Time on a shared machine moves by a fifth from one run to the next; instruction counts do not. This script
runs the same in-process loops under valgrind's callgrind, each in its own process, on the small-message
corpus (`small_corpus.py`): a process that only sets up (plan loaded, fast path built and warmed on the first
5,000 lines), then the same process followed by one loop over the next `--lines` lines, and prints the
difference per line for:

* an orjson parse of every line (the baseline of `validate_speed.py`);
* `validate_lines` on every line, on the accepted lines alone and on the rejected ones alone;
* the fast path's decode alone on the accepted lines (msgspec with the generated checks, no loop around it).

Instructions are not time: orjson does more per instruction than the interpreter, so the ratio in
instructions reads higher than the ratio in CPU time. Use it to compare two versions of the code, not to
quote a speed. It needs valgrind (`apt-get install valgrind`); the runs take a minute or two.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

LOOP = """
import sys
from itertools import count, repeat

import orjson

from cdpctl.loader import load_plan
from cdpctl.validation import Validator, validate_lines
from cdpctl.validation.fastpath import Accepted
from cdpctl.validation.fastpath_whole import route_index

corpus, mode, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
validator = Validator(load_plan(corpus + "/plan.yaml"))
fast = validator.fast
with open(corpus + "/events.ndjson", "rb") as handle:
    lines = handle.read().splitlines(keepends=True)
validate_lines(validator, zip(lines[:5000], repeat("f"), count(1)), utf8=True)  # structs built, stamps seen
for line in lines[:5000]:
    orjson.loads(line)
work = lines[5000 : 5000 + size]
outcomes = [fast.examine(line) for line in work]
accepted = [line for line, seen in zip(work, outcomes) if seen.__class__ is Accepted and not seen.warnings]
rejected = [line for line, seen in zip(work, outcomes) if not (seen.__class__ is Accepted and not seen.warnings)]
chosen = {"orjson": work, "all": work, "accepted": accepted, "rejected": rejected, "decode": accepted}.get(mode, [])
print(len(chosen))
if mode == "orjson":
    for line in chosen:
        orjson.loads(line)
elif mode == "decode":
    routes, general = fast.routes, fast.general
    for line in chosen:
        decode = routes[route_index(line)]
        decode(line) if decode is not None else general(line, False)
elif mode in ("all", "accepted", "rejected"):
    validate_lines(validator, zip(chosen, repeat("f"), count(1)), utf8=True)
"""

MODES = ("setup", "orjson", "all", "accepted", "rejected", "decode")


def count_instructions(out: Path) -> int:
    for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise SystemExit(f"no summary in {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=20_000, help="lines measured, after 5,000 lines of warm-up")
    parser.add_argument("--corpus", type=Path, help="a folder with plan.yaml and events.ndjson (else one is generated)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = args.corpus
        if corpus is None:
            corpus = work / "small"
            events = str(args.lines + 5_000)
            subprocess.run([python, str(HERE / "small_corpus.py"), str(corpus), "--events", events], check=True)
        runs = {
            mode: subprocess.Popen(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={work / mode}.out",
                 python, "-c", LOOP, str(corpus), mode, str(args.lines)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            for mode in MODES
        }
        sizes = {}
        for mode, run in runs.items():
            out, err = run.communicate()
            if run.returncode != 0 or not out.split():
                raise SystemExit(f"the {mode} run failed:\n{err[-2000:]}")
            sizes[mode] = int(out.split()[0])
        counts = {mode: count_instructions(work / f"{mode}.out") for mode in MODES}
    per_line = {mode: (counts[mode] - counts["setup"]) / max(sizes[mode], 1) for mode in MODES if mode != "setup"}
    print(f"instructions a line (callgrind), {args.lines:,} lines of the small-message corpus after 5,000 of warm-up")
    labels = {
        "orjson": "orjson parse, every line",
        "all": "validate_lines, every line",
        "accepted": "validate_lines, accepted lines",
        "rejected": "validate_lines, rejected lines",
        "decode": "fast-path decode, accepted lines",
    }
    for mode, label in labels.items():
        print(f"  {label:<36} {per_line[mode]:>9,.0f}  ({sizes[mode]:,} lines)")
    print(f"orjson / validate_lines in instructions: {per_line['orjson'] / per_line['all']:.2f}x")


if __name__ == "__main__":
    main()
