"""``--split`` writes what a replay reads the same way: numbers too large for a double stay JSON numbers.

``{"c": 1e400}`` is a JSON number (read as an infinity): an invalid message holding one was annotated and
written as ``"c":Infinity``, which is not JSON, so ``cdpctl validate`` over the split files counted it
``malformed_json`` instead of invalid.  Messages show such values, ``null``, ``true`` and ``false`` as JSON
spells them (``got a number (1e400)``, ``got null (null)``), not as Python does (``inf``, ``None``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cdpctl.validation.classify import short_repr
from cdpctl.validation.jsonread import dump_json, parse_record

PLAN = """\
plan: Numbers
version: 1.0.0
events:
  Measured:
    properties:
      value: {type: string}
"""
LINES = [
    '{"type":"track","event":"Measured","userId":"u","properties":{"value":1e400}}',
    '{"type":"track","event":"Measured","userId":"u","properties":{"value":"Infinity","other":-1e999}}',
    '{"type":"track","event":"Measured","userId":"u","properties":{"value":"ok \\"Infinity\\" -Infinity"}}',
    '{"type":"track","event":"Measured","userId":"u","properties":{"value":NaN}}',
]


def validate(*args: str, cwd: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", *args, "--plan", "plan.yaml", "-f", "json"],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_split_files_replay_to_the_same_counts_with_numbers_beyond_a_double(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "log.ndjson").write_text("\n".join(LINES) + "\n")
    first = validate("log.ndjson", "--split", "out", cwd=tmp_path)["summary"]
    invalid = (tmp_path / "out" / "invalid.ndjson").read_text().splitlines()
    assert [json.loads(line)["properties"] for line in invalid][:2] == [
        {"value": float("inf")},
        {"value": "Infinity", "other": float("-inf")},
    ]
    assert all("Infinity," not in line and ":Infinity" not in line for line in invalid)
    replayed = validate("out/valid.ndjson", "out/invalid.ndjson", "out/malformed.txt", cwd=tmp_path)["summary"]
    assert {k: replayed[k] for k in ("events", "valid", "invalid", "malformed")} == {  # type: ignore[index]
        k: first[k] for k in ("events", "valid", "invalid", "malformed")  # type: ignore[index]
    }


def test_dump_json_keeps_strings_that_say_infinity() -> None:
    value, _ = parse_record(b'{"a":1e400,"b":"x Infinity \\" -Infinity","c":[-1e400]}')
    assert dump_json(value) == b'{"a":1e400,"b":"x Infinity \\" -Infinity","c":[-1e400]}'


def test_messages_spell_values_as_json() -> None:
    assert [short_repr(v) for v in (None, True, False, float("inf"), float("-inf"), 1.5, "x", 1.0, 0.0, 1)] == [
        "null", "true", "false", "1e400", "-1e400", "1.5", "'x'", "1.0", "0.0", "1",
    ]  # fmt: skip  (1.0 == True and 0.0 == False in Python: told apart by identity)
