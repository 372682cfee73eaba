"""Generated clients pass mypy --strict and ruff; correct calls type-check, wrong ones fail mypy.

One mypy run checks every generated module and every usage file at once (mypy is the slow part),
and each test then reads its own file's errors.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from test_generate_support import REPO, generate_to, hostile_plan_text, run_mypy, run_ruff

from cdpctl.codegen import generate_python
from cdpctl.loader import load_plan

PLANS = sorted((REPO / "plans").glob("*.yaml"))

FAKE_CLIENT = """
class Client:
    def track(self, **kwargs: Any) -> Any:
        return kwargs

    identify = page = screen = group = track
"""

GOOD_USAGE = """
from datetime import datetime, timezone
from typing import Any

from acme_client import NOT_SENT, Product, Tracker
{fake}

tracker = Tracker(Client())
products: list[Product] = [{{"product_id": "p1", "price": 9.5}}, {{"product_id": "p2", "price": 3, "quantity": 2}}]
tracker.order_completed(
    user_id="u1",
    order_id="o-1",
    total=12.5,
    currency="EUR",
    products=products,
    coupon=None,
    placed_at=datetime(2024, 5, 1, tzinfo=timezone.utc),
)
tracker.order_completed(
    anonymous_id="a1",
    order_id="o-2",
    total=1,
    currency="USD",
    products=[{{"product_id": "p1", "price": 1.0}}],
    coupon=NOT_SENT,
    placed_at="2024-05-01T10:00:00Z",
    context={{"ip": "127.0.0.1"}},
    timestamp=datetime.now(timezone.utc),
    integrations={{"All": True}},
    message_id="m-1",
)
tracker.chatbot_created(user_id="u1", chatbot_id="cb_abcdefgh", channels=["web", "slack"], settings={{"temperature": 1.5}})
tracker.identify(user_id="u1", email="a@example.com", plan="pro")
tracker.group(user_id="u1", group_id="g1", name="Acme", employees=12)
tracker.page_pricing(user_id="u1", path="/pricing")
tracker.screen_home(anonymous_id="a1")
violations = tracker.check({{"type": "track", "event": "Order Completed"}})
codes: list[str] = [violation.code for violation in violations]
"""

BAD_USAGES = {
    "bad_misspelled_event": ('tracker.order_complete(user_id="u1", order_id="o", total=1.0, currency="EUR", products=[])', "attr-defined"),
    "bad_enum_literal": ('tracker.order_completed(user_id="u1", order_id="o", total=1.0, currency="JPY", products=[])', "arg-type"),
    "bad_missing_required": ('tracker.order_completed(user_id="u1", total=1.0, currency="EUR", products=[])', "call-arg"),
    "bad_wrong_type": ('tracker.order_completed(user_id="u1", order_id="o", total="12.50", currency="EUR", products=[])', "arg-type"),
    "bad_unknown_property": ('tracker.order_completed(user_id="u1", order_id="o", total=1.0, currency="EUR", products=[], discount=5)', "call-arg"),
    "bad_item_missing_key": ('tracker.order_completed(user_id="u1", order_id="o", total=1.0, currency="EUR", products=[{"price": 1.0}])', "typeddict-item"),
    "bad_item_unknown_key": ('tracker.order_completed(user_id="u1", order_id="o", total=1.0, currency="EUR", products=[{"product_id": "p", "price": 1.0, "colour": "red"}])', "typeddict-unknown-key"),
    "bad_trait_enum": ('tracker.identify(user_id="u1", plan="gold")', "arg-type"),
    "bad_array_item_enum": ('tracker.chatbot_created(user_id="u1", chatbot_id="cb_abcdefgh", channels=["fax"])', "list-item"),
    "bad_item_wrong_type": ('tracker.order_completed(user_id="u1", order_id="o", total=1.0, currency="EUR", products=[{"product_id": "p", "price": "9.99"}])', "typeddict-item"),
    "bad_deprecated_event": ("tracker.legacy_thing_happened(user_id=\"u1\")", "deprecated"),
}

HOSTILE_USAGE = """
from typing import Any

