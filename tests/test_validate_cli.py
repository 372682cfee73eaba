"""`cdpctl validate` end to end: input forms, report formats, --split, --jobs, exit statuses."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import zstandard
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.loader import load_plan
from cdpctl.validation import CODES, Validator
from cdpctl.validation.inputs import Source
from cdpctl.validation.runner import validate_sources

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
CLEAN = ROOT / "examples" / "events.ndjson"
DIRTY = ROOT / "examples" / "events-with-violations.ndjson"

GOOD: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u-1",
    "properties": {"order_id": "o-1", "total": 10, "currency": "EUR", "products": [{"product_id": "p", "price": 10}]},
}
BAD: dict[str, Any] = {**GOOD, "properties": {**GOOD["properties"], "currency": "JPY"}}


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    runner = CliRunner()
    return runner.invoke(app, ["validate", *args, "--plan", str(PLAN)], env=env or {"GITHUB_ACTIONS": "", "CI": ""})


def summary(result: Any) -> dict[str, int]:
    """The report's counts (without what a run adds: ``unreadable``, ``partial``)."""
    assert result.exit_code in (0, 1), result.output
    return {k: v for k, v in json.loads(result.stdout)["summary"].items() if k not in ("unreadable", "partial")}


def ndjson(*messages: Any) -> bytes:
    return b"".join(json.dumps(m).encode() + b"\n" for m in messages)


# --- the shipped examples ----------------------------------------------------------------------------


def test_clean_example_exits_zero() -> None:
    result = invoke(str(CLEAN))
    assert result.exit_code == 0, result.output
    assert "OK" in result.stdout and "0 invalid" in result.stdout
    assert "events/s" in result.stderr


