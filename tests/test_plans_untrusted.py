"""Plans are untrusted: odd YAML, hostile patterns and includes are load errors at FILE:LINE:COLUMN, never tracebacks."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdpctl.errors import CdpctlError, PlanLoadError
from cdpctl.interop.importer import import_segment
from cdpctl.loader import load_plan, load_plan_text
from cdpctl.plan_files import PlanFilePolicy


def problems(text: str, file: str = "plan.yaml") -> list[str]:
    with pytest.raises(PlanLoadError) as info:
        load_plan_text(textwrap.dedent(text), file)
    return [str(issue) for issue in info.value.issues]


def cdpctl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cdpctl", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


EVENT = "plan: T\nevents:\n  E:\n    properties:\n      x: {}\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{type: number, minimum: !!float x}", "plan.yaml:5:34: 'x' cannot be read as a number (tag float)"),
        ("{type: boolean, const: !!bool maybe}", "plan.yaml:5:33: 'maybe' cannot be read as true or false (tag bool)"),
        ("{type: integer, minimum: !!int ''}", "plan.yaml:5:35: '' cannot be read as an integer (tag int)"),
        (
            "{type: integer, minimum: " + "9" * 5000 + "}",
            "plan.yaml:5:35: an integer of more than 4000 characters is not supported in plans",
        ),
    ],
)
def test_unreadable_scalars_are_one_load_error(value: str, expected: str) -> None:
    assert problems(EVENT.replace("{}", value)) == [expected]


def test_integers_too_large_for_a_float_are_exact_bounds() -> None:
    big = 10**400
    plan = load_plan_text(EVENT.replace("{}", f"{{type: integer, minimum: {big}, maximum: {big * 2}}}"))
    assert plan.events["E"].fields["x"].constraints == {"minimum": big, "maximum": big * 2}


@pytest.mark.parametrize(
    ("value", "column", "words"),
    [
        ("'a{4294967296}'", 36, "is above 1000"),
        ("'^(?<=x)a'", 36, "lookbehind '(?<=' cannot run in linear time"),
        ("'(a)\\1'", 38, "back-reference '\\1' cannot run in linear time"),
        ("'(?i)abc'", 35, "inline flags"),
        ("'[a-z'", 35, "missing ']'"),
    ],
)
def test_patterns_the_engine_cannot_run_are_load_errors_inside_the_pattern(value: str, column: int, words: str) -> None:
    text = EVENT.replace("{}", "{type: string, pattern: " + value + "}")
    (found,) = problems(text)
    assert found.startswith(f"plan.yaml:5:{column}: 'pattern' of property 'x' ") and words in found, found


def test_ecma_patterns_load() -> None:
    for pattern in (r"^(?<id>[0-9]+)$", r"^\p{Letter}+$", r"^\cA$", r"^[\s\S]*$", "^[]]$"):
        plan = load_plan_text(EVENT.replace("{}", "{type: string, pattern: '" + pattern + "'}"))
        assert plan.events["E"].fields["x"].constraints["pattern"] == pattern


def test_validate_and_compile_exit_2_with_the_position(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(EVENT.replace("{}", "{type: number, minimum: !!float x}"), encoding="utf-8")
    (tmp_path / "data.ndjson").write_text('{"type":"track","event":"E","userId":"u","properties":{"x":1}}\n')
    for args in (("compile", "plan.yaml"), ("validate", "data.ndjson", "--plan", "plan.yaml"), ("lint", "plan.yaml")):
        done = cdpctl(*args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "plan.yaml:5:34: 'x' cannot be read as a number" in done.stderr
        assert "Traceback" not in done.stderr


def test_hostile_pattern_does_not_hang_validate(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(EVENT.replace("{}", "{type: string, pattern: '^(a+)+$'}"), encoding="utf-8")
    line = '{"type":"track","event":"E","userId":"u","properties":{"x":"' + "a" * 100_000 + '!"}}\n'
    (tmp_path / "data.ndjson").write_text(line * 3)
    done = cdpctl("validate", "data.ndjson", "--plan", "plan.yaml", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert '"invalid": 3' in done.stdout.replace("\n", "").replace("  ", " ") or '"invalid":3' in done.stdout


def test_load_plan_is_exact_for_files(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(EVENT.replace("{}", "{type: string}"), encoding="utf-8")
    assert load_plan(path).events["E"].fields["x"].type == "string"


# -- includes: only regular files inside the plan's folder tree (or configured roots), size-capped -----


def include_plan(tmp_path: Path, target: str) -> Path:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True, exist_ok=True)
    (tree / "sub" / "ok.yaml").write_text("events:\n  F: {}\n", encoding="utf-8")
    (tmp_path / "outside").mkdir(exist_ok=True)
    (tmp_path / "outside" / "x.yaml").write_text("events:\n  G: {}\n", encoding="utf-8")
    plan = tree / "plan.yaml"
    plan.write_text(f'plan: T\ninclude: "{target}"\nevents:\n  E: {{}}\n', encoding="utf-8")
    return plan


def include_problems(plan: Path, policy: PlanFilePolicy | None = None) -> list[str]:
    with pytest.raises(PlanLoadError) as info:
        load_plan(plan, policy=policy or PlanFilePolicy())
    return [f"{issue.pos.line}:{issue.pos.column}: {issue.message}" for issue in info.value.issues]


def test_an_include_inside_the_tree_loads(tmp_path: Path) -> None:
    plan = load_plan(include_plan(tmp_path, "sub/ok.yaml"), policy=PlanFilePolicy())
    assert sorted(plan.events) == ["E", "F"]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("../outside/x.yaml", "is outside the plan's folder tree"),
        ("sub/../../outside/x.yaml", "is outside the plan's folder tree"),
        ("/etc/hostname", "is outside the plan's folder tree"),
        ("/dev/zero", "is outside the plan's folder tree"),
        ("sub", "is a folder, not a plan file"),
        ("a\\0b", "an include path must not contain a NUL byte"),
    ],
)
def test_includes_outside_the_tree_are_load_errors_at_the_include(tmp_path: Path, target: str, words: str) -> None:
    (found,) = include_problems(include_plan(tmp_path, target))
    assert found.startswith("2:10: ") and words in found, found


def test_symbolic_links_out_of_the_tree_and_devices_are_refused(tmp_path: Path) -> None:
    plan = include_plan(tmp_path, "sub/link.yaml")
    (plan.parent / "sub" / "link.yaml").symlink_to(tmp_path / "outside" / "x.yaml")
    (found,) = include_problems(plan)
    assert "leads (through a symbolic link) out of the plan's folder tree" in found
    plan = include_plan(tmp_path, "sub/zero.yaml")
    (plan.parent / "sub" / "zero.yaml").symlink_to("/dev/zero")
    (found,) = include_problems(plan)
    assert "out of the plan's folder tree" in found


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    plan = include_plan(tmp_path, "sub/fifo.yaml")
    os.mkfifo(plan.parent / "sub" / "fifo.yaml")  # opening it would wait for a writer for ever
    (found,) = include_problems(plan)
    assert found == "2:10: include 'sub/fifo.yaml' is a FIFO, not a regular file"


def test_configured_roots_and_size_cap(tmp_path: Path) -> None:
    plan = include_plan(tmp_path, "../outside/x.yaml")
    (plan.parent / "cdpctl.yaml").write_text("include_roots: [../outside]\n", encoding="utf-8")
    done = cdpctl("compile", "plan.yaml", "-o", "out", cwd=plan.parent)
    assert done.returncode == 0, done.stderr
    (plan.parent / "cdpctl.yaml").write_text("max_plan_bytes: 20\n", encoding="utf-8")
    done = cdpctl("compile", "plan.yaml", "-o", "out", cwd=plan.parent)
    assert done.returncode == 2
    assert "plan.yaml:1:1: cannot read plan file 'plan.yaml': the file is larger than 20 bytes" in done.stderr
    big = plan.parent / "sub" / "big.yaml"
    big.write_text("events:\n" + "".join(f"  E{n}: {{}}\n" for n in range(100)), encoding="utf-8")
    plan.write_text('plan: T\ninclude: "sub/big.yaml"\n', encoding="utf-8")
    (found,) = include_problems(plan, PlanFilePolicy(max_bytes=100))
    assert found.startswith("2:10: include 'sub/big.yaml' is larger than 100 bytes")


def test_a_device_as_the_plan_is_read_only_up_to_the_cap(tmp_path: Path) -> None:
    done = cdpctl("compile", "/dev/zero", "-o", "out", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "/dev/zero:1:1: cannot read plan file '/dev/zero': the file is larger than 8388608 bytes" in done.stderr


@pytest.mark.parametrize("ref", ["#/definitions/nope", "#nope", "#/properties/a/items"])
def test_a_reference_pointing_nowhere_in_a_raw_block_is_a_load_error(ref: str) -> None:
    text = EVENT.replace(
        "{}", "\n        json_schema:\n          properties: {a: {type: string}}\n          $ref: '" + ref + "'"
    )
    assert problems(text) == [
        f"plan.yaml:8:17: '$ref' '{ref}' in the 'json_schema' of property 'x' points nowhere inside the block"
    ]


def test_references_inside_a_raw_block_load_and_validate(tmp_path: Path) -> None:
    block = "{json_schema: {definitions: {code: {type: string, pattern: '^\\p{Lu}+$'}}, $ref: '#/definitions/code'}}"
    (tmp_path / "plan.yaml").write_text(EVENT.replace("{}", block), encoding="utf-8")
    (tmp_path / "data.ndjson").write_text(
        '{"type":"track","event":"E","userId":"u","properties":{"x":"ÉCOLE"}}\n'
        '{"type":"track","event":"E","userId":"u","properties":{"x":"école"}}\n'
    )
    done = cdpctl("validate", "data.ndjson", "--plan", "plan.yaml", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "1 valid, 1 invalid" in done.stdout


# -- import segment: odd types, huge integers, patterns the engine cannot run -------------------------

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "segment-plans"
RULE = {"key": "Signed Up", "type": "TRACK", "version": 1, "jsonSchema": {"properties": {"properties": {}}}}


def segment_plan(properties: dict[str, Any]) -> dict[str, Any]:
    rule = json.loads(json.dumps(RULE))
    rule["jsonSchema"]["properties"]["properties"] = {"type": "object", "properties": properties}
    return {"id": "tp_1", "name": "T", "rules": [rule]}


def test_import_a_huge_integer_is_an_error_at_its_position(tmp_path: Path) -> None:
    text = '{"id": "tp_1", "name": "T",\n  "rules": [' + "9" * 5000 + "]}"
    (tmp_path / "plan.json").write_text(text, encoding="utf-8")
    done = cdpctl("import", "segment", "plan.json", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "plan.json:2:13: an integer of more than 4,000 digits" in done.stderr


def test_import_a_lone_surrogate_is_named_in_the_imported_file(tmp_path: Path) -> None:
    """The error named the plan the import would have written (which did not exist), not the Segment file."""
    (tmp_path / "plan.json").write_text('{"rules": {"events": [{"name": "\\ud800x", "rules": {}}]}}', encoding="utf-8")
    done = cdpctl("import", "segment", "plan.json", "-o", "imported.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "plan.json: the text '\\ud800x' holds a lone surrogate" in done.stderr
    assert not (tmp_path / "imported.yaml").exists()


def test_import_writes_numbers_beyond_a_double_as_the_largest_one_and_keeps_the_rest(tmp_path: Path) -> None:
    text = json.dumps(segment_plan({"n": {"type": "number", "maximum": 1, "enum": [2, 1]}, "m": {"type": "integer"}}))
    text = text.replace('"maximum": 1', '"maximum": 1e400').replace('"enum": [2, 1]', '"enum": [-1e400, 1]')
    (tmp_path / "plan.json").write_text(text, encoding="utf-8")
    done = cdpctl("import", "segment", "plan.json", "-o", "plan.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # JSON allows 1e400: it was "the imported plan does not load"
    assert done.stderr.count("a number beyond a double (JSON has no infinity)") == 2
    plan = load_plan(tmp_path / "plan.yaml", policy=PlanFilePolicy())
    call = plan.find_call("track", "Signed Up")
    assert call is not None
    n = call.fields["n"].constraints
    assert n["maximum"] == sys.float_info.max and n["enum"] == [-sys.float_info.max, 1]
    assert call.fields["m"].type == "integer"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_import_reads_a_bounded_amount_of_an_endless_input(tmp_path: Path) -> None:
    done = cdpctl("import", "segment", "/dev/zero", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "cdpctl: error: cannot read '/dev/zero': larger than 256 MiB, the most a Segment plan is read to"


def test_import_keeps_patterns_the_engine_cannot_run_out_of_the_plan(tmp_path: Path) -> None:
    document = segment_plan(
        {
            "code": {"type": "string", "pattern": "(?<=x)a"},
            "huge": {"type": "string", "pattern": "a{4294967296}"},
            "odd": {"type": ["string", "integer"], "pattern": "^(a)\\1$"},
        }
    )
    (tmp_path / "plan.json").write_text(json.dumps(document), encoding="utf-8")
    done = cdpctl("import", "segment", "plan.json", "-o", "plan.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "cannot run in linear time" in done.stderr or "cannot run on cdpctl's linear-time engine" in done.stderr
    load_plan(tmp_path / "plan.yaml", policy=PlanFilePolicy())


ODD = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.text(max_size=8),
    st.sampled_from(["(?<=x)", "a{4294967296}", "^(a+)+$", "TRACK", "object", "#/definitions/x"]),
    st.just([]), st.just({}), st.just({"type": 5}),
)  # fmt: skip


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        out.extend(_paths(value, (*prefix, key)))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_import_of_odd_segment_plans_never_raises_a_traceback(data: st.DataObject) -> None:
    if not FIXTURES.is_dir():
        pytest.skip("the shared Segment fixtures are not here")
    files = sorted(FIXTURES.glob("*.json"))
    document = json.loads(data.draw(st.sampled_from(files)).read_text(encoding="utf-8"))
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(document)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        node = document
        for key in path[:-1]:
            node = node[key]
        # a copy: st.just hands out one shared object, and placing it inside itself made a cycle
        node[path[-1]] = copy.deepcopy(data.draw(ODD))
    try:
        result = import_segment(document, "plan.json")
    except CdpctlError:
        return
    load_plan_text(result.text, "imported.yaml")  # what import writes always loads


# -- outputs: never over the plan, never out of the output folder, names safe on every OS --------------


def test_event_names_give_file_names_safe_on_every_os(tmp_path: Path) -> None:
    events = "".join(f"  {name!r}: {{}}\n" for name in ("CON", "con", "aux.json", "NUL", "Com1", "../../evil"))
    (tmp_path / "plan.yaml").write_text("plan: T\nevents:\n" + events, encoding="utf-8")
    done = cdpctl("compile", "plan.yaml", "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out" / "track").iterdir()) == [
        "aux-json.json", "com1-event.json", "con-event-2.json", "con-event.json", "evil.json", "nul-event.json",
    ]  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "plan.yaml"]


def test_compile_out_never_overwrites_the_plan_or_leaves_the_folder(tmp_path: Path) -> None:
    (tmp_path / "o" / "track").mkdir(parents=True)
    included = tmp_path / "o" / "track" / "e.json"
    included.write_text("events:\n  X: {}\n", encoding="utf-8")
    (tmp_path / "plan.yaml").write_text("plan: T\ninclude: o/track/e.json\nevents:\n  E: {}\n", encoding="utf-8")
    done = cdpctl("compile", "plan.yaml", "-o", "o", cwd=tmp_path)
    assert done.returncode == 2 and "is a file of the plan; writing there would destroy it" in done.stderr
    assert included.read_text(encoding="utf-8") == "events:\n  X: {}\n"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "o2").mkdir()
    (tmp_path / "o2" / "track").symlink_to(tmp_path / "elsewhere")
    done = cdpctl("compile", "plan.yaml", "-o", "o2", cwd=tmp_path)
    assert done.returncode == 2 and "leads out of the output folder" in done.stderr
    assert list((tmp_path / "elsewhere").iterdir()) == []
    done = cdpctl("compile", "plan.yaml", "-o", "plan.yaml", cwd=tmp_path)
    assert done.returncode == 2 and (tmp_path / "plan.yaml").read_text(encoding="utf-8").startswith("plan: T")


def test_hostile_pattern_does_not_freeze_serve(tmp_path: Path) -> None:
    import httpx

    from cdpctl.serve.runner import BackgroundServer, ServeOptions

    path = tmp_path / "plan.yaml"
    path.write_text(EVENT.replace("{}", "{type: string, pattern: '^(a+)+$'}"), encoding="utf-8")
    # under Segment's 32 KB message limit: a backtracking engine would still never finish
    hostile = {"type": "track", "event": "E", "userId": "u", "properties": {"x": "a" * 30_000 + "!"}}
    with BackgroundServer(load_plan(path), ServeOptions(port=0, keep=5)) as server:
        batch = {"batch": [hostile] * 4}
        answer = httpx.post(server.url + "/v1/batch", json=batch, timeout=120)
        assert answer.status_code == 200
        assert httpx.get(server.url + "/healthz", timeout=120).status_code == 200
        counts = httpx.get(server.url + "/summary", timeout=120).json()
    assert counts["invalid"] == 4, counts


def test_generated_client_matches_patterns_as_ecma_262_in_linear_time(tmp_path: Path) -> None:
    plan = "x: {type: string, required: true, pattern: '^\\p{Letter}+$'}\n      y: {type: string, pattern: '^(a+)+$'}"
    (tmp_path / "plan.yaml").write_text("version: 1.0.0\n" + EVENT.replace("x: {}", plan), encoding="utf-8")
    done = cdpctl("generate", "python", "plan.yaml", "-o", "tracking_client.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    code = (
        "import tracking_client as t\n"
        "class Sink:\n"
        "    def track(self, *args, **kwargs): pass\n"
        "tracker = t.Tracker(Sink(), validate=True)\n"
        "ok = {'type': 'track', 'event': 'E', 'userId': 'u', 'properties': {'x': 'école'}}\n"
        "bad = {'type': 'track', 'event': 'E', 'userId': 'u', 'properties': {'x': 'a1', 'y': 'a' * 50000 + '!'}}\n"
        "print(len(tracker.check(ok)), sorted(v.path for v in tracker.check(bad)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "0 ['properties.x', 'properties.y']"


def test_generate_out_never_overwrites_the_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.py"  # a plan file whose name a generated module could take
    plan.write_text("plan: P\nversion: 1.0.0\nevents:\n  A: {}\n")
    before = plan.read_bytes()
    done = subprocess.run([sys.executable, "-m", "cdpctl", "generate", "python", str(plan), "--out", str(plan)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "cdpctl: error:" in done.stderr and "Traceback" not in done.stderr
    assert plan.read_bytes() == before


def test_plan_text_in_import_comments_is_escaped_so_the_plan_loads() -> None:
    document = {
        "name": "Odd",
        "rules": [
            {
                "key": "Odd Event",
                "type": "TRACK",
                "version": 1,
                "jsonSchema": {
                    "properties": {
                        "properties": {
                            "type": "object",
                            "properties": {"when": {"type": "string", "format": "\x1b[31m\u2028x\x7f"}},
                        }
                    }
                },
            }
        ],
    }
    result = import_segment(document, "plan.json")
    assert "\x1b" not in result.text and "\u2028" not in result.text
    assert "\\x1b" in result.text  # named, escaped
    load_plan_text(result.text, "imported.yaml")
