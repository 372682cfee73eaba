"""The official JSON-Schema-Test-Suite, run through cdpctl: raw ``json_schema:`` blocks and plan formats.

Each file of ``tests/data/json-schema-test-suite`` (draft-07 and 2020-12) becomes
one plan: every test group is an event whose property ``v`` is the group's
schema as a raw ``json_schema:`` block; every test is a track message with the
test's data as ``v``.  Both engines (the fast path, ``Validator(fast=True)``, and
the reference path, ``Validator(fast=False)``, what ``--no-fast-path`` runs)
must give the suite's verdict.  The format files also run through a plan
property ``{type: string, format: ...}`` for the formats a plan can name, where
the fast path's own structs decide.

Out of scope, by the product's design (each checked to be refused with its reason):
references to other documents (the suite's remote schemas; cdpctl reads no
other document, a plan naming one does not load), and the 2020-12 ``format.json``
tests that expect ``format`` to be an annotation (cdpctl asserts formats).

``python tests/test_conformance.py`` prints the table of docs/conformance.md.
"""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cdpctl.errors import PlanLoadError
from cdpctl.loader import load_plan_text
from cdpctl.model import FORMATS
from cdpctl.validation import Validator

SUITE = Path(__file__).resolve().parent / "data" / "json-schema-test-suite"
FILES = sorted(path.relative_to(SUITE).as_posix() for path in SUITE.rglob("*.json"))
ENGINES = ("fast", "reference")

OTHER_DOCUMENT = ("refers to another document", "is not a dialect cdpctl knows")
"""How a plan load refuses a block that needs another document (a remote schema, a remote meta-schema)."""
ANNOTATION_ONLY_TEST = "only an annotation by default"
"""The 2020-12 ``format.json`` tests that expect ``format`` not to be asserted."""


