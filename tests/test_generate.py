"""``cdpctl generate python``: the generated client's behaviour, its safety with hostile names, and the CLI."""

from __future__ import annotations

import ast
import logging
import warnings
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from test_generate_support import REPO, FakeClient, generate_to, hostile_plan_text, load_module
from typer.testing import CliRunner

from cdpctl import __version__
from cdpctl.cli import app
from cdpctl.codegen import generate_python
from cdpctl.codegen.package import generate_package
from cdpctl.loader import load_plan, load_plan_text

ACME = REPO / "plans" / "acme-shop.yaml"


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    path = tmp_path_factory.mktemp("acme") / "acme_runtime_client.py"
    path.write_text(generate_python(load_plan(ACME)), encoding="utf-8")
    return load_module(path, "acme_runtime_client")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    path = generate_to(hostile_plan_text(), "hostile.yaml", tmp_path_factory.mktemp("hostile") / "hostile_rt.py")
    return load_module(path, "hostile_rt")


def order(tracker: Any, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "user_id": "u1",
        "order_id": "o-1",
        "total": 12.5,
        "currency": "EUR",
        "products": [{"product_id": "p1", "price": 9.5, "quantity": 1}],
    }
    arguments.update(overrides)
    return tracker.order_completed(**arguments)


# -- what is sent ---------------------------------------------------------------


def test_track_sends_the_original_event_name_and_properties(acme: ModuleType) -> None:
    client = FakeClient()
    tracker = acme.Tracker(client)
    order(tracker, context={"ip": "10.0.0.1"}, integrations={"All": False}, message_id="m-1")
    assert client.calls == [
        (
            "track",
            {
                "user_id": "u1",
                "event": "Order Completed",
                "properties": {
                    "order_id": "o-1",
                    "total": 12.5,
                    "currency": "EUR",
                    "products": [{"product_id": "p1", "price": 9.5, "quantity": 1}],
                },
                "context": {"ip": "10.0.0.1"},
                "timestamp": None,
                "anonymous_id": None,
                "integrations": {"All": False},
                "message_id": "m-1",
            },
        )
    ]


def test_optional_property_not_sent_by_default_but_explicit_none_sends_null(acme: ModuleType) -> None:
    client = FakeClient()
    tracker = acme.Tracker(client)
    order(tracker)
    order(tracker, coupon=None)
    order(tracker, coupon=acme.NOT_SENT)
    order(tracker, coupon="SPRING")
    sent = [arguments["properties"] for _, arguments in client.calls]
    assert "coupon" not in sent[0]
    assert "coupon" in sent[1] and sent[1]["coupon"] is None
    assert "coupon" not in sent[2]
    assert sent[3]["coupon"] == "SPRING"


def test_datetime_properties_are_serialised_to_iso_8601(acme: ModuleType) -> None:
    client = FakeClient()
    tracker = acme.Tracker(client)
    when = datetime(2024, 5, 1, 10, 30, tzinfo=timezone(timedelta(hours=2)))
    order(tracker, placed_at=when, timestamp=when)
    order(tracker, placed_at=datetime(2024, 5, 1, 10, 30))  # naive: taken as UTC
    first, second = (arguments for _, arguments in client.calls)
    assert first["properties"]["placed_at"] == "2024-05-01T10:30:00+02:00"
    assert first["timestamp"] is when  # the SDK wants a datetime for the envelope timestamp
    assert second["properties"]["placed_at"] == "2024-05-01T10:30:00+00:00"


def test_user_id_or_anonymous_id_is_needed(acme: ModuleType) -> None:
    tracker = acme.Tracker(FakeClient())
    with pytest.raises(ValueError, match="user_id or anonymous_id"):
        order(tracker, user_id=None)
    with pytest.raises(ValueError, match="user_id or anonymous_id"):
        tracker.identify(user_id="", email="a@example.com")
    client = FakeClient()
    order(acme.Tracker(client), user_id=None, anonymous_id="anon-1")
    assert client.calls[0][1]["anonymous_id"] == "anon-1"


