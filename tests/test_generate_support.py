"""Shared helpers for the ``cdpctl generate python`` tests: load generated modules, run mypy and ruff."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from cdpctl.codegen import generate_python
from cdpctl.loader import load_plan_text

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"

MYPY_LINE = re.compile(r"^(?P<file>[^:]+\.py):(?P<line>\d+): (?P<kind>error|note): (?P<text>.*?)(?:  \[(?P<code>[a-z-]+)\])?$")

HOSTILE_PLAN = r'''
plan: "Hostile \"\"\" Plan\\ \n# not a comment"
version: 1.0.0
description: "Ends with a quote\" and \"\"\" and ''' + "'''" + r''' and \\ and \u202e bidi\r\nnew line\\"
types:
  class:
    description: "type named class \"\"\""
    properties:
      "from": {type: string, required: true}
      "a b": {type: integer}
      "__init__": {type: boolean}
  Tracker:
    properties:
      x: {type: string}
  Any:
    properties:
      "y\"": {type: number, nullable: true}
events:
  Order Completed:
    description: "Backslash at the end \\"
    properties:
      "type": {type: string, enum: ["a\"b", "c'd", "e\\f", "\"\"\"", "\n"], required: true}
      "class": {type: class}
      productId: {type: string}
      product_id: {type: string}
      "product id": {type: number}
      tracker: {type: Tracker}
      any: {type: Any, required: true}
      date: {type: string, format: date}
  order_completed: {description: "collides with Order Completed"}
  check_in: {}
  checkin: {}
  "42_--terrible==\"event'++name~!3":
    description: "\"\"\"; import os; os.system('echo pwned') #"
    properties:
      "0000---terrible-property-name~!3": {type: string, description: "Really, don't do this.\"\"\"\n)\nraise SystemExit"}
      identifierId: {type: string}
      identifier_id: {type: string}
  "def": {}
  "print": {}
  "datetime": {}
  "Identify": {}
  "Check": {}
  "Page Pricing": {}
  "!!!": {}
  "日本語": {}
  "\u202eevil\u2066": {}
  Foo:
    properties:
      bar baz: {type: object, properties: {a: {type: string}}}
  Foo Bar:
    properties:
      baz: {type: object, properties: {b: {type: integer}}}
  Deep:
    properties:
      matrix: {type: array, items: {type: array, items: {type: number}}, required: true}
      level1: {type: object, properties: {level2: {type: object, properties: {level3: {type: object, properties: {level4: {type: string, nullable: true, enum: [a, b, null]}}}}}}}
      objects: {type: array, items: {type: object, properties: {x: {type: integer, required: true}}}}
      anything: {type: any}
      nums: {type: number, enum: [1.5, 2]}
      flag: {type: boolean, const: true}
      when: {type: string, format: date-time, nullable: true}
  "user_id":
    properties:
      user_id: {type: string, required: true}
      context: {type: string}
      self: {type: string}
      NOT_SENT: {type: integer, enum: [1, 2]}
      "": {type: string}
      str: {type: string}
identify:
  traits:
    "e-mail\"": {type: string, format: email}
    timestamp: {type: string, format: date-time}
group:
  traits:
    group_id: {type: string}
pages:
  Pricing:
    properties:
      "name": {type: string}
      "category": {type: string}
screens:
  "Home\"\"\"\n": {}
'''


def hostile_plan_text() -> str:
    return HOSTILE_PLAN


def load_module(path: Path, name: str) -> ModuleType:
    """Import a generated module from ``path`` under a unique ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def generate_to(text: str, file: str, target: Path) -> Path:
    plan = load_plan_text(text, file)
    target.write_text(generate_python(plan), encoding="utf-8")
    return target


def run_mypy(folder: Path, files: Iterable[Path], *extra: str) -> dict[str, list[dict[str, str]]]:
    """Run ``mypy --strict`` (Python 3.11 semantics, the oldest supported) over ``files``; the errors found, by file name."""
    config = folder / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--python-version",
        "3.11",
        "--config-file",
        str(config),
        "--cache-dir",
        str(folder / ".mypy_cache"),
        "--show-error-codes",
        "--no-error-summary",
        "--no-color-output",
        *extra,
        *(path.name for path in files),
    ]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stderr + result.stdout
    errors: dict[str, list[dict[str, str]]] = {}
    for line in result.stdout.splitlines():
        match = MYPY_LINE.match(line)
        if match and match["kind"] == "error":
            errors.setdefault(match["file"], []).append(match.groupdict(default=""))
    return errors