def yaml_text(value: Any) -> str:
    """``value`` as YAML flow text that the plan loader reads back exactly (floats as YAML 1.1 floats)."""
    if isinstance(value, float):
        text = repr(value)
        if "e" in text:
            mantissa, exponent = text.split("e")
            mantissa = mantissa if "." in mantissa else mantissa + ".0"
            exponent = exponent if exponent[0] in "+-" else "+" + exponent
            text = f"{mantissa}e{exponent}"
        return text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {yaml_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_text(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def plan_text(properties: dict[str, Any]) -> str:
    """A plan with one event per entry of ``properties`` (event name -> the definition of property ``v``)."""
    events = {name: {"additional_properties": True, "properties": {"v": prop}} for name, prop in properties.items()}
    return yaml_text({"plan": "JSON-Schema-Test-Suite", "version": "1.0.0", "events": events})


def message(event: str, data: Any) -> bytes:
    return json.dumps({"type": "track", "event": event, "userId": "u", "properties": {"v": data}}).encode()


@dataclass
class Case:
    group: str
    test: str
    valid: bool
    verdicts: dict[str, bool] = field(default_factory=dict)


@dataclass
class FileRun:
    """What one suite file gave: every case's verdict per engine, and what is out of scope (with why)."""

    cases: list[Case] = field(default_factory=list)
    out_of_scope: list[tuple[str, str]] = field(default_factory=list)

    def passed(self, engine: str) -> int:
        return sum(case.verdicts[engine] == case.valid for case in self.cases)

    def failures(self) -> list[str]:
        return [
            f"{engine}: {case.group} / {case.test} (expected {'valid' if case.valid else 'invalid'})"
            for case in self.cases
            for engine, verdict in case.verdicts.items()
            if verdict != case.valid
        ]


def verdicts(plan_source: str, tests: list[tuple[str, Any]]) -> list[dict[str, bool]]:
    """Each ``(event, data)`` message's verdict (no error) on each engine."""
    plan = load_plan_text(plan_source)
    validators = {"fast": Validator(plan, fast=True), "reference": Validator(plan, fast=False)}
    out = []
    for event, data in tests:
        raw = message(event, data)
        found = {}
        for engine, validator in validators.items():
            violations = validator.check_bytes(raw)
            assert violations is not None, raw
            found[engine] = not any(v.severity == "error" for v in violations)
        out.append(found)
    return out


@functools.cache
def run_file(name: str) -> FileRun:
    """Run one suite file through raw ``json_schema:`` blocks (one plan for the file)."""
    groups = json.loads((SUITE / name).read_text(encoding="utf-8"))
    run = FileRun()
    blocks: dict[str, Any] = {}
    pending: list[tuple[str, Case, Any]] = []
    for index, group in enumerate(groups):
        event = f"g{index}"
        try:  # a group whose schema needs another document does not load: out of scope (and said why)
            load_plan_text(plan_text({event: {"json_schema": group["schema"]}}))
        except PlanLoadError as exc:
            text = str(exc)
            assert any(reason in text for reason in OTHER_DOCUMENT), text
            reason = text.split(": ", 1)[-1]
            run.out_of_scope.extend(
                (f"{group['description']} / {test['description']}", reason) for test in group["tests"]
            )
            continue
        blocks[event] = {"json_schema": group["schema"]}
        for test in group["tests"]:
            if name.endswith("2020-12/format.json") and ANNOTATION_ONLY_TEST in test["description"]:
                run.out_of_scope.append((f"{group['description']} / {test['description']}", "formats are asserted"))
                continue
            pending.append((event, Case(group["description"], test["description"], test["valid"]), test["data"]))
    if blocks:
        found = verdicts(plan_text(blocks), [(event, data) for event, _, data in pending])
        for (_, case, _), engines in zip(pending, found, strict=True):
            case.verdicts = engines
            run.cases.append(case)
    return run


@functools.cache
def run_plan_format(name: str) -> FileRun:
    """Run the string tests of one ``optional/format/`` file through a plan property ``{type: string, format}``."""
    fmt = Path(name).stem
    groups = json.loads((SUITE / name).read_text(encoding="utf-8"))
    run = FileRun()
    pending = [
        (Case(group["description"], test["description"], test["valid"]), test["data"])
        for group in groups
        for test in group["tests"]
        if isinstance(test["data"], str)
    ]
    found = verdicts(plan_text({"f": {"type": "string", "format": fmt}}), [("f", data) for _, data in pending])
    for (case, _), engines in zip(pending, found, strict=True):
        case.verdicts = engines
        run.cases.append(case)
    return run


PLAN_FORMAT_FILES = [name for name in FILES if "/format/" in name and Path(name).stem in FORMATS]


def test_the_vendored_suite_is_complete() -> None:
    """Both drafts, every required file but the remote-reference one, and the optional files the product claims."""
    for draft in ("draft7", "draft2020-12"):
        names = {name.split("/", 1)[1] for name in FILES if name.startswith(draft + "/")}
        assert {"ref.json", "boolean_schema.json", "optional/bignum.json", "optional/float-overflow.json"} <= names
        assert {
            "optional/ecmascript-regex.json",
            "optional/non-bmp-regex.json",
            "optional/format/date-time.json",
        } <= names
    assert "anchor.json" in {name.split("/", 1)[1] for name in FILES if name.startswith("draft2020-12/")}
    assert (SUITE / "LICENSE").read_text(encoding="utf-8").startswith("Copyright (c) 2012 Julian Berman")


@pytest.mark.parametrize("name", FILES)
def test_suite_file_gives_the_standard_verdicts(name: str) -> None:
    run = run_file(name)
    assert not run.failures(), "\n".join(run.failures())
    assert run.cases or run.out_of_scope


@pytest.mark.parametrize("name", PLAN_FORMAT_FILES)
def test_plan_formats_give_the_suite_verdicts_on_both_engines(name: str) -> None:
    run = run_plan_format(name)
    assert run.cases
    assert not run.failures(), "\n".join(run.failures())


def test_out_of_scope_is_only_other_documents_and_annotation_only_formats() -> None:
    reasons = {reason for name in FILES for _, reason in run_file(name).out_of_scope}
    assert reasons
    for reason in reasons:
        assert reason == "formats are asserted" or any(text in reason for text in OTHER_DOCUMENT), reason
    in_scope_files = ("ref.json", "anchor.json", "defs.json", "unevaluatedProperties.json", "dynamicRef.json")
    for name in FILES:
        if name.split("/", 1)[1] in in_scope_files:
            assert run_file(name).cases, name  # most of each file runs


def table() -> str:
    """The conformance table of docs/conformance.md: cases passed per engine, per file."""
    lines = [
        "| file | cases | fast path | reference path | out of scope |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in FILES:
        run = run_file(name)
        lines.append(
            f"| `{name}` | {len(run.cases)} | {run.passed('fast')} | {run.passed('reference')} | {len(run.out_of_scope)} |"
        )
    for name in PLAN_FORMAT_FILES:
        run = run_plan_format(name)
        lines.append(
            f"| `{name}` (plan `format:`) | {len(run.cases)} | {run.passed('fast')} | {run.passed('reference')} | 0 |"
        )
    return "\n".join(lines)


def part_totals() -> dict[tuple[str, str], list[int]]:
    """Files, cases and cases passed per engine, by draft and part (required, optional, plan ``format:``)."""
    totals: dict[tuple[str, str], list[int]] = {}
    for runs, plan_format in ((FILES, False), (PLAN_FORMAT_FILES, True)):
        for name in runs:
            run = run_plan_format(name) if plan_format else run_file(name)
            draft = "draft-07" if name.startswith("draft7/") else "2020-12"
            part = "plan format" if plan_format else ("optional" if "/optional/" in name else "required")
            row = totals.setdefault((draft, part), [0, 0, 0, 0, 0])
            for index, value in enumerate(
                (1, len(run.cases), run.passed("fast"), run.passed("reference"), len(run.out_of_scope))
            ):
                row[index] += value
    return totals


@pytest.mark.parametrize("page", ["README.md", "docs/conformance.md"])
def test_the_published_tables_are_the_suite_run(page: str) -> None:
    """The README and the conformance page show the counts this suite gives per part; the conformance page
    per file too (the README, a front page, links to it)."""
    text = (SUITE.parents[2] / page).read_text(encoding="utf-8")
    missing = [line for line in table().splitlines() if line not in text] if page != "README.md" else []
    assert not missing, f"{page} is out of date (python tests/test_conformance.py): {missing[:5]}"
    labels = {"required": "required", "optional": "optional", "plan format": "format files"}
    for (draft, part), counts in part_totals().items():
        prefix = f"| {draft}, {labels[part]}"
        rows = [line for line in text.splitlines() if line.startswith(prefix)]
        assert len(rows) == 1, (page, prefix)
        shown = [int(cell) for cell in rows[0].strip("| ").split(" | ")[1:]]
        assert shown == counts, (page, draft, part)


if __name__ == "__main__":
    sys.stdout.write(table() + "\n")
