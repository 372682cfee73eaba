"""Generated clients under the strictest checkers users run: pyright strict (VS Code / Pylance) and mypy --strict.

Enums are named ``Literal`` aliases a user imports and annotates with; tracking methods return
``object`` (what the wrapped client returns), never ``Any``.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from test_generate_support import REPO, run_mypy, run_pyright

from cdpctl.codegen import generate_python
from cdpctl.loader import load_plan

PLANS = sorted((REPO / "plans").glob("*.yaml"))

USAGE = """
from typing import Any

from acme_client import Currency, Tracker


class Client:
    def track(self, **kwargs: Any) -> None: ...

    identify = page = screen = group = track


def pay(tracker: Tracker, currency: Currency) -> None:
    tracker.order_completed(
        user_id="u1", order_id="o-1", total=9.5, currency=currency, products=[{"product_id": "p", "price": 1.0}]
    )


accepted: list[Currency] = ["USD", "EUR"]
pay(Tracker(Client()), accepted[0])
sent: object = Tracker(Client()).screen_home(user_id="u1")
"""

WRONG_USAGE = """
from typing import Any

from acme_client import Currency, Tracker


class Client:
    def track(self, **kwargs: Any) -> None: ...

    identify = page = screen = group = track


rejected: Currency = "JPY"
counted: int = Tracker(Client()).screen_home(user_id="u1")
"""


def write_modules(folder: Path) -> list[Path]:
    modules = []
    for plan in PLANS:
        module = folder / f"{plan.stem.replace('-', '_')}_client.py"
        module.write_text(generate_python(load_plan(plan)), encoding="utf-8")
        modules.append(module)
    (folder / "acme_client.py").write_text(generate_python(load_plan(REPO / "plans" / "acme-shop.yaml")), encoding="utf-8")
    return modules


def test_enums_are_named_literal_aliases_reused_by_every_method(tmp_path: Path) -> None:
    text = generate_python(load_plan(REPO / "plans" / "acme-shop.yaml"))
    assert 'Currency = Literal["USD", "EUR", "GBP"]\n' in text
    assert 'Channel = Literal["web", "slack", "whatsapp"]\n' in text  # an array's items: the singular
    assert "        currency: Currency,\n" in text
    assert "        channels: list[Channel] | NotSent = NOT_SENT,\n" in text
    assert "    ) -> Any:" not in text and "    ) -> object:" in text
    shared = """\
plan: P
version: 1.0.0
properties:
  order_status: {type: string, enum: [paid, refunded]}
events:
  Order Updated: {properties: {order_status: {required: true}}}
  Order Viewed: {properties: {order_status: {}, state: {type: string, enum: [paid, refunded]}}}
"""
    module = tmp_path / "plan.yaml"
    module.write_text(shared, encoding="utf-8")
    text = generate_python(load_plan(module))
    assert 'OrderStatus = Literal["paid", "refunded"]\n' in text and text.count('Literal["paid", "refunded"]') == 1
    assert text.count("order_status: OrderStatus") == 2 and "state: OrderStatus | NotSent" in text


def test_mypy_strict_imports_and_checks_a_generated_alias(tmp_path: Path) -> None:
    write_modules(tmp_path)
    (tmp_path / "usage.py").write_text(textwrap.dedent(USAGE), encoding="utf-8")
    (tmp_path / "wrong_usage.py").write_text(textwrap.dedent(WRONG_USAGE), encoding="utf-8")
    errors = run_mypy(tmp_path, [tmp_path / "acme_client.py", tmp_path / "usage.py", tmp_path / "wrong_usage.py"])
    assert errors.get("usage.py", []) == [] and errors.get("acme_client.py", []) == []
    lines = sorted(int(error["line"]) for error in errors.get("wrong_usage.py", []))
    assert lines == [13, 14], errors  # "JPY" is not a Currency; a method's result is not Any


@pytest.mark.skipif(shutil.which("node") is None, reason="pyright runs on node")
def test_pyright_strict_and_mypy_strict_over_generated_modules(tmp_path: Path) -> None:
    pytest.importorskip("pyright")
    modules = write_modules(tmp_path)
    (tmp_path / "usage.py").write_text(textwrap.dedent(USAGE), encoding="utf-8")
    problems, report = run_pyright(tmp_path)
    assert problems == [], "\n".join(problems[:40])
    assert report["summary"]["filesAnalyzed"] >= len(modules) + 1
    errors = run_mypy(tmp_path, [*modules, tmp_path / "usage.py"])
    assert errors == {}, errors
