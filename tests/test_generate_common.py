"""``cdpctl generate python`` with the plan's ``common:`` rules and ``json_schema:`` escape hatches.

Common properties and traits become arguments of every method they apply to (required ones required),
common ``context`` rules make ``context`` required when they require a key, and raw JSON Schema
properties get a type derived from their ``type`` / ``enum`` / ``const`` (else ``Any``) while runtime
validation uses the raw schema.  Messages the client sends validate with ``cdpctl validate``.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from test_generate_support import FakeClient, generate_to, load_module, run_mypy, to_segment_message
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.compiler import compile_plan
from cdpctl.loader import load_plan_text

PLAN = """\
plan: Common Shop
version: 1.0.0
common:
  description: Sent with every call.
  properties:
    platform: {type: string, enum: [web, ios], required: true, description: Where the call comes from.}
    session: {type: object, properties: {id: {type: string, required: true}}}
    build: {type: integer}
  traits:
    email: {type: string, format: email, required: true}
  context:
    app: {type: object, required: true}
events:
  Order Completed:
    properties:
      total: {type: number, required: true}
      build: {type: integer, minimum: 1}
      value: {json_schema: {type: [string, number, "null"]}, required: true}
      mode: {json_schema: {enum: [a, b]}}
      blob: {json_schema: {anyOf: [{type: string}, {type: object}]}}
  Signed Up: {additional_properties: true}
identify:
  traits:
    name: {type: string}
pages:
  Pricing: {}
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    folder = tmp_path_factory.mktemp("common_client")
    return load_module(generate_to(PLAN, "common.yaml", folder / "common_client.py"), "common_client")


def parameters(method: Any) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(method).parameters)


def test_common_properties_are_arguments_of_every_method_they_reach(client: ModuleType) -> None:
    tracker = client.Tracker(FakeClient())
    for method in (tracker.order_completed, tracker.signed_up, tracker.page_pricing):
        params = parameters(method)
        assert params["platform"].default is inspect.Parameter.empty  # required
        assert params["session"].default is client.NOT_SENT
        assert params["build"].default is client.NOT_SENT
        assert "email" not in params
    traits = parameters(tracker.identify)
    assert traits["email"].default is inspect.Parameter.empty
    assert "platform" not in traits
    # required common context keys make ``context`` a required argument
    for method in (tracker.order_completed, tracker.identify, tracker.page_pricing):
        assert parameters(method)["context"].default is inspect.Parameter.empty


def test_annotations_of_common_and_raw_properties() -> None:
    from cdpctl.codegen import generate_python

    text = generate_python(load_plan_text(PLAN, "common.yaml"))
    assert "        platform: Platform,\n" in text and 'Platform = Literal["web", "ios"]\n' in text
    assert "        value: str | float | None,\n" in text  # json_schema type [string, number, null]
    assert "        mode: Literal[\"a\", \"b\"] | NotSent = NOT_SENT,\n" in text  # json_schema enum
    assert "        blob: Any | NotSent = NOT_SENT,\n" in text  # anyOf: not derivable
    assert "        build: int | NotSent = NOT_SENT,\n" in text
    assert "platform: Required, common to every call. Where the call comes from." in text
    assert "context: Checked against the plan's common context rules: must hold 'app'." in text
    assert "class CommonSession" in text  # one class for a common object, not one per call
    assert text.count("class CommonSession(") == 1


def test_sent_messages_validate_with_the_plan(client: ModuleType, tmp_path: Path) -> None:
    fake = FakeClient()
    tracker = client.Tracker(fake, validate=True)  # the default handler raises under pytest
    tracker.order_completed(user_id="u", total=3.5, value=None, platform="web", context={"app": {"name": "shop"}},
                            session={"id": "s1"}, mode="a", blob={"k": 1})
    tracker.signed_up(anonymous_id="a", platform="ios", context={"app": {}}, extra_properties={"ref": "x"})
    tracker.identify(user_id="u", email="a@example.com", context={"app": {}})
    tracker.page_pricing(user_id="u", platform="web", build=7, context={"app": {}})
    messages = [to_segment_message(call_type, arguments) for call_type, arguments in fake.calls]
    assert messages[0]["properties"] == {
        "total": 3.5, "value": None, "platform": "web", "session": {"id": "s1"}, "mode": "a", "blob": {"k": 1}
    }
    plan = tmp_path / "common.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    log = tmp_path / "sent.ndjson"
    log.write_text("".join(json.dumps(message) + "\n" for message in messages), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(log), "--plan", str(plan), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["events"] == 4 and summary["invalid"] == 0


def test_runtime_validation_uses_common_rules_and_raw_schemas(client: ModuleType) -> None:
    seen: list[Any] = []
    tracker = client.Tracker(FakeClient(), validate=True, on_violation=seen.extend)
    tracker.order_completed(user_id="u", total=1.0, value=True, platform="web", context={}, mode="c", build=0)
    found = sorted((violation.code, violation.path) for violation in seen)
    assert ("type_mismatch", "properties.value") in found  # the raw schema's type
    assert ("value_not_allowed", "properties.mode") in found  # the raw schema's enum
    assert ("constraint_failed", "properties.build") in found  # the call's own minimum
    assert ("required_missing", "context.app") in found  # the common context rule, at its path
    seen.clear()
    tracker.identify(user_id="u", email="not-an-email", context={"app": {}})
    assert [(violation.code, violation.path) for violation in seen] == [("constraint_failed", "traits.email")]
    seen.clear()
    message = {"type": "track", "event": "Signed Up", "userId": "u", "properties": {}, "context": {"app": {}}}
    assert [(v.code, v.path) for v in tracker.check(message)] == [("required_missing", "properties.platform")]


def test_embedded_schemas_rebuild_exactly_the_compiled_ones(client: ModuleType) -> None:
    compiled = compile_plan(load_plan_text(PLAN, "common.yaml"))
    assert len(client.Tracker._SCHEMAS) == len(compiled.schemas)
    for schema in compiled.schemas:
        planned = json.loads(client.Tracker._SCHEMAS[(schema.type, schema.event)])
        assert client._call_schema(schema.type, schema.event, planned) == schema.schema


def test_type_checker_demands_common_required_arguments(tmp_path: Path) -> None:
    generate_to(PLAN, "common.yaml", tmp_path / "common_typed.py")
    usage = tmp_path / "usage.py"
    usage.write_text(
        "from typing import Any\n\nfrom common_typed import Tracker\n\n\n"
        "class Client:\n    def track(self, **kwargs: Any) -> Any:\n        return kwargs\n\n"
        "    identify = page = screen = group = track\n\n\n"
        "tracker = Tracker(Client())\n"
        'tracker.signed_up(user_id="u", platform="web", context={"app": {}})\n'
        'tracker.signed_up(user_id="u", context={"app": {}})\n'
        'tracker.signed_up(user_id="u", platform="android", context={"app": {}})\n'
        'tracker.identify(user_id="u", email="a@example.com")\n'
        'tracker.order_completed(user_id="u", total=1.0, value="x", mode="c", platform="web", context={})\n',
        encoding="utf-8",
    )
    errors = run_mypy(tmp_path, [tmp_path / "common_typed.py", usage])
    assert "common_typed.py" not in errors
    lines = sorted((int(error["line"]), error["code"]) for error in errors.get("usage.py", []))
    assert lines == [(15, "call-arg"), (16, "arg-type"), (17, "call-arg"), (18, "arg-type")]
