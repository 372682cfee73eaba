"""Write a big tracking plan of the shape large companies keep (5,000 events by default).

Usage: python benchmarks/big_plan_generator.py OUT.yaml [--events 5000] [--includes 4] [--changed 0.05]

About 8 properties an event: a pattern, an enum, bounds, a nested object, an array of
objects; about 20% of them come from shared definitions (the shared library and a reusable
type); descriptions everywhere, written in block style as people write plans.  With
``--includes N`` the events are spread over N included files (``events-K.yaml`` beside OUT).
``--changed F`` rewrites a fraction F of the events (for ``diff OLD NEW`` benchmarks).
The plan loads clean; event names come from :mod:`lint_plan_generator`.
"""

from __future__ import annotations

import argparse
import os
import random

from lint_plan_generator import event_names

HEADER = """\
plan: Big Plan
version: 1.0.0
description: A big generated plan (about 8 properties an event, shared definitions, descriptions everywhere).
defaults:
  additional_properties: false

properties:
  currency:
    type: string
    description: ISO 4217 currency code of the amounts.
    enum: [USD, EUR, GBP, JPY, CHF, CAD]
  source:
    type: string
    description: Where the action came from.
    enum: [web, ios, android, api, backend]
  workspace_id:
    type: string
    description: The workspace the action happened in.
    pattern: "^ws_[a-z0-9]{10}$"
  duration_ms:
    type: integer
    description: How long the action took, in milliseconds.
    minimum: 0
    maximum: 86400000

types:
  line_item:
    description: One line of an order, cart or invoice.
    properties:
      sku:
        type: string
        description: Stock keeping unit.
        required: true
        pattern: "^[A-Z]{3}-[0-9]{4,8}$"
      quantity:
        type: integer
        description: How many units.
        minimum: 1
        maximum: 1000
      unit_price:
        type: number
        description: Price of one unit.
        minimum: 0

"""
SHARED = ("currency", "source", "workspace_id", "duration_ms")
STATES = ("active", "inactive", "pending", "failed", "retrying", "done", "queued", "blocked")


def event_lines(name: str, index: int, rng: random.Random, changed: bool) -> list[str]:
    """One event, about 8 properties (2 of them from shared definitions), in block style."""
    noun = name.split()[-2].lower() if len(name.split()) > 1 else "item"
    states = rng.sample(STATES, 4)
    upper = 5000 if changed else 10000
    lines = [
        f"  {name}:",
        f"    description: Fired when a user's {name.lower()} action completes (event {index}).",
        f"    owner: team-{index % 17}",
        f"    tags: [area-{index % 11}, generated]",
        "    properties:",
        f"      {noun}_key:",
        "        type: string",
        f"        description: Identifier of the {noun} this event is about.",
        "        required: true",
        f'        pattern: "^{noun[:3]}_[a-z0-9]{{8,16}}$"',
        "      status:",
        "        type: string",
        f"        description: State of the {noun} after the action.",
        f"        enum: [{', '.join(states)}]",
        "      amount:",
        "        type: number",
        "        description: Amount involved, in the currency given.",
        "        minimum: 0",
        f"        maximum: {upper}",
        "      attempt:",
        "        type: integer",
        "        description: Which attempt this is (1 for the first).",
        "        minimum: 1",
        f"        maximum: {10 + index % 5}",
        "      details:",
        "        type: object",
        f"        description: More about the {noun}.",
        "        properties:",
        "          label:",
        "            type: string",
        "            description: A human label.",
        "            max_length: 120",
        "          visible:",
        "            type: boolean",
        "            description: Whether it is shown to other users.",
        "      items:",
        "        type: array",
        "        description: The lines involved.",
        "        items: line_item",
        "        max_items: 500",
    ]
    for shared in rng.sample(SHARED, 2):
        lines += [f"      {shared}:", f"        required: {str(rng.random() < 0.5).lower()}"]
    return lines


def plan_texts(events: int, *, includes: int = 0, changed: float = 0.0, seed: int = 11) -> dict[str, str]:
    """The files of the plan: ``{"plan.yaml": ..., "events-1.yaml": ...}`` (file names relative to the plan)."""
    rng = random.Random(seed)
    names = event_names(events, rng)
    change_rng = random.Random(seed + 1)
    bodies = [event_lines(name, i, random.Random(seed * 1000 + i), change_rng.random() < changed) for i, name in enumerate(names)]
    files: dict[str, str] = {}
    root = [HEADER.rstrip("\n"), ""]
    if includes > 0:
        root.append("include:")
        per_file = -(-events // includes)
        for part in range(includes):
            file = f"events-{part + 1}.yaml"
            root.append(f"  - {file}")
            chunk = bodies[part * per_file : (part + 1) * per_file]
            files[file] = "\n".join(["events:", *(line for body in chunk for line in body)]) + "\n"
        root.append("")
    else:
        root += ["events:", *(line for body in bodies for line in body)]
    files["plan.yaml"] = "\n".join(root) + "\n"
    return files


def write_plan(folder: str, events: int, *, includes: int = 0, changed: float = 0.0, seed: int = 11) -> str:
    """Write the plan's files into ``folder``; the path of the root plan."""
    os.makedirs(folder, exist_ok=True)
    for file, text in plan_texts(events, includes=includes, changed=changed, seed=seed).items():
        with open(os.path.join(folder, file), "w", encoding="utf-8") as handle:
            handle.write(text)
    return os.path.join(folder, "plan.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the plan file to write (included files go beside it)")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--includes", type=int, default=0, help="spread the events over this many included files")
    parser.add_argument("--changed", type=float, default=0.0, help="fraction of events changed (for diff benchmarks)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    folder = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    files = plan_texts(args.events, includes=args.includes, changed=args.changed, seed=args.seed)
    root = files.pop("plan.yaml")
    for file, text in files.items():
        with open(os.path.join(folder, file), "w", encoding="utf-8") as handle:
            handle.write(text)
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(root)


if __name__ == "__main__":
    main()