from hostile_client import Tracker
{fake}

tracker = Tracker(Client())
tracker.order_completed_2(user_id="u", type_='a"b', any_={{'y"': None}}, class_={{"from": "x", "a b": 1}}, date="2024-01-01")
tracker.order_completed_2(user_id="u", type_="\\n", any_={{}}, product_id="1", product_id_2=2.0, product_id_3="3")
tracker.order_completed(user_id="u")
tracker.check_in(user_id="u")
tracker.checkin(user_id="u")
tracker.track_42_terrible_event_name_3(user_id="u", p_0000_terrible_property_name_3="x", identifier_id="a", identifier_id_2="b")
tracker.def_(user_id="u")
tracker.print_(user_id="u")
tracker.datetime_(user_id="u")
tracker.identify_(user_id="u")
tracker.check_(user_id="u")
tracker.page_pricing_2(user_id="u")
tracker.page_pricing(user_id="u", name="n", category_="c", category="real category")
tracker.user_id(user_id="u", user_id_="sent as user_id", context_="c", self_="s", not_sent=2, str_="s")
tracker.identify(user_id="u", e_mail="a@b.co", timestamp_="2024-01-01T00:00:00Z")
tracker.group(user_id="u", group_id="g", group_id_="trait")
tracker.deep(
    user_id="u",
    matrix=[[1, 2.5], []],
    level1={{"level2": {{"level3": {{"level4": None}}}}}},
    objects=[{{"x": 1}}],
    anything=object(),
    nums=1.5,
    flag=True,
    when=None,
)
"""


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("generated")
    modules: list[Path] = []
    for index, plan_path in enumerate(PLANS):
        target = folder / f"plan_{index}_client.py"
        target.write_text(generate_python(load_plan(plan_path)), encoding="utf-8")
        modules.append(target)
    acme = folder / "acme_client.py"
    acme.write_text(generate_python(load_plan(REPO / "plans" / "acme-shop.yaml")), encoding="utf-8")
    hostile = generate_to(hostile_plan_text(), "hostile.yaml", folder / "hostile_client.py")
    modules += [acme, hostile]
    usages = {"good_usage": GOOD_USAGE.format(fake=FAKE_CLIENT), "hostile_usage": HOSTILE_USAGE.format(fake=FAKE_CLIENT)}
    for name, (line, _) in BAD_USAGES.items():
        usages[name] = f"from typing import Any\n\nfrom acme_client import Tracker\n{FAKE_CLIENT}\ntracker = Tracker(Client())\n{line}\n"
    usage_files = []
    for name, text in usages.items():
        path = folder / f"{name}.py"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        usage_files.append(path)
    errors = run_mypy(folder, [*modules, *usage_files], "--enable-error-code", "deprecated")
    return {"folder": folder, "modules": modules, "errors": errors, "usages": usages}


def test_every_generated_module_passes_mypy_strict(checked: dict[str, Any]) -> None:
    assert len(checked["modules"]) >= 3
    for module in checked["modules"]:
        assert checked["errors"].get(module.name, []) == [], module.name


def test_every_generated_module_passes_ruff(checked: dict[str, Any]) -> None:
    result = run_ruff(checked["modules"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_correct_usage_type_checks(checked: dict[str, Any]) -> None:
    assert checked["errors"].get("good_usage.py", []) == []


def test_hostile_names_usage_type_checks(checked: dict[str, Any]) -> None:
    assert checked["errors"].get("hostile_usage.py", []) == []


@pytest.mark.parametrize("name", sorted(BAD_USAGES))
def test_wrong_usage_fails_mypy(checked: dict[str, Any], name: str) -> None:
    errors = checked["errors"].get(f"{name}.py", [])
    expected_code = BAD_USAGES[name][1]
    # the mistake is on the last line; nothing else in the file is wrong
    assert errors, f"{name}: mypy accepted a wrong call"
    assert {error["code"] for error in errors} == {expected_code}, errors
    assert {int(error["line"]) for error in errors} == {len(checked["usages"][name].strip().splitlines())}
