"""The spec plans of ``plans/`` against Segment's spec pages: each is complete, lints clean, compiles, and
accepts every example of its page (test data in ``tests/data/segment-spec``) in ``validate`` and ``serve``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from cdpctl.compiler import compile_plan
from cdpctl.lint.config import build_config
from cdpctl.lint.runner import lint_plan
from cdpctl.loader import load_plan
from cdpctl.serve.runner import BackgroundServer, ServeOptions
from cdpctl.validation import Validator
from tests.spec_examples import ROOT, SPEC_PLANS, TEST_USER, Example, pages_of

SEMANTIC = [(plan, page) for plan in SPEC_PLANS for page in pages_of(plan)]
EXAMPLES = [(plan, example) for plan, page in SEMANTIC for example in page.examples]


def plan_file(name: str) -> Path:
    return ROOT / "plans" / f"{name}.yaml"


def test_every_spec_plan_has_its_page() -> None:
    assert sorted(plan for plan, _ in SEMANTIC) == sorted(SPEC_PLANS)


@pytest.mark.parametrize(("plan", "page"), SEMANTIC, ids=[plan for plan, _ in SEMANTIC])
def test_the_plan_has_exactly_the_events_its_page_lists(plan: str, page: Any) -> None:
    loaded = load_plan(plan_file(plan))
    assert list(loaded.events) == list(page.events)
    assert {example.message()["event"] for example in page.examples} <= set(page.events)


@pytest.mark.parametrize("plan", SPEC_PLANS)
def test_the_plan_lints_without_a_finding(plan: str) -> None:
    assert lint_plan(load_plan(plan_file(plan)), build_config({})).findings == []
    report = lint_plan(load_plan(plan_file(plan)), build_config({}), report_unused_disables=True)
    # the only suppressions a plan does not use alone are those for a plan it is combined with (init --template)
    unused = [f for f in report.findings if not (f.code == "CP001" and "property-type-conflict" in f.message)]
    assert [(f.code, f.message) for f in unused] == []


@pytest.mark.parametrize("plan", SPEC_PLANS)
@pytest.mark.parametrize(("draft", "validator"), [("07", Draft7Validator), ("2020-12", Draft202012Validator)])
def test_the_plan_compiles_to_valid_schemas(plan: str, draft: str, validator: Any) -> None:
    loaded = load_plan(plan_file(plan))
    compiled = compile_plan(loaded, draft)
    assert len(compiled.schemas) == len(loaded.events)
    for item in compiled.schemas:
        validator.check_schema(item.schema)


@pytest.fixture(scope="module", params=[True, False], ids=["fast", "reference"])
def route(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


_VALIDATORS: dict[tuple[str, bool], Validator] = {}


def validator(plan: str, fast: bool) -> Validator:
    key = (plan, fast)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = Validator(load_plan(plan_file(plan)), fast=fast)
    return _VALIDATORS[key]


@pytest.mark.parametrize(("plan", "example"), EXAMPLES, ids=[example.label for _, example in EXAMPLES])
def test_the_plan_accepts_the_example_of_its_page(plan: str, example: Example, route: bool) -> None:
    assert validator(plan, route).check(example.message()) == []


@pytest.mark.parametrize(("plan", "example"), EXAMPLES, ids=[example.label for _, example in EXAMPLES])
def test_the_plan_is_not_vacuous_an_unplanned_property_is_refused(plan: str, example: Example, route: bool) -> None:
    message = example.message()
    message.setdefault("properties", {})["not_in_the_spec"] = 1
    codes = [(v.code, v.path) for v in validator(plan, route).check(message)]
    assert codes == [("unplanned_property", "properties.not_in_the_spec")]


def ecommerce(event: str, **properties: Any) -> dict[str, Any]:
    return {"type": "track", "event": event, "userId": TEST_USER, "properties": properties}


def test_ecommerce_currency_in_either_case_but_three_letters(route: bool) -> None:
    check = validator("ecommerce-v2", route).check
    assert check(ecommerce("Product Viewed", product_id="p1", currency="usd")) == []
    assert check(ecommerce("Product Viewed", product_id="p1", currency="USD")) == []
    found = check(ecommerce("Product Viewed", product_id="p1", currency="US Dollar"))
    assert [(v.code, v.path) for v in found] == [("constraint_failed", "properties.currency")]


def test_ecommerce_keeps_its_key_properties_required(route: bool) -> None:
    check = validator("ecommerce-v2", route).check
    for event, key in (("Order Cancelled", "order_id"), ("Product Reviewed", "product_id"),
                       ("Product Added to Wishlist", "product_id"), ("Order Completed", "order_id")):
        assert [(v.code, v.path) for v in check(ecommerce(event))] == [("required_missing", f"properties.{key}")]


def test_video_playback_started_takes_arrays_where_other_playback_events_take_strings(route: bool) -> None:
    check = validator("video", route).check
    started = ecommerce("Video Playback Started", ad_type=["mid-roll", "post-roll"], ad_asset_id=["a", "b"])
    assert check(started) == []
    paused = ecommerce("Video Playback Paused", ad_type="mid-roll", ad_asset_id=None, total_length=None)
    assert check(paused) == []
    wrong = ecommerce("Video Playback Paused", ad_type="half-time")
    assert [v.path for v in check(wrong)] == ["properties.ad_type"]


def test_b2b_saas_context_group_id_is_a_string(route: bool) -> None:
    check = validator("b2b-saas", route).check
    message = {"type": "track", "event": "Signed In", "userId": TEST_USER, "properties": {}, "context": {"groupId": 7}}
    assert check({**message, "context": {"groupId": "acct_123"}}) == []
    (found,) = check(message)  # a common context rule: the code and path of any plan rule
    assert (found.code, found.path) == ("type_mismatch", "context.groupId") and "got an integer (7)" in found.message


def test_email_recipient_in_context_traits_is_an_email(route: bool) -> None:
    check = validator("email", route).check
    message = {"type": "track", "event": "Email Opened", "userId": TEST_USER, "properties": {},
               "context": {"traits": {"email": "not an address"}}}
    assert check({**message, "context": {"traits": {"email": "pgibbons@example.com"}}}) == []
    (found,) = check(message)
    assert (found.code, found.path) == ("constraint_failed", "context.traits.email"), found
    assert "'not an address' is not a valid email" in found.message


def test_legacy_examples_as_written_are_refused_for_their_legacy_keys_only(route: bool) -> None:
    """The video and email pages write 'action' (and 'user_id') where a message carries 'type' ('userId')."""
    seen = 0
    for plan, example in EXAMPLES:
        written = example.as_written()
        if example.form != "legacy" or written is None:
            continue
        seen += 1
        expected = {("invalid_envelope", "type")}
        if "userId" not in written:
            expected.add(("invalid_envelope", "userId"))
        assert {(v.code, v.path) for v in validator(plan, route).check(written)} == expected, example.label
    assert seen == 22  # 16 video, 6 email


@pytest.mark.parametrize("plan", SPEC_PLANS)
def test_serve_accepts_every_example_of_the_page(plan: str) -> None:
    examples = [example for name, example in EXAMPLES if name == plan]
    with BackgroundServer(load_plan(plan_file(plan)), ServeOptions(port=0, keep=10)) as server:
        batch = {"batch": [example.message() for example in examples], "writeKey": "spec"}
        response = httpx.post(server.url + "/v1/batch", content=orjson.dumps(batch), timeout=30)
        assert response.status_code == 200, response.text
        summary = httpx.get(server.url + "/summary", timeout=30).json()
    assert (summary["events"], summary["valid"], summary["invalid"]) == (len(examples), len(examples), 0)


def test_serve_takes_the_video_pages_request_bodies_as_written_on_v1_track() -> None:
    """The video page's bodies have no 'type' (they write 'action'): /v1/track gives them the type of the call."""
    examples = [example for name, example in EXAMPLES if name == "video" and example.form == "legacy"]
    with BackgroundServer(load_plan(plan_file("video")), ServeOptions(port=0, keep=10)) as server:
        for example in examples:
            response = httpx.post(server.url + "/v1/track", content=orjson.dumps(example.as_written()), timeout=30)
            assert response.status_code == 200, response.text
        summary = httpx.get(server.url + "/summary", timeout=30).json()
    assert (summary["events"], summary["valid"], summary["invalid"]) == (16, 16, 0)


