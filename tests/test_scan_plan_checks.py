"""``cdpctl scan --plan``: what a call sends is checked as ``validate`` checks the message it makes: the plan's
``common:`` properties and traits are planned, numbers are whole as JSON Schema counts them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.scan import scan_paths

COMMON_PLAN = """\
plan: Common
version: 1.0.0
common:
  properties:
    app_version: {type: string}
    platform: {type: string, enum: [web, ios], required: true}
  traits:
    plan_tier: {type: string}
events:
  Order Completed:
    properties:
      order_id: {type: string, required: true}
identify:
  traits:
    email: {type: string}
"""


def _scan(tmp_path: Path, source: str, plan: str, name: str = "app.js") -> list[str]:
    (tmp_path / "plan.yaml").write_text(plan)
    (tmp_path / name).write_text(source)
    done = CliRunner().invoke(app, ["scan", str(tmp_path / name), "--plan", str(tmp_path / "plan.yaml"), "--format", "json"])
    assert done.exit_code in (0, 1), done.output
    return [f"{f['line']}: {f['code']}: {f['message']}" for f in json.loads(done.stdout)["findings"] if f["code"] != "no_call_site"]


def test_common_properties_and_traits_are_planned(tmp_path: Path) -> None:
    """They were each an unplanned_property, where validate accepts them."""
    source = (
        "analytics.track('Order Completed', {order_id: 'o', app_version: '1.2', platform: 'web'});\n"
        "analytics.track('Order Completed', {order_id: 'o', app_version: 3, platform: 'tv'});\n"
        "analytics.track('Order Completed', {order_id: 'o'});\n"
        "analytics.identify('u', {email: 'e', plan_tier: 'pro'});\n"
        "analytics.track('Order Completed', {order_id: 'o', platform: 'ios', coupon: 'x'});\n"
    )
    assert _scan(tmp_path, source, COMMON_PLAN) == [
        "2: type_mismatch: property 'app_version' of Order Completed: expected string, got integer",
        "2: value_not_allowed: property 'platform' of Order Completed: 'tv' is not one of 'web', 'ios'",
        "3: required_missing: required property 'platform' of Order Completed is not sent",
        "5: unplanned_property: property 'coupon' of Order Completed is not in the tracking plan",
    ]
    (tmp_path / "ok.ndjson").write_text(json.dumps(
        {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"order_id": "o", "app_version": "1.2", "platform": "web"}}
    ) + "\n")
    validated = CliRunner().invoke(app, ["validate", "--plan", str(tmp_path / "plan.yaml"), str(tmp_path / "ok.ndjson")])
    assert validated.exit_code == 0, validated.output  # what scan accepts on line 1, validate accepts


COUNT_PLAN = """\
plan: Counts
version: 1.0.0
events:
  Order Completed:
    properties:
      count: {type: integer}
"""


def test_hex_octal_binary_and_separated_javascript_numbers_are_integers(tmp_path: Path) -> None:
    """``0x10`` was a ``number`` (a type_mismatch against an integer property): it is 16."""
    source = "".join(
        f"analytics.track('Order Completed', {{count: {literal}}});\n"
        for literal in ("0x10", "0o7", "0b1", "1_000", "-0xFF", "017", "1.5", "1e3", "10n")
    )
    (tmp_path / "a.js").write_text(source)
    props = [call.properties[0] for call in scan_paths([str(tmp_path / "a.js")]).calls]
    assert [(p.type, p.value) for p in props[:-1]] == [
        ("integer", 16), ("integer", 7), ("integer", 1), ("integer", 1000), ("integer", -255), ("integer", 15),
        ("number", 1.5), ("integer", 1000.0),
    ]
    assert props[-1].type is None  # a BigInt: JSON.stringify refuses it, its type is not known
    assert _scan(tmp_path, source, COUNT_PLAN) == ["7: type_mismatch: property 'count' of Order Completed: expected integer, got number"]


def test_a_typescript_number_may_be_whole_so_it_passes_an_integer_property(tmp_path: Path) -> None:
    """TypeScript has no integer type: ``count: number`` against an integer property was a type_mismatch."""
    source = (
        "function f(n: number, s: string) {\n"
        "  analytics.track('Order Completed', {count: n});\n"
        "  analytics.track('Order Completed', {count: s});\n"
        "  analytics.track('Order Completed', {count: 2.5});\n"
        "}\n"
    )
    assert _scan(tmp_path, source, COUNT_PLAN, "a.ts") == [
        "3: type_mismatch: property 'count' of Order Completed: expected integer, got string",
        "4: type_mismatch: property 'count' of Order Completed: expected integer, got number",  # a literal: known
    ]
    assert _scan(tmp_path, "def f(n: float):\n    analytics.track('u', 'Order Completed', {'count': n})\n", COUNT_PLAN, "a.py") == [
        "2: type_mismatch: property 'count' of Order Completed: expected integer, got number",  # Python has int
    ]


def test_a_whole_python_float_passes_an_integer_property(tmp_path: Path) -> None:
    """``1.0`` was a type_mismatch against an integer property; JSON Schema, and validate, accept it."""
    source = "".join(f"analytics.track('u', 'Order Completed', {{'count': {value}}})\n" for value in ("1.0", "-2.0", "1.5"))
    assert _scan(tmp_path, source, COUNT_PLAN, "a.py") == [
        "3: type_mismatch: property 'count' of Order Completed: expected integer, got number",
    ]
    (tmp_path / "one.ndjson").write_text('{"type": "track", "event": "Order Completed", "userId": "u", "properties": {"count": 1.0}}\n')
    validated = CliRunner().invoke(app, ["validate", "--plan", str(tmp_path / "plan.yaml"), str(tmp_path / "one.ndjson")])
    assert validated.exit_code == 0, validated.output