def test_identify_group_page_screen_call_the_matching_sdk_methods(acme: ModuleType) -> None:
    client = FakeClient()
    tracker = acme.Tracker(client)
    tracker.identify(user_id="u1", email="a@example.com", plan="pro")
    tracker.group(user_id="u1", group_id="g1", name="Acme", employees=3)
    tracker.page_pricing(anonymous_id="a1", path="/pricing", category="marketing")
    tracker.screen_home(user_id="u1")
    assert [call_type for call_type, _ in client.calls] == ["identify", "group", "page", "screen"]
    identify, group, page, screen = (arguments for _, arguments in client.calls)
    assert identify["traits"] == {"email": "a@example.com", "plan": "pro"}
    assert group["group_id"] == "g1" and group["traits"] == {"name": "Acme", "employees": 3}
    assert page["name"] == "Pricing" and page["category"] == "marketing" and page["properties"] == {"path": "/pricing"}
    assert screen["name"] == "Home" and screen["properties"] == {}


def test_caller_dicts_are_not_mutated_and_extra_properties_pass_through(acme: ModuleType) -> None:
    client = FakeClient()
    tracker = acme.Tracker(client)
    context: dict[str, Any] = {"ip": "10.0.0.1"}
    order(tracker, context=context)
    client.calls[0][1]["context"]["library"] = {"name": "sdk"}  # what the Segment SDK does to the context
    assert context == {"ip": "10.0.0.1"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        tracker.legacy_thing_happened(user_id="u1", extra_properties={"anything": [1, 2]})
    assert client.calls[1][1]["properties"] == {"anything": [1, 2]}


def test_deprecated_event_warns_at_run_time(acme: ModuleType) -> None:
    tracker = acme.Tracker(FakeClient())
    with pytest.warns(DeprecationWarning, match="Legacy Thing Happened"):
        tracker.legacy_thing_happened(user_id="u1")


def test_module_metadata(acme: ModuleType) -> None:
    assert acme.PLAN_NAME == "Acme Shop"
    assert acme.PLAN_VERSION == "1.0.0"
    text = generate_python(load_plan(ACME))
    assert text.startswith(f"# Generated by cdpctl {__version__} from the tracking plan \"Acme Shop\" version \"1.0.0\".\n")
    assert "Do not edit" in text.splitlines()[1]


def test_generation_is_deterministic() -> None:
    first = generate_python(load_plan(ACME))
    second = generate_python(load_plan(ACME))
    assert first == second
    hostile_a = generate_python(load_plan_text(hostile_plan_text(), "hostile.yaml"))
    hostile_b = generate_python(load_plan_text(hostile_plan_text(), "other/place.yaml"))
    assert hostile_a == hostile_b


def test_names_do_not_depend_on_plan_order() -> None:
    plan = "plan: P\nversion: 1.0.0\nevents:\n{}\n"
    forward = plan.format("  Order Completed: {}\n  order_completed: {}\n  Order-Completed: {}\n")
    backward = plan.format("  Order-Completed: {}\n  order_completed: {}\n  Order Completed: {}\n")

    def methods(text: str) -> dict[str, str]:
        tree = ast.parse(generate_python(load_plan_text(text, "p.yaml")))
        tracker = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Tracker")
        result = {}
        for node in tracker.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("order"):
                call = next(n for n in ast.walk(node) if isinstance(n, ast.Call))
                result[node.name] = ast.literal_eval(call.args[1])
        return result

    assert methods(forward) == methods(backward) == {
        "order_completed": "order_completed",
        "order_completed_2": "Order Completed",
        "order_completed_3": "Order-Completed",
    }


# -- runtime validation ---------------------------------------------------------


def test_validation_passes_good_messages_and_sends_them(acme: ModuleType) -> None:
    seen: list[Any] = []
    client = FakeClient()
    tracker = acme.Tracker(client, validate=True, on_violation=seen.extend)
    order(tracker, coupon=None, placed_at=datetime(2024, 5, 1, tzinfo=timezone.utc), timestamp=datetime.now(timezone.utc))
    tracker.identify(user_id="u1", email="a@example.com", plan="free")
    tracker.group(user_id="u1", group_id=7, name="Acme", employees=0)
    tracker.page_pricing(user_id="u1", path="/p")
    tracker.screen_home(anonymous_id="a")
    tracker.chatbot_created(user_id="u1", chatbot_id="cb_abcdefgh", channels=["web"], settings={"temperature": 2, "x": 1})
    assert seen == []
    assert len(client.calls) == 6


@pytest.mark.parametrize(
    ("overrides", "code", "path"),
    [
        ({"currency": "JPY"}, "value_not_allowed", "properties.currency"),
        ({"total": "12"}, "type_mismatch", "properties.total"),
        ({"total": -1}, "constraint_failed", "properties.total"),
        ({"order_id": ""}, "constraint_failed", "properties.order_id"),
        ({"coupon": 5}, "type_mismatch", "properties.coupon"),
        ({"products": []}, "constraint_failed", "properties.products"),
        ({"products": [{"product_id": "p"}]}, "required_missing", "properties.products[].price"),
        ({"products": [{"product_id": "p", "price": 1, "colour": "red"}]}, "unplanned_property", "properties.products[].colour"),
        ({"placed_at": "yesterday"}, "constraint_failed", "properties.placed_at"),
    ],
)
def test_validation_reports_violation_codes(acme: ModuleType, overrides: dict[str, Any], code: str, path: str) -> None:
    seen: list[Any] = []
    client = FakeClient()
    tracker = acme.Tracker(client, validate=True, on_violation=seen.extend)
    order(tracker, **overrides)
    assert [(violation.code, violation.path, violation.severity) for violation in seen] == [(code, path, "error")]
    assert seen[0].type == "track" and seen[0].event == "Order Completed"
    assert len(client.calls) == 1  # a handler that does not raise lets the message through


def test_check_reports_required_unplanned_and_unplanned_events(acme: ModuleType) -> None:
    tracker = acme.Tracker(FakeClient(), validate=True)
    message = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"total": 1, "currency": "EUR", "products": [{"product_id": "p", "price": 1}], "extra": 1}}
    codes = sorted((violation.code, violation.path) for violation in tracker.check(message))
    assert codes == [("required_missing", "properties.order_id"), ("unplanned_property", "properties.extra")]
    unplanned = tracker.check({"type": "track", "event": "Order Completd", "userId": "u", "properties": {}})
    assert [violation.code for violation in unplanned] == ["unplanned_event"]
    assert tracker.check({"type": "alias", "userId": "u", "previousId": "p"}) == []


