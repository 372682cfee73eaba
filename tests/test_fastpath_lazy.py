"""The fast path built lazily (calls set up as their messages appear) gives the verdicts of the fast path
built eagerly and of the reference path, on generated plans and generated messages (small-message shapes
of every call type included); its generated source never carries plan text outside comments and literals."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdpctl.loader import load_plan
from cdpctl.model import Plan
from cdpctl.validation import Validator, validate_lines
from cdpctl.validation.fastpath import Accepted, FastPath, Partial, Unplanned, generated_source

NAMES = st.sampled_from(["A", "B b", "c'\"\"\"", "d\\", "Ünï", "e\nf", "x" * 30])
PROPERTY = st.sampled_from(
    [
        "{type: string}",
        "{type: string, pattern: '^[a-z]+$'}",
        "{type: string, format: email}",
        "{type: integer, minimum: 0, maximum: 9}",
        "{type: number}",
        "{type: string, enum: [a, b]}",
        "{type: array, items: {type: string}, unique_items: true}",
        "{type: boolean, required: true}",
    ]
)


@st.composite
def plans(draw: st.DrawFn, folder: Path) -> Plan:
    events = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    keys = ["p", "q", "r-s"]
    lines = ["plan: Generated", "version: 1.0.0", "events:"]
    for event in events:
        lines.append(f"  {json.dumps(event)}:")
        lines.append("    properties:")
        for key in keys[: draw(st.integers(0, 3))]:
            lines.append(f"      {key}: {draw(PROPERTY)}")
    lines += ["identify:", "  traits:", "    email: {type: string, format: email}"]
    lines += ["group:", "  traits:", "    size: {type: integer, minimum: 1}"]
    lines += ["pages:", "  Home: {properties: {path: {type: string, required: true}}}"]
    lines += ["screens:", "  Main: {}"]
    path = folder / f"plan-{draw(st.integers(0, 10**9))}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_plan(str(path))


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 12), st.text(max_size=4), st.sampled_from(["a", "a@b.co", ["x", "x"], ["x"]]))
STAMPS = st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-01T10:00:00.5+02:00", "yesterday", None])


@st.composite
def messages(draw: st.DrawFn, plan: Plan) -> bytes:
    kind = draw(st.sampled_from(["track", "track", "page", "screen", "identify", "group", "alias", "trash"]))
    message: dict[str, Any] = {"type": kind, draw(st.sampled_from(["userId", "anonymousId"])): draw(st.sampled_from(["u", "", 5]))}
    if draw(st.booleans()):
        message["timestamp"] = draw(STAMPS)
    if kind == "track":
        message["event"] = draw(st.sampled_from([*plan.events, "Unplanned"]))
    elif kind in ("page", "screen"):
        message["name"] = draw(st.sampled_from(["Home", "Main", "Other"]))
    elif kind == "group":
        message["groupId"] = draw(st.sampled_from(["g", ""]))
    elif kind == "alias":
        message["previousId"] = draw(st.sampled_from(["p", ""]))
    key = "traits" if kind in ("identify", "group") else "properties"
    fields = draw(st.dictionaries(st.sampled_from(["p", "q", "r-s", "email", "size", "path"]), VALUES, max_size=3))
    if draw(st.integers(0, 5)):
        message[key] = fields
    # how SDKs and pipelines write it: spaced or compact, the type first or last, and a "type" key inside
    # another object before the message's own (the route is guessed from the bytes: never a verdict)
    style = draw(st.sampled_from(["spaced", "compact", "compact", "type last", "nested type first"]))
    if style == "type last":
        message = {**{k: v for k, v in message.items() if k != "type"}, "type": kind}
    elif style == "nested type first":
        nested = draw(st.sampled_from(["ios", "page", "track", "identify", "alias"]))
        message = {"context": {"device": {"type": nested}}, **message}
    if style == "spaced":
        return json.dumps(message).encode()
    return json.dumps(message, separators=(",", ":")).encode()


def verdict(outcome: Any) -> Any:
    if isinstance(outcome, Accepted):
        return ("accepted", outcome.type, outcome.event, outcome.warnings)
    if isinstance(outcome, Unplanned):
        return ("unplanned", outcome.type, outcome.name)
    return "look closer" if isinstance(outcome, Partial) or outcome is None else outcome


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_lazy_setup_agrees_with_eager_setup_and_the_reference_path(tmp_path: Path, data: st.DataObject) -> None:
    plan = data.draw(plans(tmp_path))
    lazy, eager = FastPath(plan), FastPath(plan, eager=True)
    validator = Validator(plan)
    for raw in data.draw(st.lists(messages(plan), min_size=1, max_size=12)):
        lazy_outcome = lazy.examine(raw)
        if isinstance(lazy_outcome, (Accepted, Unplanned)) or isinstance(eager.examine(raw), (Accepted, Unplanned)):
            assert verdict(lazy_outcome) == verdict(eager.examine(raw)), raw
        reference = validator.check_reference(json.loads(raw))
        fast = validator.check_bytes(raw)
        assert fast is not None
        assert sorted(map(repr, fast)) == sorted(map(repr, reference)), raw
        if isinstance(lazy_outcome, Accepted):
            assert not [v for v in reference if v.severity == "error"], raw
        report = validate_lines(validator, [(raw, "f", 1)], utf8=True)  # the loop's own copy of the route
        assert report.invalid == (1 if [v for v in reference if v.severity == "error"] else 0), raw


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_source_parses_and_names_nothing_from_the_plan(tmp_path: Path, data: st.DataObject) -> None:
    plan = data.draw(plans(tmp_path))
    source = generated_source(plan)
    tree = ast.parse(source)
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    allowed_prefixes = ("post_init_", "envelope_", "refuse_", "search_", "check_")
    fixed = {"UNSET", "BadEnvelope", "minutes", "seconds", "tails", "stamp_ok", "message", "self", "value", "user", "anonymous",
             "stamp", "other", "previous", "str", "type", "ValueError"}
    assert all(name in fixed or name.startswith(allowed_prefixes) for name in names), names
