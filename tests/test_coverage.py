"""``cdpctl coverage``: exact counts on a constructed corpus, the same with --jobs, windows, --fail-under,
formats and the markdown cap."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cdpctl.coverage import coverage_report, render_markdown
from cdpctl.loader import load_plan_text
from cdpctl.observe import Window, observe_sources

PLAN = """\
plan: Coverage
version: 1.0.0
events:
  Order Completed:
    properties:
      order_id: {type: string, required: true}
      total: {type: number}
      coupon: {type: string, nullable: true}
      note: {type: string}
  Never Sent:
    properties:
      x: {type: string}
identify:
  traits:
    email: {type: string}
pages:
  Pricing: {}
"""


def _message(i: int) -> dict[str, object]:
    day = 1 + i % 3  # 2024-06-01 .. 2024-06-03
    stamp = f"2024-06-0{day}T12:00:00Z"
    if i % 10 == 0:
        return {"type": "track", "event": f"Unplanned {i % 20}", "userId": "u", "timestamp": stamp, "properties": {}}
    if i % 10 == 1:
        return {"type": "identify", "userId": "u", "timestamp": stamp, "context": {"traits": {"email": "a@b.c"}}}
    if i % 10 == 2:
        return {"type": "page", "name": "Pricing", "userId": "u", "timestamp": stamp, "properties": {}}
    props: dict[str, object] = {"order_id": f"o{i}", "coupon": None}
    if i % 2:
        props["total"] = "wrong" if i % 10 == 3 else 10.5
    if i % 10 == 4:
        props["extra"] = 1
    return {"type": "track", "event": "Order Completed", "userId": "u", "timestamp": stamp, "properties": props}


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    lines = [json.dumps(_message(i)) for i in range(1000)]
    (tmp_path / "a.ndjson").write_text("\n".join(lines[:500]) + "\n{broken\n")
    with gzip.open(tmp_path / "b.ndjson.gz", "wt") as handle:
        handle.write("\n".join(lines[500:]) + "\n")
    (tmp_path / "plan.yaml").write_text(PLAN)
    return tmp_path


def _expected_order() -> tuple[int, int, int, int]:
    volume = valid = total = extra = 0
    for i in range(1000):
        if i % 10 in (0, 1, 2):
            continue
        volume += 1
        valid += not (i % 10 == 3 or i % 10 == 4)
        total += i % 2
        extra += i % 10 == 4
    return volume, valid, total, extra


def test_exact_counts(corpus: Path) -> None:
    plan = load_plan_text(PLAN)
    seen = observe_sources(plan, [str(corpus)])
    report = coverage_report(plan, seen)
    assert report["summary"]["records"] == 1001 and report["summary"]["malformed"] == 1
    calls = {c["label"]: c for c in report["calls"]}
    volume, valid, total, extra = _expected_order()
    order = calls["Order Completed"]
    assert (order["volume"], order["valid"]) == (volume, valid)
    props = {p["name"]: p for p in order["properties"]}
    assert props["order_id"]["sent"] == volume and props["total"]["sent"] == total
    assert props["coupon"]["always_null"] and props["note"]["never_sent"]
    assert props["extra"] == {"name": "extra", "planned": False, "sent": extra, "null": 0, "never_sent": False, "always_null": False}
    assert calls["identify"]["volume"] == 100  # traits read from context.traits
    assert (calls["page Pricing"]["first_seen"], calls["page Pricing"]["last_seen"]) == (
        "2024-06-01T12:00:00.000000Z", "2024-06-03T12:00:00.000000Z")
    assert report["never_seen"] == ["Never Sent"]
    assert [u["label"] for u in report["unplanned"]] == ["Unplanned 0", "Unplanned 10"]
    assert [u["volume"] for u in report["unplanned"]] == [50, 50]
    assert report["summary"]["coverage"] == 75.0


def test_jobs_give_the_same_report(corpus: Path) -> None:
    plan = load_plan_text(PLAN)
    one = coverage_report(plan, observe_sources(plan, [str(corpus)], jobs=1))
    two = coverage_report(plan, observe_sources(plan, [str(corpus)], jobs=2))
    assert one == two


def test_window_keeps_only_messages_inside(corpus: Path) -> None:
    plan = load_plan_text(PLAN)
    window = Window("2024-06-02T00:00:00.000000Z", "2024-06-02T23:59:59.999999Z")
    report = coverage_report(plan, observe_sources(plan, [str(corpus)], window=window))
    assert report["summary"]["outside_window"] == sum(1 for i in range(1000) if i % 3 != 1)
    assert {c["first_seen"] for c in report["calls"] if c["volume"]} == {"2024-06-02T12:00:00.000000Z"}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cdpctl", "coverage", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_cli_fail_under_formats_and_exit_codes(corpus: Path) -> None:
    ok = _cli("plan.yaml", "a.ndjson", "b.ndjson.gz", "--fail-under", "75", cwd=corpus)
    assert ok.returncode == 0, ok.stderr
    assert "OK: 75.0% of planned calls seen" in ok.stdout
    percent = _cli("plan.yaml", "a.ndjson", "b.ndjson.gz", "--fail-under", "75%", cwd=corpus)  # as --max-invalid-rate 5%
    assert percent.returncode == 0 and percent.stdout == ok.stdout, percent.stderr
    for wrong in ("101", "-1", "ninety", "nan"):
        refused = _cli("plan.yaml", "a.ndjson", "--fail-under", wrong, cwd=corpus)
        assert refused.returncode == 2 and refused.stderr.startswith("cdpctl: error: --fail-under must be a percentage")
    failed = _cli("--plan", "plan.yaml", ".", "--fail-under", "80", "--format", "json", cwd=corpus)
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["never_seen"] == ["Never Sent"]
    dated = _cli("plan.yaml", ".", "--since", "2024-06-03", "-f", "json", cwd=corpus)
    assert json.loads(dated.stdout)["summary"]["since"] == "2024-06-03T00:00:00.000000Z"
    bad = _cli("plan.yaml", ".", "--since", "last week", cwd=corpus)
    assert bad.returncode == 2 and "cdpctl: error:" in bad.stderr and "Traceback" not in bad.stderr
    (corpus / "empty.ndjson").write_text("")
    empty = _cli("plan.yaml", "empty.ndjson", cwd=corpus)
    assert empty.returncode == 2 and "no events read" in empty.stderr
    assert _cli("plan.yaml", "empty.ndjson", "--allow-empty", cwd=corpus).returncode == 0


def test_markdown_stays_under_the_comment_limit() -> None:
    events = "\n".join(f"  Event Number {i} With A Rather Long Name For Width:\n    properties:\n      p: {{type: string}}" for i in range(3000))
    plan = load_plan_text(f"plan: Big\nversion: 1.0.0\nevents:\n{events}\n")
    records = [json.dumps({"type": "track", "event": f"Event Number {i} With A Rather Long Name For Width", "userId": "u",
                           "properties": {"p": "x", f"unplanned_{i}": 1}}).encode() for i in range(3000)]
    from cdpctl.observe import observe_records

    text = render_markdown(coverage_report(plan, observe_records(plan, records)))
    assert len(text) < 60_000
    assert "not shown" in text and "cdpctl coverage --format json" in text


def test_spark_engine_gives_the_same_report(corpus: Path) -> None:
    pytest.importorskip("pyspark")
    import shutil

    if shutil.which("java") is None:
        pytest.skip("no java for Spark")
    from cdpctl.spark.observe import observe_spark

    plan = load_plan_text(PLAN)
    (corpus / "b.ndjson.gz").unlink()  # Spark decompresses by suffix only; keep the plain file
    local = coverage_report(plan, observe_sources(plan, [str(corpus / "a.ndjson")]))
    spark = coverage_report(plan, observe_spark([str(corpus / "a.ndjson")], plan, master="local[2]"))
    assert spark == local


def test_an_output_that_cannot_be_written_is_one_error_line(corpus: Path) -> None:
    (corpus / "blocker").write_text("a file, not a folder")
    (corpus / "app.py").write_text('analytics.track("u", "Order Completed", {})\n')  # scan needs a source to scan
    for command in (
        ["coverage", "plan.yaml", "a.ndjson", "-o", "blocker/report.txt"],
        ["scan", str(corpus), "-o", "blocker/report.txt"],
        ["infer", "a.ndjson", "-o", "blocker/plan.yaml"],
    ):
        done = subprocess.run([sys.executable, "-m", "cdpctl", *command], cwd=corpus, capture_output=True, text=True, timeout=300)
        assert done.returncode == 2, (command, done.stderr)
        assert "cdpctl: error: cannot write to 'blocker/" in done.stderr and "Traceback" not in done.stderr


def test_a_window_that_ends_before_it_starts_is_a_usage_error(corpus: Path) -> None:
    done = _cli("plan.yaml", ".", "--since", "2024-06-03", "--until", "2024-06-02", cwd=corpus)
    assert done.returncode == 2 and "--since 2024-06-03 is after --until 2024-06-02" in done.stderr
    assert _cli("plan.yaml", ".", "--since", "2024-06-02", "--until", "2024-06-02", cwd=corpus).returncode == 0


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_input_broken_part_way_keeps_what_was_read_and_fails(corpus: Path, jobs: str) -> None:
    """A gzip log without its end: the report counts every record read (the other logs and the part before
    the damage), names the input in each format and on stderr, and the exit is 2, even without --fail-under."""
    whole = gzip.compress((corpus / "a.ndjson").read_bytes())
    (corpus / "cut.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    full = json.loads(_cli("plan.yaml", "b.ndjson.gz", "-f", "json", cwd=corpus).stdout)["summary"]
    answers = {fmt: _cli("plan.yaml", "cut.ndjson.gz", "b.ndjson.gz", "-f", fmt, "-j", jobs, cwd=corpus)
               for fmt in ("json", "text", "markdown")}
    for fmt, answer in answers.items():
        assert answer.returncode == 2, (fmt, answer.stderr)
        assert "cannot read 'cut.ndjson.gz'" in answer.stdout and "cannot read 'cut.ndjson.gz'" in answer.stderr
        assert "Traceback" not in answer.stderr
    report = json.loads(answers["json"].stdout)
    assert report["summary"]["unreadable"] == 1 and len(report["input_errors"]) == 1
    assert full["records"] < report["summary"]["records"] < full["records"] + 501
    assert "FAIL: 1 input not read to the end" in answers["text"].stdout
    assert "FAIL: 1 input not read to the end" in answers["markdown"].stdout
    lenient = _cli("plan.yaml", "cut.ndjson.gz", "b.ndjson.gz", "--fail-under", "0", cwd=corpus)
    assert lenient.returncode == 2 and "FAIL: 1 input not read to the end" in lenient.stdout


def test_malformed_and_windowed_records_are_named_in_the_verdict(corpus: Path) -> None:
    text = _cli("plan.yaml", "a.ndjson", "--until", "2024-06-01", cwd=corpus).stdout
    assert "501 records read (1 malformed, " in text and "outside the window)" in text


def test_fail_under_is_exact_and_names_are_escaped(tmp_path: Path) -> None:
    """2 of 3 planned calls is 66.666...%: under --fail-under 66.67 (the rounded 66.67 passed it). Names from
    the logs are printed with control characters, line breaks and bidi overrides escaped."""
    (tmp_path / "plan.yaml").write_text("plan: P\nversion: 1.0.0\nevents:\n  A Done: {}\n  B Done: {}\n  C Done: {}\n")
    lines = [{"type": "track", "event": name, "userId": "u"} for name in ("A Done", "B Done", "x\u001b]0;pwn\u0007\ny\u202e")]
    (tmp_path / "l.ndjson").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    failed = _cli("plan.yaml", "l.ndjson", "--fail-under", "66.67", cwd=tmp_path)
    assert failed.returncode == 1 and "FAIL: 66.6667% of planned calls seen" in failed.stdout
    assert _cli("plan.yaml", "l.ndjson", "--fail-under", "66.66", cwd=tmp_path).returncode == 0
    for fmt in ("text", "markdown"):
        out = _cli("plan.yaml", "l.ndjson", "-f", fmt, cwd=tmp_path).stdout
        shown = "x\\x1b]0;pwn\\x07\\ny\\u202e" if fmt == "text" else "x\\x1b\\]0;pwn\\x07 y\\u202e"  # markdown: text, one line
        assert "\x1b" not in out and "\u202e" not in out and shown in out, fmt


def test_planned_calls_are_never_counted_under_other() -> None:
    """Beyond 10,000 distinct calls the unplanned ones go to '(other)'; a planned call is always itself (a plan
    of 10,001 events, each sent once, is 100% covered)."""
    text = "plan: P\nversion: 1.0.0\nevents:\n" + "".join(f"  E{i} Happened: {{}}\n" for i in range(10_001))
    plan = load_plan_text(text, "big.yaml")
    records = [json.dumps({"type": "track", "event": f"E{i} Happened", "userId": "u"}).encode() for i in range(10_001)]
    from cdpctl.observe import observe_records

    report = coverage_report(plan, observe_records(plan, records))
    assert report["summary"]["coverage"] == 100.0 and report["summary"]["other_bucket"] is False


def test_a_window_no_message_is_in_measures_nothing_and_is_never_an_ok(corpus: Path) -> None:
    done = _cli("plan.yaml", ".", "--since", "2999-01-01", cwd=corpus)
    assert done.returncode == 2, done.stderr  # it was exit 0 with every record left out
    assert "cdpctl: error: no events in the window: the " in done.stderr and "are all outside --since/--until" in done.stderr
    assert _cli("plan.yaml", ".", "--since", "2999-01-01", "--allow-empty", cwd=corpus).returncode == 0


def test_logs_alone_are_measured_against_the_projects_plan(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text("plan: P\nversion: 1.0.0\nevents:\n  A Done: {}\n  B Done: {}\n")
    (tmp_path / "cdpctl.yaml").write_text("plan: plan.yaml\n")
    (tmp_path / "l.ndjson").write_text(json.dumps({"type": "track", "event": "A Done", "userId": "u"}) + "\n")
    done = _cli("l.ndjson", cwd=tmp_path)
    assert done.returncode == 0 and "50.0% of planned calls seen (1 of 2)" in done.stdout, done.stderr
    assert _cli("plan.yaml", "l.ndjson", cwd=tmp_path).stdout == done.stdout
    (tmp_path / "cdpctl.yaml").unlink()
    missing = _cli("l.ndjson", cwd=tmp_path)
    assert missing.returncode == 2 and "give the plan and the logs" in missing.stderr


def test_a_log_of_malformed_records_only_measures_nothing(tmp_path: Path) -> None:
    """Every record malformed (a CSV file given by mistake) is no events read, as for an empty input: it was
    COVERAGE 0.0% with exit 0, and OK under --fail-under 0."""
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "data.csv").write_text("a,b,c\n1,2,3\n")
    for extra in ((), ("--fail-under", "0")):
        done = _cli("plan.yaml", "data.csv", *extra, cwd=tmp_path)
        assert done.returncode == 2 and "the 2 records read are all malformed" in done.stderr, done.stderr
    assert _cli("plan.yaml", "data.csv", "--allow-empty", cwd=tmp_path).returncode == 0


def test_common_properties_are_planned_in_every_call(tmp_path: Path) -> None:
    """A property or trait of the plan's common: rules is planned for every call it applies to (validate
    accepts it): it was listed as unplanned."""
    plan = PLAN + "common:\n  properties:\n    app_version: {type: string}\n  traits:\n    source: {type: string}\n"
    records = [
        json.dumps({"type": "track", "event": "Order Completed", "userId": "u",
                    "properties": {"order_id": "o1", "app_version": "1.2"}}).encode(),
        json.dumps({"type": "identify", "userId": "u", "traits": {"email": "a@b.c", "source": "ads"}}).encode(),
    ]
    from cdpctl.observe import observe_records

    loaded = load_plan_text(plan, "plan.yaml")
    report = coverage_report(loaded, observe_records(loaded, records))
    rows = {(call["label"], row["name"]): row for call in report["calls"] for row in call["properties"]}
    assert rows["Order Completed", "app_version"] == {
        "name": "app_version", "planned": True, "sent": 1, "null": 0, "never_sent": False, "always_null": False, "common": True,
    }
    assert rows["identify", "source"]["planned"] is True and rows["identify", "source"]["sent"] == 1
    assert rows["Never Sent", "app_version"]["never_sent"] is True
    assert not [key for key, row in rows.items() if not row["planned"]]


def test_every_message_read_is_in_a_row_or_named_as_not_governed() -> None:
    """Alias calls and messages of no Spec type were counted in ``records`` and shown nowhere."""
    from cdpctl.observe import observe_records

    plan = load_plan_text(PLAN, "plan.yaml")
    messages = [
        {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"order_id": "o"}},
        {"type": "alias", "userId": "u", "previousId": "a"},
        {"type": "Track", "event": "Order Completed", "userId": "u"},
        {"type": "screen", "name": "Home", "userId": "u"},  # the plan does not govern screens
        {"type": "track", "event": "Unplanned", "userId": "u"},
    ]
    report = coverage_report(plan, observe_records(plan, [json.dumps(m).encode() for m in messages]))
    shown = sum(c["volume"] for c in report["calls"]) + sum(u["volume"] for u in report["unplanned"])
    assert shown + report["summary"]["other_messages"] == report["summary"]["records"] == 5
    assert {item["label"] for item in report["other_calls"]} == {"alias", "(unknown)", "screen Home"}
    from cdpctl.coverage import render_text

    assert "Not governed by the plan: " in render_text(report)


def test_the_text_table_fits_80_columns(tmp_path: Path) -> None:
    """With ``COLUMNS=80`` (or an 80-column terminal) no line is wider: rows were 85 cells and the rule 81."""
    root = Path(__file__).resolve().parents[1]
    long_name = "Checkout Step Viewed With A Rather Long Name"
    plan = (root / "plans" / "acme-shop.yaml").read_text()
    (tmp_path / "plan.yaml").write_text(plan)
    lines = [json.dumps({"type": "track", "event": long_name, "userId": "u", "timestamp": "2024-05-06T09:01:51Z"})]
    (tmp_path / "log.ndjson").write_text((root / "examples" / "events-with-violations.ndjson").read_text() + "\n".join(lines) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "coverage", "plan.yaml", "log.ndjson"], cwd=tmp_path, capture_output=True,
        text=True, timeout=120, env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    table = done.stdout.split("\n\n")[0].splitlines()
    assert len(table) > 5 and max(len(line) for line in table) <= 80, done.stdout


NESTED_PLAN = """\
plan: Nested
version: 1.0.0
events:
  Order Completed:
    properties:
      order_id: {type: string, required: true}
      address:
        type: object
        properties:
          city: {type: string}
          zip: {type: string}
          geo: {type: object, properties: {lat: {type: number}}}
      products:
        type: array
        items: {type: object, properties: {sku: {type: string}, price: {type: number}}}
      meta: {type: object}