def test_deprecated_event_is_a_warning_violation(acme: ModuleType) -> None:
    seen: list[Any] = []
    tracker = acme.Tracker(FakeClient(), validate=True, on_violation=seen.extend)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        tracker.legacy_thing_happened(user_id="u1")
    assert [(violation.code, violation.severity) for violation in seen] == [("deprecated_event", "warning")]


def test_default_handler_raises_under_pytest_and_does_not_send(acme: ModuleType) -> None:
    client = FakeClient()
    tracker = acme.Tracker(client, validate=True)
    with pytest.raises(acme.PlanViolationError) as raised:
        order(tracker, currency="JPY")
    assert [violation.code for violation in raised.value.violations] == ["value_not_allowed"]
    assert client.calls == []


def test_default_handler_logs_when_strict_mode_is_off(
    acme: ModuleType, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CDPCTL_TRACKING_STRICT", "0")
    client = FakeClient()
    tracker = acme.Tracker(client, validate=True)
    with caplog.at_level(logging.WARNING, logger="acme_runtime_client"):
        order(tracker, currency="JPY")
    assert "value_not_allowed" in caplog.text and "properties.currency" in caplog.text
    assert len(client.calls) == 1


def test_validation_is_off_by_default_and_jsonschema_is_not_needed(acme: ModuleType) -> None:
    client = FakeClient()
    tracker = acme.Tracker(client)
    order(tracker, currency="JPY")  # the type checker catches this; at run time nothing is checked
    assert client.calls[0][1]["properties"]["currency"] == "JPY"
    tree = ast.parse(generate_python(load_plan(ACME)))
    top_imports = {
        alias.name.split(".")[0]
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    } | {node.module.split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
    assert "jsonschema" not in top_imports
    assert top_imports <= {"__future__", "importlib", "json", "logging", "math", "os", "collections", "dataclasses",
                           "datetime", "enum", "typing", "Callable", "Mapping", "Sequence", "dataclass", "date", "timedelta",
                           "timezone", "Enum", "Any", "ClassVar", "Final", "Literal", "TypedDict", "TYPE_CHECKING",
                           "cast",
                           "annotations"}


# -- hostile names ----------------------------------------------------------------


def test_hostile_plan_compiles_and_no_text_escapes(hostile: ModuleType) -> None:
    source = Path(hostile.__file__ or "").read_text(encoding="utf-8")
    tree = ast.parse(source)
    # the only top-level statements are imports, the runtime, constants, classes: nothing injected runs
    kinds = {type(node).__name__ for node in tree.body}
    assert kinds <= {"Expr", "ImportFrom", "Import", "If", "Assign", "AnnAssign", "ClassDef", "FunctionDef"}
    calls = [node for node in tree.body if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant)]
    assert calls == []
    assert not any(isinstance(node, ast.Attribute) and node.attr == "system" for node in ast.walk(tree))
    assert "\u202e" not in source and "\u2066" not in source  # bidi controls are escaped, never raw
    assert hostile.PLAN_NAME == 'Hostile """ Plan\\ \n# not a comment'
    docstring = ast.get_docstring(tree) or ""
    assert "Ends with a quote\"" in docstring and '"""' in docstring


def test_hostile_names_send_their_original_names(hostile: ModuleType) -> None:
    client = FakeClient()
    tracker = hostile.Tracker(client)
    tracker.track_42_terrible_event_name_3(user_id="u", p_0000_terrible_property_name_3="x", identifier_id="a", identifier_id_2="b")
    tracker.order_completed_2(user_id="u", type_='"""', any_={'y"': None}, class_={"from": "f"}, product_id_3="c", date=date(2024, 1, 2))
    tracker.order_completed(user_id="u")
    tracker.user_id(user_id="real-user", user_id_="property", context_="c", not_sent=1)
    tracker.screen_home(user_id="u")
    events = [(arguments.get("event") or arguments.get("name"), arguments["properties"]) for _, arguments in client.calls]
    assert events == [
        ("42_--terrible==\"event'++name~!3", {"0000---terrible-property-name~!3": "x", "identifierId": "b", "identifier_id": "a"}),
        ("Order Completed", {"type": '"""', "any": {'y"': None}, "class": {"from": "f"}, "productId": "c", "date": "2024-01-02"}),
        ("order_completed", {}),
        ("user_id", {"user_id": "property", "context": "c", "NOT_SENT": 1}),
        ('Home"""\n', {}),
    ]
    assert client.calls[3][1]["user_id"] == "real-user"


def test_hostile_methods_are_distinct_and_documented(hostile: ModuleType) -> None:
    tracker_methods = {name for name in vars(hostile.Tracker) if not name.startswith("_")}
    expected = {"order_completed", "order_completed_2", "check_in", "checkin", "def_", "print_", "datetime_",
                "identify_", "check_", "page_pricing", "page_pricing_2", "user_id", "foo", "foo_bar", "identify",
                "group", "screen_home", "track_42_terrible_event_name_3", "evil"}
    assert expected <= tracker_methods
    assert len([name for name in tracker_methods if name.startswith("track_")]) == 3  # 42..., !!!, 日本語
    doc = hostile.Tracker.order_completed_2.__doc__ or ""
    assert "product_id_3: Optional (sent as 'productId')" in doc
    assert {"FooBarBaz", "FooBarBaz2", "TrackerType", "AnyType", "Class"} <= set(vars(hostile))


def test_hostile_validation_uses_original_names(hostile: ModuleType) -> None:
    seen: list[Any] = []
    tracker = hostile.Tracker(FakeClient(), validate=True, on_violation=seen.extend)
    tracker.order_completed_2(user_id="u", type_="a\"b", any_={'y"': "not a number"})
    assert [(violation.code, violation.path) for violation in seen] == [("type_mismatch", 'properties.any.y"')]


# -- command line -------------------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_cli_writes_a_module_and_check_reports_current_or_stale(tmp_path: Path) -> None:
    out = tmp_path / "tracking.py"
    result = run("generate", "python", "--plan", str(ACME), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == generate_python(load_plan(ACME))
    assert run("generate", "python", "--plan", str(ACME), "--out", str(out), "--check").exit_code == 0
    out.write_text(out.read_text(encoding="utf-8").replace("Acme", "Acne", 1), encoding="utf-8")
    stale = run("generate", "python", "--plan", str(ACME), "--out", str(out), "--check")
    assert stale.exit_code == 1
    assert "stale" in stale.output
    missing = run("generate", "python", "--plan", str(ACME), "--out", str(tmp_path / "none.py"), "--check")
    assert missing.exit_code == 1 and "missing" in missing.output


def test_cli_writes_a_package(tmp_path: Path) -> None:
    out = tmp_path / "tracking"
    assert run("generate", "python", "--plan", str(ACME), "--out", str(out)).exit_code == 0
    assert (out / "py.typed").read_text() == ""
    files = generate_package(load_plan(ACME))
    assert sorted(path.name for path in out.iterdir()) == sorted(files)
    assert all((out / name).read_text(encoding="utf-8") == text for name, text in files.items())
    assert run("generate", "python", "--plan", str(ACME), "--out", str(out), "--check").exit_code == 0
    (out / "py.typed").unlink()
    assert run("generate", "python", "--plan", str(ACME), "--out", str(out), "--check").exit_code == 1
    assert run("generate", "python", "--plan", str(ACME), "--out", str(out)).exit_code == 0
    (out / "_calls_7.py").write_text("# left by a bigger plan\n", encoding="utf-8")  # a group file no longer made
    obsolete = run("generate", "python", "--plan", str(ACME), "--out", str(out), "--check")
    assert obsolete.exit_code == 1 and "_calls_7.py: obsolete" in obsolete.output
    assert run("generate", "python", "--plan", str(ACME), "--out", str(out)).exit_code == 0
    assert not (out / "_calls_7.py").exists()


def test_cli_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("plan: X\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      x: {type: strng}\n")
    for extra in ([], ["--check"]):
        result = run("generate", "python", "--plan", str(broken), "--out", str(tmp_path / "x.py"), *extra)
        assert result.exit_code == 2
        assert "broken.yaml:6" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.py").exists()
    bad_out = run("generate", "python", "--plan", str(ACME), "--out", str(tmp_path / "x.txt"))
    assert bad_out.exit_code == 2 and ".py module or a package" in bad_out.output


def test_cli_reads_the_output_path_from_the_project_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plan.yaml").write_text(ACME.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "cdpctl.yaml").write_text("plan: plan.yaml\ngenerate:\n  python_out: app/tracking.py\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert run("generate", "python").exit_code == 0
    assert (tmp_path / "app" / "tracking.py").is_file()
    assert run("generate", "python", "--check").exit_code == 0


def test_embedded_schemas_rebuild_exactly_the_compiled_ones(acme: ModuleType, hostile: ModuleType) -> None:
    """The module embeds only each call's planned part; the runtime's rebuild equals ``cdpctl compile``."""
    import json

    from cdpctl.compiler import compile_plan

    plans = [(acme, load_plan(ACME)), (hostile, load_plan_text(hostile_plan_text(), "hostile.yaml"))]
    for module, plan in plans:
        compiled = compile_plan(plan)
        assert len(module.Tracker._SCHEMAS) == len(compiled.schemas)
        for schema in compiled.schemas:
            planned = json.loads(module.Tracker._SCHEMAS[(schema.type, schema.event)])
            assert module._call_schema(schema.type, schema.event, planned) == schema.schema


def test_fast_path_and_jsonschema_path_agree(acme: ModuleType) -> None:
    pytest.importorskip("jsonschema_rs")
    fast = acme.Tracker(FakeClient(), validate=True)
    full = acme.Tracker(FakeClient(), validate=True)
    full._fast = False
    base = {"order_id": "o", "total": 1, "currency": "EUR", "products": [{"product_id": "p", "price": 1}]}
    changes: list[dict[str, Any]] = [
        {}, {"currency": "JPY"}, {"total": "1"}, {"total": -1}, {"order_id": ""}, {"coupon": None}, {"coupon": 3},
        {"placed_at": "2024-01-01T00:00:00Z"}, {"placed_at": "2024-13-01T00:00:00Z"}, {"placed_at": "2024-01-01T00:00:00Z\n"},
        {"products": []}, {"products": [{"product_id": "p", "price": -1}]}, {"x": 1},
    ]
    for change in changes:
        message = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {**base, **change}}
        assert fast.check(message) == full.check(message), change
    for chatbot_id in ("cb_abcdefgh", "cb_ABCDEFGH", "cb_abcdefgh\n", "xcb_abcdefgh", "cb_abcdéfgh"):
        message = {"type": "track", "event": "Chatbot Created", "userId": "u", "properties": {"chatbot_id": chatbot_id}}
        assert fast.check(message) == full.check(message), chatbot_id


def _interpreter(minor: int) -> tuple[str, dict[str, str]] | None:
    """A ``python3.<minor>`` that runs here (through pyenv when that is how it is installed), or None."""
    import os
    import shutil
    import subprocess

    command = shutil.which(f"python3.{minor}")
    if command is None:
        return None
    env = dict(os.environ)
    if subprocess.run([command, "-S", "-c", "pass"], env=env, capture_output=True).returncode == 0:
        return command, env
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    versions = subprocess.run([pyenv, "versions", "--bare"], capture_output=True, text=True).stdout.split()
    for version in versions:
        if version.startswith(f"3.{minor}."):
            env["PYENV_VERSION"] = version
            if subprocess.run([command, "-S", "-c", "pass"], env=env, capture_output=True).returncode == 0:
                return command, env
    return None


STDLIB_ONLY_SCRIPT = """
import sys, warnings
sys.path.insert(0, sys.argv[1])
import acme_stdlib_client as acme
assert "typing_extensions" not in sys.modules or sys.version_info >= (3, 13)
calls = []
class Client:
    def track(self, **kw): calls.append(kw)
    identify = group = page = screen = track
tracker = acme.Tracker(Client())
tracker.order_completed(user_id="u", order_id="o", total=1.0, currency="EUR", products=[{"product_id": "p", "price": 1.0}], coupon=None)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    tracker.legacy_thing_happened(user_id="u")
assert calls[0]["properties"]["coupon"] is None and calls[1]["event"] == "Legacy Thing Happened"
print(sys.version_info[:2], len(caught))
"""


@pytest.mark.parametrize("minor", [10, 12, 13])
def test_generated_module_runs_on_the_standard_library_alone(minor: int, tmp_path: Path) -> None:
    """``python -S`` (no site-packages: no typing_extensions, no jsonschema) imports and uses the client."""
    import subprocess

    found = _interpreter(minor)
    if found is None:
        pytest.skip(f"python3.{minor} is not available here")
    command, env = found
    (tmp_path / "acme_stdlib_client.py").write_text(generate_python(load_plan(ACME)), encoding="utf-8")
    result = subprocess.run([command, "-S", "-c", STDLIB_ONLY_SCRIPT, str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"(3, {minor})")


DATES_PLAN = """\
plan: Dates
version: 1.0.0
events:
  Visit Booked:
    properties:
      day: {type: string, format: date, required: true}
      score: {type: number}
"""


def test_a_datetime_for_a_date_is_sent_as_its_date_and_non_finite_numbers_are_flagged(tmp_path: Path) -> None:
    """A ``date`` property is typed ``str | date``, and a datetime is a date to the type checker: it is sent as
    its date (``YYYY-MM-DD``, as the format asks), not as a timestamp the plan refuses. A NaN or infinite number
    is no JSON number (an SDK writes ``NaN``, ``Infinity``, which ``cdpctl validate`` reads as malformed):
    ``validate=True`` reports it as ``malformed_json``."""
    module = load_module(generate_to(DATES_PLAN, "dates.yaml", tmp_path / "dates_client.py"), "dates_client")
    sent: list[dict[str, Any]] = []
    seen: list[Any] = []

    class Client:
        def track(self, **kwargs: Any) -> None:
            sent.append(kwargs)

    tracker = module.Tracker(Client(), validate=True, on_violation=seen.extend)
    tracker.visit_booked(user_id="u", day=datetime(2024, 5, 1, 23, 30, tzinfo=timezone.utc))
    assert sent[-1]["properties"] == {"day": "2024-05-01"} and seen == []
    tracker.visit_booked(user_id="u", day="2024-05-02", score=float("nan"))
    assert [(v.code, v.path, v.message) for v in seen] == [("malformed_json", "properties.score", "NaN is not a JSON number")]


def test_the_generated_client_checks_unique_items_by_json_equality(tmp_path: Path) -> None:
    text = (
        "plan: Uniq\nversion: 1.0.0\nevents:\n  Tags Set:\n    properties:\n"
        "      tags: {type: array, items: any, unique_items: true}\n"
    )
    module = load_module(generate_to(text, "uniq.yaml", tmp_path / "uniq_client.py"), "uniq_client")
    tracker = module.Tracker(FakeClient(), validate=True)

    def codes(tags: list[Any]) -> list[str]:
        message = {"type": "track", "event": "Tags Set", "userId": "u", "properties": {"tags": tags}}
        return [violation.code for violation in tracker.check(message)]

    assert codes([[True], [1], [True]]) == ["constraint_failed"]  # jsonschema's own check let it pass
    assert codes([True, 1]) == [] and codes([[0], [False]]) == []


def test_the_generated_client_reads_surrogates_as_the_json_it_sends(tmp_path: Path) -> None:
    """A surrogate pair is the one character its JSON escapes decode to (a pattern sees one character, never a
    crash in the app); a lone surrogate makes malformed JSON, named as validate names it."""
    text = (
        "plan: S\nversion: 1.0.0\nevents:\n  E Done:\n    properties:\n      s: {type: string, pattern: '^.$'}\n"
        "      t: {type: string}\n      u: {type: any}\n"
    )
    module = load_module(generate_to(text, "s.yaml", tmp_path / "s_client.py"), "s_client")
    tracker = module.Tracker(FakeClient(), validate=True)

    def found(properties: dict[str, Any]) -> list[tuple[str, str]]:
        message = {"type": "track", "event": "E Done", "userId": "u", "properties": properties}
        return [(violation.code, violation.path) for violation in tracker.check(message)]

    assert found({"s": "\ud83d\ude00"}) == []
    assert found({"s": "\U0001f600"}) == []
    assert found({"t": "\ud800"}) == [("malformed_json", "properties.t")]
    assert found({"s": "x\udc00"}) == [("malformed_json", "properties.s"), ("constraint_failed", "properties.s")]
    deep: list[Any] = []
    for _ in range(3000):  # read back without recursion, as deep as the message nests
        deep = [deep]
    assert found({"u": deep, "s": "\ud83d\ude00"}) == []
