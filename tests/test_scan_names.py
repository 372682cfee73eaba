"""``cdpctl scan``: event names written as constants resolve to their values (TypeScript enums, static class
fields, Python enum members, f-strings without placeholders); a name the scan cannot know is dynamic."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.scan import scan_paths

PLAN = """\
plan: Names
version: 1.0.0
events:
  Order Completed:
    properties:
      order_id: {type: string}
"""

TYPESCRIPT = """\
enum Ev { Order = 'Order Completed', Unplanned = 'Not In Plan', Count = 3 }
export const enum Shipped { Done = "Order Completed" }
class Events { static ORDER = 'Order Completed'; static readonly UNPLANNED: string = 'Also Not In Plan'; mine = 'Instance' }
export default class K { static readonly ORDER = 'Order Completed' }
const Holder = class { static ORDER = 'Order Completed' };
analytics.track(Ev.Order, {order_id: 'a'});
analytics.track(Ev.Unplanned, {});
analytics.track(Shipped.Done, {});
analytics.track(Events.ORDER, {});
analytics.track(Events.UNPLANNED, {});
analytics.track(K.ORDER, {});
analytics.track(Holder.ORDER, {});
analytics.track(Events.mine, {});
analytics.track(Ev.Count, {});
"""

JAVASCRIPT = """\
class Events { static ORDER = 'Order Completed'; static #secret = 'Hidden' }
module.exports = { Events };
analytics.track(Events.ORDER, {order_id: 'x'});
"""

PYTHON = """\
from enum import Enum

class Events(Enum):
    ORDER = "Order Completed"
    UNPLANNED = "Not In Plan"

class Named(str, Enum):
    ORDER = "Order Completed"

analytics.track("u", Events.ORDER.value, {"order_id": "a"})
analytics.track("u", Events.UNPLANNED.value, {})
analytics.track("u", Named.ORDER, {})
analytics.track("u", f"Order Completed", {})
analytics.track("u", f"Order {kind}", {})
"""


def _names(path: Path) -> list[str]:
    return [call.event if not call.dynamic else f"<dynamic {call.expression}>" for call in scan_paths([str(path)]).calls]


def test_typescript_enums_and_static_class_fields_are_constants(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text(TYPESCRIPT)
    (tmp_path / "b.js").write_text(JAVASCRIPT)
    assert _names(tmp_path / "a.ts") == [
        "Order Completed", "Not In Plan", "Order Completed", "Order Completed", "Also Not In Plan", "Order Completed",
        "Order Completed", "<dynamic Events.mine>", "<dynamic Ev.Count>",  # an instance field, a numeric member
    ]
    assert _names(tmp_path / "b.js") == ["Order Completed"]


def test_python_enum_values_and_f_strings_without_placeholders_are_constants(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(PYTHON)
    assert _names(tmp_path / "a.py") == [
        "Order Completed", "Not In Plan", "Order Completed", "Order Completed", "<dynamic f'Order {kind}'>",
    ]


def test_an_unplanned_event_behind_a_constant_fails_the_scan(tmp_path: Path) -> None:
    """It passed with only a dynamic-name warning: the plan was never checked against the value."""
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "a.ts").write_text("enum Ev { X = 'Not In Plan' }\nanalytics.track(Ev.X, {});\n")
    (tmp_path / "b.py").write_text('import enum\nclass E(enum.Enum):\n    X = "Not In Plan"\nanalytics.track("u", E.X.value, {})\n')
    done = CliRunner().invoke(app, ["scan", str(tmp_path / "a.ts"), str(tmp_path / "b.py"), "--plan", str(tmp_path / "plan.yaml")])
    assert done.exit_code == 1, done.output
    assert done.output.count("Not In Plan is not in the tracking plan [unplanned_event]") == 2
    assert "dynamic_event_name" not in done.output


def test_template_literals_without_substitutions_are_decoded_as_javascript_does(tmp_path: Path) -> None:
    """``\\u00e9`` in a template literal was kept as six characters: an unplanned "Caf\\u00e9 Opened"."""
    (tmp_path / "a.js").write_bytes(
        b"analytics.track(`Caf\\u00e9 Opened`, {});\n"
        b"analytics.track(`Tab\\tEvent`, {});\n"
        b"analytics.track(`Party \\u{1F600}`, {});\n"
        b"analytics.track(`Order \\\nCompleted`, {});\n"  # a line continuation: no character
        b"analytics.track(`Two\r\nLines`, {});\n"  # a raw CR LF in a template is a LF
        b"analytics.track(`Plain Name`, {});\n"
        b"analytics.track(``, {});\n"
        b"analytics.track(`Viewed ${page}`, {});\n"
    )
    assert _names(tmp_path / "a.js") == [
        "Café Opened", "Tab\tEvent", "Party \U0001f600", "Order Completed", "Two\nLines", "Plain Name", "",
        "<dynamic `Viewed ${page}`>",
    ]