"""


def _nested_report(jobs: int = 1, tmp_path: Path | None = None) -> dict[str, object]:
    messages = [
        {"order_id": "1", "address": {"city": "Paris", "street2": "x"}, "meta": {"k": 1},
         "products": [{"sku": "a", "price": None, "color": "red"}, {"sku": "b", "price": None}]},
        {"order_id": "2", "address": {"city": None}, "products": [{"sku": "c", "price": None}]},
        {"order_id": "3", "address": None, "products": []},
    ]
    records = [json.dumps({"type": "track", "event": "Order Completed", "userId": "u", "properties": p}).encode()
               for p in messages]
    plan = load_plan_text(NESTED_PLAN, "plan.yaml")
    if tmp_path is None:
        from cdpctl.observe import observe_records

        return coverage_report(plan, observe_records(plan, records))
    log = tmp_path / "log.ndjson"
    log.write_bytes(b"\n".join(records * 10_000) + b"\n")  # two chunks of records: both workers count
    return coverage_report(plan, observe_sources(plan, [str(log)], jobs=jobs))


def test_fields_inside_planned_objects_and_arrays_are_counted() -> None:
    """Each field the plan declares inside an object or an array of objects has its row (``address.city``,
    ``products[].sku``), counted once a message however many items have it; a key sent inside an object
    that declares its fields is unplanned there; a free-form object's keys are not listed. Before, only
    top-level properties were counted: a nested field never sent went unsaid."""
    report = _nested_report()
    rows = [(r["name"], r["planned"], r["sent"], r["null"], r["never_sent"], r["always_null"], r.get("parent"))
            for r in report["calls"][0]["properties"]]  # type: ignore[index]
    assert rows == [
        ("order_id", True, 3, 0, False, False, None),
        ("address", True, 3, 1, False, False, None),
        ("address.city", True, 2, 1, False, False, "address"),
        ("address.zip", True, 0, 0, True, False, "address"),
        ("address.geo", True, 0, 0, True, False, "address"),
        ("address.geo.lat", True, 0, 0, True, False, "address"),
        ("address.street2", False, 1, 0, False, False, "address"),
        ("products", True, 3, 0, False, False, None),
        ("products[].sku", True, 2, 0, False, False, "products"),
        ("products[].price", True, 2, 2, False, True, "products"),
        ("products[].color", False, 1, 0, False, False, "products"),
        ("meta", True, 1, 0, False, False, None),
    ]
    from cdpctl.coverage import render_text

    text = render_text(report)
    # the parent named never sent covers its own fields
    assert "never sent: address.zip, address.geo; always null: products[].price; " in text
    assert "unplanned: address.street2, products[].color" in text


def test_nested_counts_merge_across_workers(tmp_path: Path) -> None:
    one, two = _nested_report(1, tmp_path), _nested_report(2, tmp_path)
    assert one["calls"] == two["calls"]
    sku = next(r for r in one["calls"][0]["properties"] if r["name"] == "products[].sku")  # type: ignore[index]
    assert sku["sent"] == 20_000


def test_calls_beyond_the_distinct_cap_are_no_unplanned_call() -> None:
    """Beyond 10,000 distinct calls the rest are counted together as '(other)': that bucket was counted as one
    more unplanned call and listed as if it were an event named '(other)'."""
    from cdpctl.coverage import render_text
    from cdpctl.observe import MAX_KEYS, observe_records

    plan = load_plan_text(PLAN, "plan.yaml")
    records = [json.dumps({"type": "track", "event": f"U{i}", "userId": "u"}).encode() for i in range(MAX_KEYS + 5)]
    report = coverage_report(plan, observe_records(plan, records))
    summary = report["summary"]
    kept = MAX_KEYS - len({(c["type"], c["name"]) for c in report["calls"] if c["volume"]})
    assert summary["other_bucket"] is True and summary["unplanned_calls"] == kept
    text = render_text(report)
    assert f"{MAX_KEYS + 5 - kept} messages of further unplanned calls counted together as '(other)'" in text
    assert "Unplanned calls by volume: U" in text and "(other) (" not in text
    assert f"; {kept:,} unplanned calls;" in text
    assert "counted together as '(other)'" in render_markdown(report)


def test_jobs_beyond_the_cores_start_no_more_processes(corpus: Path) -> None:
    """``--jobs 100000`` started a hundred thousand processes (the machine's load went past 100)."""
    done = subprocess.run([sys.executable, "-m", "cdpctl", "coverage", str(corpus / "plan.yaml"), str(corpus / "a.ndjson"),
                           "--jobs", "100000", "--format", "json"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["records"] > 0


def test_planned_nested_fields_are_counted_whatever_else_is_sent() -> None:
    """Every nested path of every object was kept in one set capped at 10,000 a call: keys used as ids (a map
    in a planned object, or in an unplanned property) filled it, and a planned field sent later was reported
    never sent. Planned fields are always counted; only unplanned keys inside a declared object are kept,
    capped; an unplanned property and a free-form object are not looked into."""
    from cdpctl.observe import MAX_KEYS, observe_records

    plan = load_plan_text(NESTED_PLAN, "plan.yaml")
    def message(properties: dict[str, object]) -> bytes:
        return json.dumps({"type": "track", "event": "Order Completed", "userId": "u",
                           "properties": {"order_id": "o", **properties}}).encode()
    records = [message({"address": {f"k{i}": 1}, "cart": {f"sku{i}": 1}, "meta": {f"m{i}": 1}}) for i in range(MAX_KEYS + 10)]
    records.append(message({"address": {"city": "Paris"}, "products": [{"sku": "a"}]}))
    seen = observe_records(plan, records)
    stats = seen.calls[("track", "Order Completed")]
    assert stats.nested_sent[("address", "city")] == 1 and stats.nested_sent[("products", None, "sku")] == 1
    assert len(stats.extra_sent) == MAX_KEYS and all(path[0] == "address" for path in stats.extra_sent)
    rows = {r["name"]: r for r in coverage_report(plan, seen)["calls"][0]["properties"]}
    assert rows["address.city"]["sent"] == 1 and not rows["address.city"]["never_sent"]
    assert rows["products[].sku"]["sent"] == 1


def test_a_valid_timestamp_whose_utc_is_outside_years_1_to_9999_is_counted_not_a_traceback(tmp_path: Path) -> None:
    """``9999-12-31T23:59:59-23:59`` is a valid date-time (validate accepts it) whose UTC is in year 10000:
    coverage, docs --logs and --since ended in ``OverflowError``; such a time sits at the edge of the range."""
    from cdpctl.observe import normalize_timestamp

    assert normalize_timestamp("9999-12-31T23:59:59-23:59") == "9999-12-31T23:59:59.999999Z"
    assert normalize_timestamp("0001-01-01T00:00:00+23:59") == "0001-01-01T00:00:00.000000Z"
    assert normalize_timestamp("0500-01-01T00:00:00Z") == "0500-01-01T00:00:00.000000Z"  # was 500-...: sorted last
    (tmp_path / "plan.yaml").write_text(PLAN)
    stamps = ("2024-06-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59")
    (tmp_path / "l.ndjson").write_text("".join(
        json.dumps({"type": "track", "event": "Never Sent", "userId": "u", "timestamp": s}) + "\n" for s in stamps))
    done = _cli("plan.yaml", "l.ndjson", "--format", "json", "--since", "0001-01-01T00:00:00+01:00", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    call = next(c for c in json.loads(done.stdout)["calls"] if c["label"] == "Never Sent")
    assert (call["volume"], call["first_seen"], call["last_seen"]) == (
        3, "0001-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z")
