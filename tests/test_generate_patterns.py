"""A generated client matches plan patterns as ``cdpctl validate`` does: ECMA-262, with or without RE2.

``pattern``, ``patternProperties`` and ``additionalProperties`` of the plan and of
raw ``json_schema:`` blocks give the verdicts of cdpctl's own engine: ``\\d``,
``\\w`` and ``\\b`` are ASCII, ``\\s`` is ECMA's set, ``.`` stops at the four line
terminators, ECMA named groups and ``\\p{...}`` work, in a block written in
another dialect too.  Without the ``google-re2`` package the client rewrites
the same forms for Python's ``re`` (checked in a process where ``re2`` and
``jsonschema_rs`` cannot be imported).
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_generate_support import REPO, generate_to

from cdpctl.loader import load_plan_text
from cdpctl.validation import Validator

PLAN = r"""
plan: Patterns
version: 1.0.0
events:
  Code Entered:
    properties:
      digits: {type: string, pattern: '^\d+$'}
      word: {type: string, pattern: '^\w+$'}
      space: {type: string, pattern: '^\s$'}
      edge: {type: string, pattern: '\bx'}
      year: {type: string, pattern: '^(?<year>\d{4})$'}
      letters: {type: string, pattern: '^\p{Letter}+$'}
      other: {type: string, pattern: '^\P{L}$'}
      control: {type: string, pattern: '^\cA$'}
      one: {type: string, pattern: '^.$'}
      mixed: {type: string, pattern: '^[\p{Lu}\d]$'}
      counts:
        json_schema:
          type: object
          patternProperties:
            '^\p{L}+$': {type: integer}
            '^\d+$': {type: string}
          additionalProperties: false
      nested:
        json_schema:
          $schema: "https://json-schema.org/draft/2020-12/schema"
          type: string
          pattern: '^\p{L}\d$'
"""

VALUES: list[tuple[str, Any]] = [
    ("digits", "12"), ("digits", "١٢"), ("word", "a_1"), ("word", "é"), ("space", "\u00a0"), ("space", "\ufeff"),
    ("space", "\u0085"), ("edge", "éx"), ("edge", "ax"), ("year", "2024"), ("year", "20245"), ("letters", "héllo"),
    ("letters", "h1"), ("other", "1"), ("other", "a"), ("control", "\u0001"), ("control", "A"), ("one", "😀"),
    ("one", "\u2028"), ("one", "\n"), ("mixed", "Ä"), ("mixed", "7"), ("mixed", "٣"), ("mixed", "a"),
    ("counts", {"abc": 1, "12": "x"}), ("counts", {"١٢": "x"}), ("counts", {"abc": "x"}), ("counts", {"a1": 1}),
    ("nested", "a1"), ("nested", "a١"), ("nested", "11"),
]  # fmt: skip

CHECK = """
import json, sys
if sys.argv[2] == "stdlib":
    sys.modules["re2"] = None
    sys.modules["jsonschema_rs"] = None
import importlib.util
spec = importlib.util.spec_from_file_location("patterns_client", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
tracker = module.Tracker(object(), validate=True)
found = []
for line in sys.stdin:
    found.append(sorted([v.code, v.path] for v in tracker.check(json.loads(line))))
print(json.dumps(found))
"""


def messages() -> list[dict[str, Any]]:
    return [
        {"type": "track", "event": "Code Entered", "userId": "u1", "properties": {name: value}}
        for name, value in VALUES
    ]


def expected() -> list[list[list[str]]]:
    """What cdpctl's own engine reports for each message (both of its paths agree)."""
    plan = load_plan_text(PLAN)
    out = []
    for fast in (True, False):
        validator = Validator(plan, fast=fast)
        out.append(
            [
                sorted([v.code, v.path] for v in validator.check_bytes(json.dumps(message).encode()) or [])
                for message in messages()
            ]
        )
    assert out[0] == out[1]
    return out[0]


RE2_CHECKED = (1, 1, 20251105)
"""The google-re2 release the client's RE2 forms were checked with (the first 1.1 release reads some
Unicode classes another way: its run at the lowest versions admitted differs on three values)."""


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


@pytest.mark.parametrize("engine", ["re2", "stdlib"])
def test_generated_client_matches_patterns_as_validate_does(tmp_path: Path, engine: str) -> None:
    if engine == "re2" and _release(importlib.metadata.version("google-re2")) < RE2_CHECKED:
        pytest.skip("the client's RE2 forms are checked with google-re2 1.1.20251105 and later")
    module = generate_to(PLAN, "patterns.yaml", tmp_path / "patterns_client.py")
    lines = "".join(json.dumps(message) + "\n" for message in messages())
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(module), engine],
        input=lines,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    want = expected()
    mismatches = [(VALUES[i], got[i], want[i]) for i in range(len(VALUES)) if got[i] != want[i]]
    assert not mismatches, mismatches
    assert sum(1 for found in want if found) >= 12  # the cases do tell the dialects apart
