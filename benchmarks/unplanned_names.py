"""Unplanned event names: the cost of a log full of names the plan does not have, against the same log
with planned names, in one run.

    python benchmarks/unplanned_names.py [--repeat 3] [--memory-names 200000 1000000]

Prints, for each case, the wall-clock seconds of ``cdpctl validate --format json --jobs 1`` (whole
processes: start-up, plan load, reading, reporting) on

* ``planned``   : a log whose every message is a planned event (valid);
* ``unplanned`` : the same log, its event names replaced by names the plan does not have (ids leaked
                  into names, misspellings: each gets its did-you-mean);

and their ratio (the figure the project tracks: at most 3x for 1,000 distinct unplanned names
against a 2,000-event plan, at most 2x for 50,000 distinct names against a 1,000-event plan).
Then the peak memory (max RSS) of ``validate`` on logs of --memory-names distinct unplanned names
each: the report keeps at most ``MAX_GROUPS`` groups (the rest count under ``(other events)``), so
memory stays flat as the number of names grows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OBJECTS = [
    "Order", "Product", "Cart", "Checkout", "Coupon", "Wishlist", "Review", "Account", "Profile", "Invoice",
    "Subscription", "Payment", "Refund", "Shipment", "Return", "Message", "Report", "Dashboard", "Team",
    "Workspace", "Project", "Document", "Comment", "Notification", "Survey", "Campaign", "Webhook", "Audience",
    "Experiment", "Video", "Article", "Lesson", "Course", "Badge", "Reward", "Referral", "Ticket", "Booking",
]
QUALIFIERS = ["", "Draft", "Bulk", "Guest", "Saved", "Shared", "Archived", "Premium", "Trial", "Mobile"]
ACTIONS = [
    "Created", "Updated", "Deleted", "Viewed", "Opened", "Closed", "Started", "Finished", "Submitted",
    "Approved", "Rejected", "Exported", "Imported", "Renamed", "Moved", "Copied", "Restored", "Shared",
]


def event_names(count: int) -> list[str]:
    names = [" ".join(part for part in (obj, qual, act) if part) for obj in OBJECTS for qual in QUALIFIERS for act in ACTIONS]
    if count > len(names):
        raise SystemExit(f"at most {len(names)} events")
    random.Random(1).shuffle(names)
    return names[:count]


def write_plan(path: Path, names: list[str]) -> None:
    lines = ["plan: Benchmark", "version: 1.0.0", "defaults:", "  additional_properties: false", "events:"]
    for name in names:
        lines += [
            f"  {name}:",
            "    properties:",
            "      item_id: {type: string, required: true, pattern: '^[a-z]+_[0-9]+$'}",
            "      amount: {type: number, minimum: 0}",
            "      source: {type: string, enum: [web, ios, android]}",
        ]
    path.write_text("\n".join(lines) + "\n")


def message(name: str, number: int) -> str:
    return json.dumps(
        {
            "type": "track",
            "event": name,
            "userId": f"u-{number % 977}",
            "timestamp": "2024-05-01T10:00:00Z",
            "properties": {"item_id": f"item_{number}", "amount": number % 100, "source": "web"},
        }
    )


def misspelt(name: str, rng: random.Random) -> str:
    chars = list(name)
    spot = rng.randrange(len(chars))
    chars[spot] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return "".join(chars)


def unplanned_names(planned: list[str], count: int, rng: random.Random) -> list[str]:
    """Distinct names the plan lacks: ids leaked into names, and misspellings."""
    known = set(planned)
    out: dict[str, None] = {}
    while len(out) < count:
        base = rng.choice(planned)
        name = f"{base} {rng.randrange(10**9)}" if rng.random() < 0.8 else misspelt(base, rng)
        if name not in known:
            out[name] = None
    return list(out)


def write_logs(folder: Path, planned: list[str], distinct: int, lines: int, rng: random.Random) -> tuple[Path, Path]:
    unplanned = unplanned_names(planned, distinct, rng)
    good, bad = folder / f"planned-{distinct}.ndjson", folder / f"unplanned-{distinct}.ndjson"
    with good.open("w") as planned_out, bad.open("w") as unplanned_out:
        for number in range(lines):
            planned_out.write(message(planned[number % len(planned)], number) + "\n")
            unplanned_out.write(message(unplanned[number % len(unplanned)], number) + "\n")
    return good, bad


def timed(plan: Path, log: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", str(log), "--plan", str(plan), "--format", "json", "--jobs", "1"],
        capture_output=True,
        env={**os.environ, "CI": "", "GITHUB_ACTIONS": ""},
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode())
    return seconds


def peak_rss(plan: Path, log: Path) -> float:
    """Max RSS in MB of one ``validate`` process (a fresh child: ``RUSAGE_CHILDREN`` grows monotonically,
    so each measurement runs in a process of its own)."""
    probe = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], capture_output=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    command = [sys.executable, "-m", "cdpctl", "validate", str(log), "--plan", str(plan), "--format", "json", "--jobs", "1"]
    done = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, check=True)
    return int(done.stdout) / 1024


def case(folder: Path, events: int, distinct: int, lines: int, repeat: int) -> None:
    rng = random.Random(events * 7 + distinct)
    planned = event_names(events)
    plan = folder / f"plan-{events}.yaml"
    write_plan(plan, planned)
    good, bad = write_logs(folder, planned, distinct, lines, rng)
    timed(plan, good)  # warm the file cache
    best_good = min(timed(plan, good) for _ in range(repeat))
    best_bad = min(timed(plan, bad) for _ in range(repeat))
    print(
        f"{events:>6,} events, {distinct:>7,} distinct unplanned names, {lines:>7,} lines: "
        f"planned {best_good:6.2f} s  unplanned {best_bad:6.2f} s  ratio {best_bad / best_good:4.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-names", type=int, nargs="*", default=[200_000, 1_000_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("time: cdpctl validate --format json --jobs 1, best of", args.repeat)
        case(folder, 2_000, 1_000, 20_000, args.repeat)
        case(folder, 1_000, 50_000, 50_000, args.repeat)
        if args.memory_names:
            print("peak memory (max RSS) of validate, every line a distinct unplanned name (1,000-event plan):")
            plan = folder / "plan-1000.yaml"
            planned = event_names(1_000)
            for count in args.memory_names:
                log = folder / f"memory-{count}.ndjson"
                rng = random.Random(count)
                with log.open("w") as out:
                    for number in range(count):
                        out.write(message(f"{rng.choice(planned)} {number}", number) + "\n")
                print(f"{count:>10,} names: {peak_rss(plan, log):7.0f} MB")
                log.unlink()


if __name__ == "__main__":
    main()