def test_example_with_violations_shows_every_code() -> None:
    result = invoke(str(DIRTY), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {v["code"] for v in report["violations"]} == set(CODES) - {"record_too_large", "message_too_large"}  # a 32 MB line; serve only
    s = report["summary"]
    assert s["events"] == s["valid"] + s["invalid"] + s["malformed"]
    assert s["malformed"] == 1 and s["warnings"] == 1
    for violation in report["violations"]:
        assert set(violation) == {"code", "severity", "type", "event", "path", "count", "message", "examples"}
        assert all(example["file"] == str(DIRTY) and example["line"] >= 1 for example in violation["examples"])
    assert result.stderr.count("events/s") == 1


# --- input forms ---------------------------------------------------------------------------------------


def test_gzip_and_zstd_are_detected_from_content(tmp_path: Path) -> None:
    data = ndjson(GOOD, BAD, GOOD)
    (tmp_path / "a.ndjson").write_bytes(gzip.compress(data))  # no .gz suffix: detected from the magic bytes
    (tmp_path / "b.log").write_bytes(zstandard.ZstdCompressor().compress(data))
    for name in ("a.ndjson", "b.log"):
        assert summary(invoke(str(tmp_path / name), "-f", "json")) == {"events": 3, "valid": 2, "invalid": 1, "malformed": 0, "warnings": 0}


def test_batch_payload_array_and_pretty_message(tmp_path: Path) -> None:
    (tmp_path / "batch.json").write_text(json.dumps({"batch": [GOOD, BAD, GOOD], "sentAt": "2024-05-01T00:00:00Z"}, indent=2))
    (tmp_path / "array.json").write_text(json.dumps([GOOD, BAD], indent=2))
    (tmp_path / "one.json").write_text(json.dumps(BAD, indent=2))
    assert summary(invoke(str(tmp_path / "batch.json"), "-f", "json"))["invalid"] == 1
    result = invoke(str(tmp_path / "array.json"), "-f", "json")
    assert summary(result) == {"events": 2, "valid": 1, "invalid": 1, "malformed": 0, "warnings": 0}
    (group,) = json.loads(result.stdout)["violations"]
    assert group["examples"] == [{"file": str(tmp_path / "array.json"), "line": 1, "index": 1}]
    assert summary(invoke(str(tmp_path / "one.json"), "-f", "json"))["invalid"] == 1


def test_batch_payloads_one_per_line(tmp_path: Path) -> None:
    path = tmp_path / "batches.ndjson"
    path.write_bytes(ndjson({"batch": [GOOD, GOOD]}, {"batch": [BAD]}, GOOD))
    result = invoke(str(path), "-f", "json")
    assert summary(result)["events"] == 4
    assert json.loads(result.stdout)["violations"][0]["examples"] == [{"file": str(path), "line": 2, "index": 0}]


def test_directory_and_glob(tmp_path: Path) -> None:
    (tmp_path / "day1").mkdir()
    (tmp_path / "day1" / "a.ndjson").write_bytes(ndjson(GOOD, BAD))
    (tmp_path / "day1" / "b.jsonl.gz").write_bytes(gzip.compress(ndjson(GOOD)))
    (tmp_path / "README.md").write_text("not events")
    assert summary(invoke(str(tmp_path), "-f", "json"))["events"] == 3
    assert summary(invoke(str(tmp_path / "day1" / "*.ndjson"), "-f", "json"))["events"] == 2
    assert invoke(str(tmp_path / "nothing-*.ndjson")).exit_code == 2


def test_stdin_through_a_real_pipe() -> None:
    data = gzip.compress(ndjson(GOOD, BAD) + b"{oops\n")
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", "-", "--plan", str(PLAN), "-f", "json"],
        input=data,
        capture_output=True,
        check=False,
        env={**os.environ, "GITHUB_ACTIONS": ""},
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["summary"] == {
        "events": 3, "valid": 1, "invalid": 1, "malformed": 1, "warnings": 0, "unreadable": 0, "partial": False
    }
    assert {e["file"] for v in report["violations"] for e in v["examples"]} == {"<stdin>"}


def test_malformed_lines_mid_file_do_not_stop_the_run(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(ndjson(GOOD) + b'{"type": "track", "event": \n' + b"\xff\xfe garbage\n" + ndjson(BAD, GOOD) + b"\n\n" + json.dumps(GOOD).encode())
    result = invoke(str(path), "-f", "json")
    assert summary(result) == {"events": 6, "valid": 3, "invalid": 1, "malformed": 2, "warnings": 0}
    by_code = {v["code"]: v for v in json.loads(result.stdout)["violations"]}
    assert [e["line"] for e in by_code["malformed_json"]["examples"]] == [2, 3]
    assert [e["line"] for e in by_code["value_not_allowed"]["examples"]] == [4]


def test_truncated_gzip_counts_what_was_read_and_exits_two(tmp_path: Path) -> None:
    path = tmp_path / "cut.ndjson.gz"
    messages = [{**GOOD, "messageId": f"{n * 7919 % 100003:x}-{n}"} for n in range(20000)]
    path.write_bytes(gzip.compress(ndjson(*messages))[:-2000])
    result = invoke(str(path), "-f", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["summary"]["events"] > 0
    assert "cannot read" in result.stderr


# --- formats ----------------------------------------------------------------------------------------------


def test_sarif_parses_back() -> None:
    result = invoke(str(DIRTY), "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == list(CODES)
    assert {r["ruleId"] for r in run["results"]} == set(CODES) - {"record_too_large", "message_too_large"}
    for item in run["results"]:
        assert rules[item["ruleIndex"]] == item["ruleId"]
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].endswith("events-with-violations.ndjson")
        assert location["region"]["startLine"] >= 1
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["deprecated_event"] == "warning" and levels["type_mismatch"] == "error"


def test_junit_has_one_case_per_planned_call() -> None:
    result = invoke(str(DIRTY), "--format", "junit")
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    planned = [call.label for call in load_plan(str(PLAN)).calls()]
    assert set(planned) <= set(cases)
    failures = cases["Order Completed"].findall("failure")
    assert any("value_not_allowed" in (f.get("message") or "") for f in failures)
    assert cases["page Pricing"].find("failure") is None
    assert cases["unplanned events"].find("failure") is not None
    assert cases["malformed records"].find("failure") is not None
    assert int(suite.get("tests", "0")) == len(cases)
    assert int(suite.get("failures", "0")) == sum(1 for c in cases.values() if c.find("failure") is not None)


def test_github_annotations_chosen_under_actions() -> None:
    result = invoke(str(DIRTY), env={"GITHUB_ACTIONS": "true"})
    lines = [line for line in result.stdout.splitlines() if line.startswith("::")]
    *annotations, last = lines
    assert annotations and all(line.startswith(("::error ", "::warning ")) for line in annotations)
    assert sum(line.startswith("::error ") for line in annotations) == 10  # GitHub shows 10 a step
    errors = sum(g["severity"] == "error" for g in json.loads(invoke(str(DIRTY), "-f", "json").stdout)["violations"])
    assert last.startswith("::notice ") and f"more ({errors - 10} errors) not annotated" in last
    assert any("file=" + str(DIRTY) in line and "line=" in line for line in lines)
    assert sum(line.startswith("::warning ") for line in lines) == 1


def test_markdown_and_text() -> None:
    markdown = invoke(str(DIRTY), "--format", "markdown").stdout
    assert markdown.startswith("### cdpctl validate: failed")
    assert "| Call | Code | Path | Count | Share | Message | Example |" in markdown
    assert "`properties.products[].price`" in markdown
    text = invoke(str(DIRTY)).stdout
    assert "FAIL" in text and "properties.currency" in text and "\x1b[" not in text


def test_malformed_records_have_no_share_in_any_format(tmp_path: Path) -> None:
    # malformed records belong to no call: their count was divided by the typeless messages (200%, 300%, 50%)
    env = {"GITHUB_ACTIONS": "", "CI": "", "COLUMNS": "250"}
    for malformed, typeless in ((2, 1), (3, 1), (1, 2)):
        path = tmp_path / f"share-{malformed}-{typeless}.ndjson"
        path.write_bytes(b"nope\n" * malformed + b'{"type":"foo","userId":"u"}\n' * typeless)
        document = json.loads(invoke(str(path), "-f", "json").stdout)
        assert all("share" not in group for group in document["violations"])  # JSON: counts, no share
        groups = {group["code"]: group["count"] for group in document["violations"]}
        assert groups == {"malformed_json": malformed, "invalid_envelope": typeless}
        text = invoke(str(path), env=env).stdout
        (row,) = [line.split() for line in text.splitlines() if "malformed_json" in line]
        assert row[:3] == [str(malformed), "-", "-"], text  # count, share, call
        (envelope,) = [line.split() for line in text.splitlines() if "invalid_envelope" in line]
        assert envelope[1] == "100%"  # the typeless messages' own share stays
        markdown = invoke(str(path), "-f", "markdown").stdout
        (row_md,) = [line for line in markdown.splitlines() if "`malformed_json`" in line]
        assert row_md.split("|")[4:6] == [f" {malformed} ", " - "], row_md
        assert "%" not in row_md
        github = invoke(str(path), "-f", "github").stdout
        (note,) = [line for line in github.splitlines() if "title=malformed_json" in line]
        assert note.endswith(f"({malformed}x)") and "volume" not in note
        sarif = json.loads(invoke(str(path), "-f", "sarif").stdout)
        texts = {r["ruleId"]: r["message"]["text"] for r in sarif["runs"][0]["results"]}
        assert texts["malformed_json"].endswith(f"({malformed}x)")
        assert texts["invalid_envelope"].endswith(f"({typeless}x, 100% of its volume)")
        junit = invoke(str(path), "-f", "junit").stdout
        failures = [f.get("message") or "" for f in ET.fromstring(junit).iter("failure")]
        (failure,) = [f for f in failures if f.startswith("malformed_json")]
        assert failure.endswith(f"({malformed}x, -)"), failure


def test_machine_formats_write_only_the_report_to_stdout(tmp_path: Path) -> None:
    for fmt in ("json", "sarif"):
        result = invoke(str(DIRTY), "--format", fmt)
        json.loads(result.stdout)
        assert "events/s" in result.stderr
    out = tmp_path / "report.sarif"
    result = invoke(str(DIRTY), "--format", "sarif", "--output", str(out))
    assert result.stdout == "" and json.loads(out.read_text())["version"] == "2.1.0"


# --- --split ----------------------------------------------------------------------------------------------


def test_split_puts_every_record_in_exactly_one_file(tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    source.write_bytes(ndjson(GOOD, BAD) + b"not json at all\n" + ndjson({"batch": [GOOD, BAD, GOOD]}))
    out = tmp_path / "split"
    result = invoke(str(source), "--split", str(out), "-f", "json")
    assert summary(result)["events"] == 6
    valid = (out / "valid.ndjson").read_bytes().splitlines()
    invalid = [json.loads(line) for line in (out / "invalid.ndjson").read_bytes().splitlines()]
    malformed = (out / "malformed.txt").read_bytes().splitlines()
    assert len(valid) == 3 and len(invalid) == 2 and malformed == [b"not json at all"]
    assert all(json.loads(line)["properties"]["currency"] == "EUR" for line in valid)
    for message in invalid:
        (violation,) = message["context"]["violations"]
        assert violation["code"] == "value_not_allowed" and violation["path"] == "properties.currency"
        assert message["properties"]["currency"] == "JPY"
    replay = tmp_path / "replay.ndjson"
    replay.write_bytes(b"".join(line + b"\n" for line in valid))
    assert invoke(str(replay)).exit_code == 0


# --- --jobs ---------------------------------------------------------------------------------------------


def test_jobs_give_the_same_report(tmp_path: Path) -> None:
    messages = []
    for n in range(600):
        message = json.loads(json.dumps(GOOD if n % 7 else BAD))
        message["messageId"] = f"m-{n}"
        messages.append(message)
    long = {**GOOD, "properties": {**GOOD["properties"], "note": "z" * 5000}}  # over the cap below: malformed
    path = tmp_path / "big.ndjson"
    data = ndjson(*messages[:300]) + ndjson(long) + ndjson(*messages[300:]) + b"{broken\n" + ndjson(long, GOOD)
    path.write_bytes(data)
    packed = tmp_path / "big.ndjson.gz"  # a stream: its records over the cap are spooled for --split
    packed.write_bytes(gzip.compress(data))
    validator = Validator(load_plan(str(PLAN)))
    sources = [Source(str(path)), Source(str(packed))]
    one = validate_sources(validator, sources, jobs=1, block_size=4096, max_record=4096)
    two = validate_sources(validator, sources, jobs=2, block_size=4096, max_record=4096)
    assert two.jobs_used == 2
    assert one.report.to_json() == two.report.to_json()
    assert one.report.summary() == {"events": 1208, "valid": 1030, "invalid": 172, "malformed": 6, "warnings": 0}
    out1, out2 = tmp_path / "s1", tmp_path / "s2"
    split1 = validate_sources(validator, sources, jobs=1, block_size=4096, max_record=4096, split_dir=str(out1))
    split2 = validate_sources(validator, sources, jobs=2, block_size=4096, max_record=4096, split_dir=str(out2))
    assert split1.report.to_json() == split2.report.to_json() == one.report.to_json() and split2.jobs_used == 2
    for name in ("valid.ndjson", "invalid.ndjson", "malformed.txt"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes()
    assert (out2 / "malformed.txt").read_bytes() == (ndjson(long) + b"{broken\n" + ndjson(long)) * 2  # in input order


def test_line_numbers_run_on_across_blocks_and_restart_per_file(tmp_path: Path) -> None:
    import gzip

    lines = [ndjson(BAD if n in (5, 333, 580) else GOOD) for n in range(600)]
    lines[444] = b"{broken\n"
    data = b"".join(lines)
    plain, second, packed = tmp_path / "a.ndjson", tmp_path / "b.ndjson", tmp_path / "c.ndjson.gz"
    plain.write_bytes(data)
    second.write_bytes(data)
    packed.write_bytes(gzip.compress(data))
    validator = Validator(load_plan(str(PLAN)))
    sources = [Source(str(plain)), Source(str(second)), Source(str(packed))]
    expected_bad = [6, 334, 581]
    for jobs in (1, 2):
        report = validate_sources(validator, sources, jobs=jobs, block_size=2048).report
        groups = report.sorted_groups()
        malformed = [g for g in groups if g.code == "malformed_json"]
        assert [(e.file, e.line) for e in malformed[0].examples] == [(str(p), 445) for p in (plain, second, packed)]
        invalid = [g for g in groups if g.code == "value_not_allowed"]
        lines_seen = [(e.file, e.line) for e in invalid[0].examples]
        assert lines_seen == [(str(plain), n) for n in expected_bad] + [(str(second), n) for n in expected_bad[:2]]


def test_bytes_that_are_not_utf8_inside_a_skipped_field_make_the_line_malformed(tmp_path: Path) -> None:
    accented = json.dumps({**GOOD, "context": {"page": {"title": "Caf\u00e9"}}}, ensure_ascii=False).encode()
    broken = json.dumps({**GOOD, "context": {"page": {"title": "Cafe"}}}).encode().replace(b"Cafe", b"Caf\xe9")
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(ndjson(GOOD) + accented + b"\n" + broken + b"\n" + ndjson(GOOD))
    result = invoke(str(path), "--format", "json")
    assert summary(result) == {"events": 4, "valid": 3, "invalid": 0, "malformed": 1, "warnings": 0}
    (violation,) = json.loads(result.stdout)["violations"]
    assert violation["code"] == "malformed_json" and violation["examples"][0]["line"] == 3
    clean = tmp_path / "accented.ndjson"
    clean.write_bytes(accented + b"\n" + ndjson(GOOD))
    assert summary(invoke(str(clean), "--format", "json"))["valid"] == 2


# --- exit statuses ----------------------------------------------------------------------------------------


def test_exit_statuses_and_tolerated_rate(tmp_path: Path) -> None:
    path = tmp_path / "some-bad.ndjson"
    path.write_bytes(ndjson(*([GOOD] * 99), BAD))
    assert invoke(str(path)).exit_code == 1
    assert invoke(str(path), "--max-invalid-rate", "0.01").exit_code == 0
    assert invoke(str(path), "--max-invalid-rate", "0.005").exit_code == 1
    assert invoke(str(path), "--max-invalid-rate", "2").exit_code == 2
    # a percentage says the same
    assert invoke(str(path), "--max-invalid-rate", "1%").exit_code == 0
    assert invoke(str(path), "--max-invalid-rate", "0.5%").exit_code == 1
    for wrong in ("150%", "one percent", "nan", "%", "1e400", "1e400%", "1e999999999", "-0.1", "inf"):  # 1e400 overflowed
        result = invoke(str(path), "--max-invalid-rate", wrong)
        assert result.exit_code == 2 and "--max-invalid-rate must be" in result.output
        assert "Traceback" not in result.output
    assert invoke(str(tmp_path / "missing.ndjson")).exit_code == 2
    assert invoke(str(path), "--format", "xml").exit_code == 2
    assert invoke(str(path), "--jobs", "0").exit_code == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("plan: x\nversion: 1\nevents:\n  A:\n    properties:\n      p: {type: strng}\n")
    result = CliRunner().invoke(app, ["validate", str(path), "--plan", str(broken)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_warnings_alone_exit_zero(tmp_path: Path) -> None:
    path = tmp_path / "legacy.ndjson"
    path.write_bytes(ndjson({"type": "track", "event": "Legacy Thing Happened", "userId": "u", "properties": {"a": 1}}))
    result = invoke(str(path), "-f", "json")
    assert result.exit_code == 0
    assert summary(result) == {"events": 1, "valid": 1, "invalid": 0, "malformed": 0, "warnings": 1}


def test_empty_input(tmp_path: Path) -> None:
    path = tmp_path / "empty.ndjson"
    path.write_bytes(b"")
    result = invoke(str(path), "-f", "json")  # an empty log in CI almost always means the step before it broke
    assert result.exit_code == 2 and json.loads(result.stdout)["summary"]["events"] == 0
    assert "no events read" in result.stderr
    allowed = invoke(str(path), "-f", "json", "--allow-empty")
    assert allowed.exit_code == 0 and summary(allowed)["events"] == 0


@pytest.mark.parametrize("hostile", ["\u202e", "x" * 5000, "a\nb", "<script>", "%0A::error::"])
def test_hostile_event_names_stay_data(tmp_path: Path, hostile: str) -> None:
    path = tmp_path / "hostile.ndjson"
    path.write_bytes(ndjson({"type": "track", "event": hostile, "userId": "u", "properties": {hostile: 1}}))
    for fmt in ("github", "markdown", "junit", "sarif", "text"):
        result = invoke(str(path), "--format", fmt)
        assert result.exit_code == 1, result.output
    github = invoke(str(path), "--format", "github").stdout
    assert all(line.startswith("::") or line.startswith("1 events") for line in github.splitlines())


def test_spark_master_without_the_spark_engine_is_a_usage_error(tmp_path: Path) -> None:
    for command in ("validate", "coverage"):
        done = subprocess.run(
            [sys.executable, "-m", "cdpctl", command, str(CLEAN), "--plan", str(PLAN), "--spark-master", "local"],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 2, (command, done.stderr)
        assert "--spark-master applies to --engine spark" in done.stderr


def test_jobs_beyond_the_cores_start_no_more_processes(tmp_path: Path) -> None:
    """``--jobs 100000`` forked 99,999 workers for an input of two blocks and exhausted the machine's memory:
    at most the cores available are used (the summary line says how many)."""
    path = tmp_path / "two-blocks.ndjson"
    path.write_bytes(ndjson(GOOD) * (5 * 1024 * 1024 // len(ndjson(GOOD)) + 1))  # over one 4 MB block
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", str(path), "--plan", str(PLAN), "--jobs", "64", "--no-progress"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    used = int(done.stderr.rsplit(", ", 1)[1].split()[0])
    assert 1 <= used <= len(os.sched_getaffinity(0)), done.stderr