@pytest.mark.parametrize("plan", SPEC_PLANS)
def test_validate_command_accepts_every_example_of_the_page(plan: str, tmp_path: Path) -> None:
    examples = [example for name, example in EXAMPLES if name == plan]
    events = tmp_path / "events.ndjson"
    events.write_bytes(b"".join(orjson.dumps(example.message()) + b"\n" for example in examples))
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", str(events), "--plan", str(plan_file(plan)), "--format", "json"],
        capture_output=True, cwd=ROOT, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    report = json.loads(done.stdout)
    assert (report["summary"]["events"], report["summary"]["invalid"]) == (len(examples), 0)


@pytest.mark.parametrize("plan", SPEC_PLANS)
def test_the_generated_client_accepts_every_example_and_refuses_an_unplanned_property(plan: str, tmp_path: Path) -> None:
    """``cdpctl generate python`` with runtime validation agrees with validate on the page's examples."""
    import importlib.util

    from cdpctl.codegen import generate_python

    target = tmp_path / f"spec_client_{plan.replace('-', '_')}.py"
    target.write_text(generate_python(load_plan(plan_file(plan))), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(target.stem, target)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[target.stem] = module
    spec.loader.exec_module(module)
    tracker = module.Tracker(object(), validate=True)
    for name, example in EXAMPLES:
        if name == plan:
            message = example.message()
            assert tracker.check(message) == [], example.label
            message["properties"]["not_in_the_spec"] = 1
            assert [(v.code, v.path) for v in tracker.check(message)] == [
                ("unplanned_property", "properties.not_in_the_spec")
            ], example.label
