"""A renamed shared property is reported once, with the calls it touches; a call's own renames stay per call."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.diff import diff_plans
from cdpctl.diff.rules import Change
from cdpctl.loader import load_plan_text

OLD = """\
plan: Shop
version: 1.0.0
properties:
  coupon: {type: string, max_length: 20, description: A coupon code.}
events:
  Order Completed:
    description: Paid.
    properties:
      coupon: {}
      total: {type: number}
  Cart Viewed:
    description: Looked at the cart.
    properties:
      coupon: {required: true}
      note: {type: string}
  Product Viewed:
    description: Looked at a product.
    properties:
      sku: {type: string}
identify:
  traits:
    coupon: {}
"""

NEW = OLD.replace("coupon:", "coupon_code:")


def changes(old: str, new: str) -> list[Change]:
    return diff_plans(load_plan_text(old, "old.yaml"), load_plan_text(new, "new.yaml"))


def test_renamed_shared_property_is_one_change_listing_the_calls() -> None:
    found = changes(OLD, NEW)
    assert [(c.rule, c.call_type, c.event, c.path) for c in found] == [
        ("property-renamed", "shared", None, "properties.coupon_code")
    ]
    (change,) = found
    assert change.events == ("Order Completed", "Cart Viewed", "identify")
    assert (change.old, change.new, change.producer, change.consumer) == ("coupon", "coupon_code", "breaking", "breaking")
    assert change.message == (
        "shared property 'coupon' was likely renamed to 'coupon_code' (removed and added with the same definition), "
        "in 3 calls: Order Completed, Cart Viewed, identify"
    )
    assert change.pos is not None and (change.pos.file, change.pos.line) == ("new.yaml", 4)  # the library entry


def test_other_changes_stay_where_they_are() -> None:
    new = NEW.replace("note: {type: string}", "note: {type: integer}").replace(
        "      sku: {type: string}", "      sku: {type: string}\n      coupon_code: {type: string}"
    )
    found = [(c.rule, c.call_type, c.event) for c in changes(OLD, new)]
    assert ("property-renamed", "shared", None) in found
    assert ("type-changed", "track", "Cart Viewed") in found
    # Product Viewed did not have the property: its own addition is not part of the rename
    assert ("property-added-optional", "track", "Product Viewed") in found
    assert sum(rule == "property-renamed" for rule, _, _ in found) == 1


def test_a_calls_own_property_renamed_is_reported_in_that_call() -> None:
    old = OLD.replace("      note: {type: string}", "      note_text: {type: string, max_length: 3}")
    new = OLD.replace("      note: {type: string}", "      remark: {type: string, max_length: 3}")
    assert [(c.rule, c.call_type, c.event, c.events) for c in changes(old, new)] == [
        ("property-renamed", "track", "Cart Viewed", ())
    ]


def test_json_lists_the_events_and_counts_one_breaking_change(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(NEW, encoding="utf-8")
    args = ["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--format", "json", "--fail-on", "never"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["summary"] == {"breaking": 1, "warning": 0, "info": 0}
    (change,) = document["changes"]
    assert change["type"] == "shared" and change["event"] is None
    assert change["events"] == ["Order Completed", "Cart Viewed", "identify"]
    text = CliRunner().invoke(app, [*args[:3], "--fail-on", "never"])
    assert text.stdout.count("was likely renamed") == 1
