"""How much of `validate --jobs 2`'s speed-up the code allows, counted in instructions, not seconds.

    python benchmarks/jobs_instructions.py [--events 300000] [--corpus DIR]

Wall-clock ratios of `--jobs 2` to `--jobs 1` depend on the machine as much as on the code: on a
virtual machine whose two cores are shared with other guests, two busy processes do not get two cores
(`validate_speed.py` measures that ceiling with two orjson loops at once). Instruction counts do not
depend on the load: valgrind's callgrind counts the instructions of each process, the same at every run.
This script runs `cdpctl validate --jobs 1` and `--jobs 2` on the small-message corpus (`small_corpus.py`)
under callgrind, the worker's count starting at its fork and the parent's split at the fork, and prints:

* the instructions of `--jobs 1`, and of `--jobs 2`: the parent before the fork (start-up, plan, the first
  blocks read), the parent after it and the worker; the work `--jobs 2` adds (handing blocks out, merging);
* the critical path of `--jobs 2`: the part before the fork, then the longer of the two processes after it;
  `--jobs 1` over that path is the speed-up the code allows on two cores that run at full speed.

It needs valgrind (`apt-get install valgrind`); callgrind runs programs about 50 times slower, so the
default 300,000 lines take a few minutes (the two runs go side by side).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def summaries(folder: Path, prefix: str) -> dict[str, int]:
    """The instruction count of each callgrind output file ``prefix.PID[.N]`` in ``folder``, by file suffix."""
    counts = {}
    for path in folder.glob(f"{prefix}.*"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("summary:"):
                counts[path.name[len(prefix) + 1 :]] = int(line.split()[1])
                break
    return counts


def callgrind(out: Path, command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            "valgrind", "--tool=callgrind", "--trace-children=yes",
            # the parent's count is dumped (and zeroed) when fork returns in it; the child's starts at zero
            "--dump-before=PyOS_AfterFork_Parent", "--zero-before=PyOS_AfterFork_Child",
            f"--callgrind-out-file={out}.%p", *command,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=300_000, help="lines of the generated small-message corpus")
    parser.add_argument("--corpus", type=Path, help="a folder with plan.yaml and events.ndjson (else one is generated)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    import cdpctl as package

    python = sys.executable
    subprocess.run([python, "-m", "compileall", "-q", str(Path(package.__file__).parent)], check=True)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # the runs use the bytecode compiled above
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = args.corpus
        if corpus is None:
            corpus = work / "small"
            subprocess.run(
                [python, str(HERE / "small_corpus.py"), str(corpus), "--events", str(args.events)], check=True
            )
        with open(corpus / "events.ndjson", "rb") as events:
            lines = sum(1 for _ in events)

        def command(jobs: int) -> list[str]:
            return [
                python, "-m", "cdpctl", "validate", str(corpus / "events.ndjson"), "--plan", str(corpus / "plan.yaml"),
                "--format", "json", "--no-progress", "--jobs", str(jobs),
            ]  # fmt: skip

        runs = [callgrind(work / f"j{jobs}", command(jobs)) for jobs in (1, 2)]
        for run in runs:
            run.wait()
        one = sum(summaries(work, "j1").values())
        two = summaries(work, "j2")
    parent = min((name for name in two if "." not in name), key=int)  # the parent starts first: the lower pid
    before = two.get(f"{parent}.1", 0)
    after = two[parent]
    workers = [count for name, count in two.items() if name.split(".")[0] != parent]
    total = before + after + sum(workers)
    path = before + max([after, *workers])
    print(f"{lines:,} lines of the small-message corpus; instructions counted by callgrind (millions)")
    print(f"--jobs 1                         {one / 1e6:>10,.0f}")
    print(f"--jobs 2, parent before the fork {before / 1e6:>10,.0f}")
    print(f"--jobs 2, parent after the fork  {after / 1e6:>10,.0f}")
    for number, count in enumerate(workers, 1):
        print(f"--jobs 2, worker {number}                {count / 1e6:>10,.0f}")
    print(f"--jobs 2, all processes          {total / 1e6:>10,.0f}  ({total / one - 1:+.1%} over --jobs 1)")
    print(f"--jobs 2, critical path          {path / 1e6:>10,.0f}")
    print(f"speed-up the code allows on two full cores: {one / path:.2f}x (target 1.8x)")


if __name__ == "__main__":
    main()