def run_pyright(folder: Path) -> tuple[list[str], dict[str, Any]]:
    """pyright in strict mode over ``folder``: its errors and warnings (``file:line: message``) and its report."""
    import json

    config = {"typeCheckingMode": "strict", "pythonVersion": "3.11", "reportMissingModuleSource": False}
    (folder / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable],
        cwd=folder, capture_output=True, text=True, timeout=600,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    problems = [
        f"{Path(d['file']).name}:{d['range']['start']['line'] + 1}: {d['message']}"
        for d in report["generalDiagnostics"]
        if d["severity"] in ("error", "warning")
    ]
    return problems, report


def run_ruff(files: Iterable[Path]) -> subprocess.CompletedProcess[str]:
    """``ruff check`` with its default rules and with a strict selection, for Python 3.10 to 3.14 targets."""
    names = [str(path) for path in files]
    result: subprocess.CompletedProcess[str] | None = None
    for target in ("py310", "py311", "py312", "py313", "py314"):
        for select in ([], ["--extend-select", "E,F,W,I,B,UP,SIM,C4,PIE,RUF,N,PERF,FURB,TC,A,ARG,RET,Q", "--ignore", "E501"]):
            command = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--target-version", target]
            result = subprocess.run([*command, *select, *names], capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                result.stdout = f"ruff --target-version {target} {' '.join(select)}\n{result.stdout}"
                return result
    assert result is not None
    return result


class FakeClient:
    """A test double with the Segment SDK method signatures that records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _record(self, call_type: str, arguments: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        self.calls.append((call_type, arguments))
        return True, arguments

    def track(self, user_id: Any = None, event: Any = None, properties: Any = None, context: Any = None,
              timestamp: Any = None, anonymous_id: Any = None, integrations: Any = None,
              message_id: Any = None) -> tuple[bool, dict[str, Any]]:
        return self._record("track", dict(user_id=user_id, event=event, properties=properties, context=context,
                                          timestamp=timestamp, anonymous_id=anonymous_id,
                                          integrations=integrations, message_id=message_id))

    def identify(self, user_id: Any = None, traits: Any = None, context: Any = None, timestamp: Any = None,
                 anonymous_id: Any = None, integrations: Any = None,
                 message_id: Any = None) -> tuple[bool, dict[str, Any]]:
        return self._record("identify", dict(user_id=user_id, traits=traits, context=context, timestamp=timestamp,
                                             anonymous_id=anonymous_id, integrations=integrations,
                                             message_id=message_id))

    def group(self, user_id: Any = None, group_id: Any = None, traits: Any = None, context: Any = None,
              timestamp: Any = None, anonymous_id: Any = None, integrations: Any = None,
              message_id: Any = None) -> tuple[bool, dict[str, Any]]:
        return self._record("group", dict(user_id=user_id, group_id=group_id, traits=traits, context=context,
                                          timestamp=timestamp, anonymous_id=anonymous_id,
                                          integrations=integrations, message_id=message_id))

    def page(self, user_id: Any = None, category: Any = None, name: Any = None, properties: Any = None,
             context: Any = None, timestamp: Any = None, anonymous_id: Any = None, integrations: Any = None,
             message_id: Any = None) -> tuple[bool, dict[str, Any]]:
        return self._record("page", dict(user_id=user_id, category=category, name=name, properties=properties,
                                         context=context, timestamp=timestamp, anonymous_id=anonymous_id,
                                         integrations=integrations, message_id=message_id))

    def screen(self, user_id: Any = None, category: Any = None, name: Any = None, properties: Any = None,
               context: Any = None, timestamp: Any = None, anonymous_id: Any = None, integrations: Any = None,
               message_id: Any = None) -> tuple[bool, dict[str, Any]]:
        return self._record("screen", dict(user_id=user_id, category=category, name=name, properties=properties,
                                           context=context, timestamp=timestamp, anonymous_id=anonymous_id,
                                           integrations=integrations, message_id=message_id))


def to_segment_message(call_type: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """What a Segment SDK would send for one recorded call (the JSON the API receives)."""
    message: dict[str, Any] = {"type": call_type}
    renames = {
        "user_id": "userId",
        "anonymous_id": "anonymousId",
        "group_id": "groupId",
        "message_id": "messageId",
    }
    for key, value in arguments.items():
        if value is None:
            continue
        if key == "timestamp":
            value = value.isoformat()
        message[renames.get(key, key)] = value
    return message
