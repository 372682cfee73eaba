"""``cdpctl infer``: plans inferred from traffic load, lint without error and validate their own logs
with zero errors; types, formats, enums, required and nullable properties come out as generated;
``--update`` keeps what people wrote."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from cdpctl.infer import Options, Sketch, infer_records, plan_document
from cdpctl.interop.yamlwrite import dump_plan
from cdpctl.loader import load_plan, load_plan_text

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "examples" / "events.ndjson"


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cdpctl", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def _corpus(count: int = 600, seed: int = 3) -> list[dict[str, object]]:
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for i in range(count):
        props: dict[str, object] = {
            "order_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "total": round(rng.uniform(1, 500), 2),
            "items": rng.randint(1, 9),
            "status": rng.choice(["paid", "refunded", "pending"]),
            "placed_at": f"2024-06-{rng.randint(10, 28)}T10:00:00Z",
            "email": f"user{rng.randint(1, 10_000)}@example.com",
            "ip": f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "site": f"https://shop.example.com/p/{rng.randint(1, 10_000)}",
            "day": f"2024-07-{rng.randint(10, 28)}",
            "products": [{"sku": f"s{rng.randint(1, 10_000)}", "price": rng.randint(1, 90)} for _ in range(rng.randint(0, 3))],
            "note": rng.choice([None, f"free text {rng.random()}"]),
        }
        if i % 4:
            props["coupon"] = f"C{rng.randint(1, 10_000)}"
        out.append({"type": "track", "event": "Order Completed", "userId": f"u{i}", "properties": props})
        if i % 5 == 0:
            out.append({"type": "identify", "userId": f"u{i}", "context": {"traits": {"plan": rng.choice(["free", "pro"]), "age": rng.randint(18, 90)}}})
        if i % 7 == 0:
            out.append({"type": "page", "name": "Pricing", "anonymousId": "a", "properties": {"path": "/pricing"}})
    return out


def test_generated_corpus_gives_the_known_types(tmp_path: Path) -> None:
    messages = _corpus()
    inference = infer_records([json.dumps(m).encode() for m in messages])
    document = plan_document(inference, "Shop")
    props = document["events"]["Order Completed"]["properties"]
    library = document.get("properties", {})

    def definition(name: str) -> dict[str, object]:
        return {**library.get(name, {}), **props[name]}

    assert definition("order_id") == {"type": "string", "format": "uuid", "required": True}
    assert definition("total") == {"type": "number", "required": True}
    assert definition("items") == {"type": "integer", "required": True}
    assert definition("status") == {"type": "string", "enum": ["paid", "pending", "refunded"], "required": True}
    assert definition("placed_at")["format"] == "date-time"
    assert definition("email")["format"] == "email"
    assert definition("ip")["format"] == "ipv4"
    assert definition("site")["format"] == "uri"
    assert definition("day")["format"] == "date"
    assert definition("note") == {"type": "string", "nullable": True, "required": True}
    assert "required" not in definition("coupon")  # sent in three messages of four
    products = definition("products")
    assert products["items"]["properties"]["sku"] == {"type": "string", "required": True}  # type: ignore[index]
    assert document["identify"]["traits"]["plan"]["type"] == "string"
    assert document["pages"]["Pricing"]["properties"]["path"]["required"] is True
    # the plan loads, validates its own logs with zero errors and lints without error
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(dump_plan(document))
    logs = tmp_path / "logs.ndjson"
    logs.write_text("\n".join(json.dumps(m) for m in messages) + "\n")
    load_plan(plan_file)
    done = _cli("validate", str(logs), "--plan", str(plan_file), "--format", "json")
    summary = json.loads(done.stdout)["summary"]
    assert done.returncode == 0 and summary["invalid"] == 0, done.stdout[:2000]
    lint = _cli("lint", str(plan_file), "--format", "json")
    assert lint.returncode == 0, lint.stdout


def test_round_trip_on_the_example_logs(tmp_path: Path) -> None:
    out = tmp_path / "inferred.yaml"
    done = _cli("infer", str(CLEAN), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert _cli("validate", str(CLEAN), "--plan", str(out)).returncode == 0
    assert _cli("lint", str(out)).returncode == 0
    again = tmp_path / "again.yaml"
    _cli("infer", str(CLEAN), "-o", str(again))
    assert out.read_bytes() == again.read_bytes()  # deterministic


def test_names_breaking_the_naming_rules_are_kept_and_reported(tmp_path: Path) -> None:
    logs = tmp_path / "logs.ndjson"
    logs.write_text(json.dumps({"type": "track", "event": "order_completed", "userId": "u", "properties": {"Total Amount": 1}}) + "\n")
    done = _cli("infer", str(logs), "-o", str(tmp_path / "p.yaml"))
    assert done.returncode == 0
    assert "order_completed" in (tmp_path / "p.yaml").read_text()
    assert "kept as seen" in done.stderr and "event-name-casing" in done.stderr


def test_update_keeps_what_people_wrote_and_marks_what_was_not_seen(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan: Shop\nversion: 1.2.0\nevents:\n  Order Completed:\n    description: Written by a person.\n    owner: checkout\n"
        "    properties:\n      total: {type: number, minimum: 0, description: Hand-written.}\n      legacy: {type: string}\n"
        "  Old Event:\n    description: Never sent any more.\n"
    )
    logs = tmp_path / "logs.ndjson"
    logs.write_text("\n".join(json.dumps(m) for m in [
        {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"total": 5, "currency": "EUR"}},
        {"type": "track", "event": "Signed Up", "userId": "u", "properties": {"plan": "pro"}},
    ]) + "\n")
    done = _cli("infer", str(logs), "--update", str(plan))
    assert done.returncode == 0, done.stderr
    text = plan.read_text()
    merged = yaml.safe_load(text)
    order = merged["events"]["Order Completed"]
    assert order["description"] == "Written by a person." and order["owner"] == "checkout"
    assert order["properties"]["total"] == {"type": "number", "minimum": 0, "description": "Hand-written."}
    assert order["properties"]["currency"]["type"] == "string"
    assert "legacy" in order["properties"] and "Old Event" in merged["events"] and "Signed Up" in merged["events"]
    assert text.count("not observed in the logs") == 2  # legacy and Old Event
    assert merged["version"] == "1.2.0"
    load_plan(plan)


def test_sketches_stay_bounded() -> None:
    sketch = Sketch()
    options = Options()
    for i in range(100_000):
        sketch.add(f"value {i}", options)
    assert sketch.values is None and sketch.strings == 100_000
    wide = Sketch()
    wide.add_object({f"k{i}": i for i in range(5_000)}, options)
    assert len(wide.props) == 1_000 and wide.open


def test_no_messages_is_exit_two(tmp_path: Path) -> None:
    (tmp_path / "empty.ndjson").write_text("\n")
    done = _cli("infer", str(tmp_path / "empty.ndjson"))
    assert done.returncode == 2 and "no events read" in done.stderr and "Traceback" not in done.stderr
    assert load_plan_text(_cli("infer", str(tmp_path / "empty.ndjson"), "--allow-empty").stdout)


def test_an_input_broken_part_way_is_exit_two_and_writes_nothing(tmp_path: Path) -> None:
    """A plan describes all the traffic given: a gzip log without its end stops infer, named, before -o is written."""
    import gzip

    line = json.dumps({"type": "track", "event": "Song Played", "userId": "u", "properties": {"n": 1}}) + "\n"
    whole = gzip.compress(line.encode() * 2000)
    (tmp_path / "cut.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    done = _cli("infer", str(tmp_path / "cut.ndjson.gz"), "-o", str(tmp_path / "plan.yaml"))
    assert done.returncode == 2 and "cannot read" in done.stderr and "cut.ndjson.gz" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "plan.yaml").exists()


def _write_logs(path: Path, messages: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(m) for m in messages) + "\n")
    return path


def test_one_name_across_calls_gets_one_type_and_one_enum(tmp_path: Path) -> None:
    messages: list[dict[str, object]] = []
    for i in range(40):
        messages.append({"type": "track", "event": "Order Completed", "userId": "u",
                         "properties": {"total": i, "currency": ["EUR", "USD"][i % 2], "sizes": [i]}})
        messages.append({"type": "track", "event": "Order Refunded", "userId": "u",
                         "properties": {"total": i + 0.5, "currency": ["GBP", "USD"][i % 2], "sizes": [i / 4]}})
    document = plan_document(infer_records([json.dumps(m).encode() for m in messages]), extract=False)
    refunded, completed = (document["events"][name]["properties"] for name in ("Order Refunded", "Order Completed"))
    for props in (refunded, completed):
        assert props["total"]["type"] == "number"  # whole in one call, fractional in the other
        assert props["currency"]["enum"] == ["EUR", "GBP", "USD"]
        assert props["sizes"]["items"] == {"type": "number"}
    logs = _write_logs(tmp_path / "logs.ndjson", messages)
    out = tmp_path / "plan.yaml"
    assert _cli("infer", str(logs), "-o", str(out)).returncode == 0
    lint = _cli("lint", str(out))
    assert lint.returncode == 0 and "suppressed" not in lint.stdout, lint.stdout
    assert _cli("validate", str(logs), "--plan", str(out)).returncode == 0


def test_traffic_that_breaks_an_error_rule_is_kept_marked_and_reported(tmp_path: Path) -> None:
    logs = _write_logs(tmp_path / "logs.ndjson", [
        {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"id": "x", "price": 3}},
        {"type": "track", "event": "Cart Viewed", "userId": "u", "properties": {"id": 7, "price": "cheap"}},
    ])
    for out in (tmp_path / "plan.yaml", None):
        done = _cli("infer", str(logs), *(["-o", str(out)] if out else []))
        assert done.returncode == 0, done.stderr
        text = out.read_text() if out else done.stdout
        assert "# cdpctl: disable=property-type-conflict,reserved-property" in text
        assert "kept as seen" in done.stderr and "reserved-property" in done.stderr and "property-type-conflict" in done.stderr
        plan = tmp_path / "written.yaml"
        plan.write_text(text)
        props = yaml.safe_load(text)["events"]["Cart Viewed"]["properties"]
        assert props["id"]["type"] == "integer" and props["price"]["type"] == "string"  # as seen
        assert _cli("lint", str(plan)).returncode == 0
        assert _cli("validate", str(logs), "--plan", str(plan)).returncode == 0


def test_objects_deeper_than_the_sketch_admit_what_they_hold(tmp_path: Path) -> None:
    """Objects nesting past the depth infer looks into are written as objects admitting any property, so the
    plan still validates the logs it came from (an empty closed object refused them)."""
    deep: dict[str, object] = {"l8": 1, "s": "a@b.co"}
    for level in range(7, 0, -1):
        deep = {f"l{level}": deep}
    log = _write_logs(tmp_path / "deep.ndjson", [{"type": "track", "event": "Deep Thing Happened", "userId": "u", "properties": deep}])
    plan = tmp_path / "plan.yaml"
    assert _cli("infer", str(log), "-o", str(plan)).returncode == 0
    checked = _cli("validate", "--plan", str(plan), str(log))
    assert checked.returncode == 0, checked.stdout


def test_a_blank_name_is_skipped_and_the_good_traffic_around_it_still_inferred(tmp_path: Path) -> None:
    blank = [{"type": "track", "event": name, "userId": "u"} for name in ("  ", "\t", "\n", "\u3000")]
    good = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"total": 1}}
    logs = tmp_path / "logs.ndjson"
    lines = [*blank, {"type": "page", "name": " ", "userId": "u"}, good]
    logs.write_text("".join(json.dumps(message) + "\n" for message in lines))
    done = _cli("infer", str(logs), "-o", str(tmp_path / "p.yaml"))
    assert done.returncode == 0, done.stderr  # it was exit 2: "a name in 'events' must not be empty"
    assert "4 messages skipped: track with a blank name" in done.stderr
    assert "no pages: section: 1 page call without a name was seen" in done.stderr
    plan = load_plan(str(tmp_path / "p.yaml"))
    assert sorted(plan.events) == ["Order Completed"]


def test_pages_without_a_name_leave_the_pages_ungoverned_and_the_logs_valid(tmp_path: Path) -> None:
    """``analytics.page()`` without a name is common; a ``pages:`` section refuses it, so the inferred plan
    leaves pages ungoverned (and says so) and still validates its logs: it wrote the section, and its own
    logs failed with unplanned_event."""
    lines = [
        {"type": "page", "name": "Pricing", "userId": "u", "properties": {"path": "/pricing"}},
        {"type": "page", "userId": "u"},
        {"type": "screen", "name": "Home", "userId": "u"},
        {"type": "track", "event": "Signed Up", "userId": "u"},
    ]
    logs = tmp_path / "logs.ndjson"
    logs.write_text("".join(json.dumps(message) + "\n" for message in lines))
    done = _cli("infer", str(logs), "-o", str(tmp_path / "p.yaml"))
    assert done.returncode == 0, done.stderr
    assert "no pages: section: 1 page call without a name was seen, which such a section refuses" in done.stderr
    plan = load_plan(str(tmp_path / "p.yaml"))
    assert plan.pages is None and plan.screens is not None and sorted(plan.screens) == ["Home"]
    checked = _cli("validate", str(logs), "--plan", str(tmp_path / "p.yaml"), "-j1")
    assert checked.returncode == 0, checked.stdout
    # a plan that governs pages keeps its section: its author decided, and is told
    (tmp_path / "base.yaml").write_text("plan: B\nversion: 1.0.0\npages:\n  Pricing: {}\n")
    updated = _cli("infer", str(logs), "--update", str(tmp_path / "base.yaml"))
    assert updated.returncode == 0, updated.stderr
    assert "the plan's pages: section refuses them: 1 page call without a name was seen" in updated.stderr
    assert "not observed" not in (tmp_path / "base.yaml").read_text()


def test_calls_beyond_the_cap_are_never_an_ok(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the cap on distinct calls the plan does not describe every message: exit 1, named (it was a note
    and exit 0, and the plan failed its own logs)."""
    from typer.testing import CliRunner

    import cdpctl.infer
    from cdpctl.cli import app

    monkeypatch.setattr(cdpctl.infer, "MAX_CALLS", 3)
    logs = tmp_path / "logs.ndjson"
    logs.write_text("".join(json.dumps({"type": "track", "event": f"Event {i}", "userId": "u"}) + "\n" for i in range(5)))
    done = CliRunner().invoke(app, ["infer", str(logs), "-o", str(tmp_path / "p.yaml")])
    assert done.exit_code == 1, done.output
    assert "error: the plan does not describe 2 messages: more than 3 distinct calls were seen" in done.output
    assert sorted(load_plan(str(tmp_path / "p.yaml")).events) == ["Event 0", "Event 1", "Event 2"]


