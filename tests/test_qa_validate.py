"""Hostile input to `cdpctl validate`: every bad record is reported, never a traceback, good records kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cdpctl.cli import app

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"

GOOD: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u-1",
    "properties": {"order_id": "o-1", "total": 10, "currency": "EUR", "products": [{"product_id": "p", "price": 10}]},
}


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, ["validate", "--plan", str(PLAN), "-q", *args], env={"GITHUB_ACTIONS": "", "CI": ""})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_deeply_nested_record_is_malformed_not_a_traceback(tmp_path: Path) -> None:
    deep = nested(5000)
    lines = [
        json.dumps(GOOD),
        deep,
        '{"type":"track","event":"Order Completed","userId":"u","properties":' + deep + "}",
        '{"type":"identify","userId":"u","traits":' + deep + "}",
        '{"type":"track","event":"Nope","userId":"u","context":' + deep + "}",
        json.dumps(GOOD),
    ]
    path = tmp_path / "deep.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(str(path), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["summary"] == {"events": 6, "valid": 2, "invalid": 0, "malformed": 4, "warnings": 0, "unreadable": 0, "partial": False}
    lines_reported = sorted(e["line"] for v in report["violations"] for e in v["examples"])
    assert lines_reported == [2, 3, 4, 5]
    assert all(v["code"] == "malformed_json" for v in report["violations"])


def test_byte_order_mark_at_file_start_keeps_the_first_record(tmp_path: Path) -> None:
    path = tmp_path / "bom.ndjson"
    path.write_bytes(b"\xef\xbb\xbf" + (json.dumps(GOOD) + "\r\n").encode() * 2)
    result = run(str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["valid"] == 2
    array = tmp_path / "bom.json"
    array.write_bytes(b"\xef\xbb\xbf" + json.dumps([GOOD, GOOD, GOOD]).encode())
    result = run(str(array), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["valid"] == 3


def test_byte_order_mark_with_byte_range_blocks_reads_every_line(tmp_path: Path) -> None:
    from cdpctl.validation.inputs import RangeBlock, Source, iter_blocks, open_source

    path = tmp_path / "bom.ndjson"
    lines = [json.dumps({**GOOD, "userId": f"u-{n}"}) for n in range(50)]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
    blocks = list(iter_blocks(open_source(Source(str(path))), block_size=256, by_range=True))
    assert len(blocks) > 1 and all(isinstance(b, RangeBlock) for b in blocks)
    read = [line.decode() for b in blocks if isinstance(b, RangeBlock) for line in b.read().data.splitlines()]
    assert read == lines
    assert blocks[0].offset == 3 and all(a.offset + a.length == b.offset for a, b in zip(blocks, blocks[1:], strict=False))


def test_unknown_validate_setting_in_config_is_an_error(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "cdpctl.yaml").write_text(f"plan: {PLAN.as_posix()}\nvalidate:\n  max_invalid_rates: 0.5\n", encoding="utf-8")
    data = tmp_path / "events.ndjson"
    data.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["validate", str(data), "-q"])
    assert result.exit_code == 2, result.output
    assert "unknown 'validate' setting 'max_invalid_rates' (did you mean 'max_invalid_rate'?)" in result.stderr


def test_split_into_a_file_says_it_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("keep me\n", encoding="utf-8")
    data = tmp_path / "events.ndjson"
    data.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    result = run(str(data), "--split", str(blocker))
    assert result.exit_code == 2, result.output
    assert f"'{blocker}' is a file, not a folder" in result.stderr
    assert blocker.read_text(encoding="utf-8") == "keep me\n"


def test_split_or_report_onto_an_input_is_refused_and_the_input_kept(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    content = (json.dumps(GOOD) + "\n") * 3
    Path("valid.ndjson").write_text(content, encoding="utf-8")
    result = run("valid.ndjson", "--split", ".")
    assert result.exit_code == 2, result.output
    assert "'./valid.ndjson' is one of the inputs" in result.stderr
    result = run("valid.ndjson", "--output", "./valid.ndjson")
    assert result.exit_code == 2, result.output
    assert "is one of the inputs" in result.stderr
    assert Path("valid.ndjson").read_text(encoding="utf-8") == content
    result = run("valid.ndjson", "--split", "out", "--format", "json")
    assert result.exit_code == 0, result.output
    assert Path("out/valid.ndjson").read_text(encoding="utf-8").count("\n") == 3


def test_utf16_input_is_read_not_reported_malformed(tmp_path: Path) -> None:
    text = "".join(json.dumps({**GOOD, "userId": f"u-{n}", "event": "Order Completed"}) + "\r\n" for n in range(3))
    little = tmp_path / "little.ndjson"
    little.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    big = tmp_path / "big.ndjson"
    big.write_bytes(b"\xfe\xff" + (text + '{"type":"track","event":"\u00e9t\u00e9 \U0001f600","userId":"u"}\n').encode("utf-16-be"))
    result = run(str(little), str(big), "--format", "json", "--split", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["summary"] == {"events": 7, "valid": 6, "invalid": 1, "malformed": 0, "warnings": 0, "unreadable": 0, "partial": False}
    assert "\u00e9t\u00e9 \U0001f600" in report["violations"][0]["message"]
    assert (tmp_path / "out" / "valid.ndjson").read_text(encoding="utf-8").count("\n") == 6


def test_github_annotation_of_a_record_without_call_has_no_placeholder(tmp_path: Path) -> None:
    data = tmp_path / "events.ndjson"
    data.write_text('{"type": "track", "event": \n' + json.dumps(GOOD) + "\n", encoding="utf-8")
    result = run(str(data), "--format", "github")
    assert result.exit_code == 1, result.output
    annotation = next(line for line in result.stdout.splitlines() if "malformed_json" in line)
    assert f"file={data},line=1,title=malformed_json::does not parse as JSON" in annotation
    assert "-::-" not in result.stdout


def test_configured_invalid_rate_may_be_a_percentage(tmp_path: Path, monkeypatch: Any) -> None:
    data = tmp_path / "events.ndjson"
    data.write_text(json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "timestamp": "yesterday"}) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for setting, status in (("'50%'", 0), ("0.5", 0), ("'49%'", 1), ("'half'", 2), ("true", 2)):
        (tmp_path / "cdpctl.yaml").write_text(f"plan: {PLAN.as_posix()}\nvalidate:\n  max_invalid_rate: {setting}\n", encoding="utf-8")
        result = CliRunner().invoke(app, ["validate", str(data), "-q"])
        assert result.exit_code == status, (setting, result.output)
        if status == 2:
            assert "validate.max_invalid_rate in the configuration must be" in result.stderr