def test_update_adds_nested_properties_and_names_those_of_shared_definitions(tmp_path: Path) -> None:
    """New keys of a planned object, and of the objects of a planned array, are added and marked; a key new
    to an object a reusable type defines is named, not added (it would reach every use of the type)."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan: Shop\nversion: 1.0.0\ntypes:\n  Address:\n    properties:\n      city: {type: string}\n"
        "events:\n  Order Completed:\n    properties:\n      address: {type: Address}\n"
        "      meta:\n        type: object\n        properties:\n          a: {type: integer}\n          gone: {type: string}\n"
        "      products:\n        type: array\n        items:\n          type: object\n          properties:\n"
        "            sku: {type: string}\n"
    )
    message = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {
        "address": {"city": "X", "zip": "123"}, "meta": {"a": 1, "b": "new"}, "products": [{"sku": "s", "price": 2}]}}
    logs = tmp_path / "logs.ndjson"
    logs.write_text(json.dumps(message) + "\n")
    done = _cli("infer", str(logs), "--update", str(plan))
    assert done.returncode == 0, done.stderr
    assert "not added: Order Completed: address.zip (defined by type 'Address': add it there)" in done.stderr
    text = plan.read_text()
    merged = yaml.safe_load(text)["events"]["Order Completed"]["properties"]
    assert merged["meta"]["properties"]["b"]["type"] == "string"
    assert merged["products"]["items"]["properties"]["price"]["type"] == "integer"
    assert text.count("added by cdpctl infer") == 2 and text.count("not observed in the logs") == 1  # meta.gone
    assert "zip" not in text
    checked = _cli("validate", str(logs), "--plan", str(plan), "-j1", "-f", "json")
    found = {(v["code"], v["path"]) for v in json.loads(checked.stdout)["violations"]}
    assert found == {("unplanned_property", "properties.address.zip")}, found


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_update_reads_a_utf16_plan_as_every_command_does(tmp_path: Path, encoding: str) -> None:
    """A UTF-16 plan with its byte order mark loads everywhere; ``infer --update`` read it as UTF-8 and ended
    in a traceback (``UnicodeDecodeError``). It is merged, and written back as UTF-8."""
    text = "plan: T\nversion: 1.0.0\nevents:\n  Order Completed:\n    description: x\n"
    data = text.encode(encoding)
    (tmp_path / "plan.yaml").write_bytes(data if encoding == "utf-16" else b"\xfe\xff" + data)
    (tmp_path / "new.ndjson").write_text(json.dumps({"type": "track", "event": "New Thing", "userId": "u"}) + "\n")
    done = _cli("infer", "new.ndjson", "--update", "plan.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    merged = load_plan(str(tmp_path / "plan.yaml"))
    assert set(merged.events) == {"Order Completed", "New Thing"}


def test_update_keeps_the_comments_of_a_plan_with_lone_cr_line_ends(tmp_path: Path) -> None:
    """Read as the loader reads it, a CR-only plan lost its comments: the whole file became one header line."""
    plan = "# owned by growth\rplan: T\rversion: 1.0.0\revents:\r  # keep in sync with checkout\r  Order Completed:\r    description: x\r"
    (tmp_path / "plan.yaml").write_bytes(plan.encode())
    (tmp_path / "new.ndjson").write_text(json.dumps({"type": "track", "event": "New Thing", "userId": "u"}) + "\n")
    done = _cli("infer", "new.ndjson", "--update", "plan.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "plan.yaml").read_text().splitlines()
    assert lines[0] == "# owned by growth"
    assert lines[lines.index("  Order Completed:") - 1] == "  # keep in sync with checkout"
