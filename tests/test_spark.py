"""Validation on a real local Spark (``local[2]``): the report equals the single-machine run's.

One Spark session serves every test of this module (Spark start-up is slow).
The corpus is split over gzip and plain files, with malformed lines mid-file,
every violation code and deprecated events.
"""

# ruff: noqa: E402
from __future__ import annotations

import copy
import gzip
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

pyspark = pytest.importorskip("pyspark", reason="the spark extra is not installed")

from pyspark.sql import SparkSession
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.errors import CdpctlError
from cdpctl.loader import load_plan
from cdpctl.spark import job, validate
from cdpctl.spark.job import dataframe_label
from cdpctl.validation import CODES, Report, Validator, validate_lines
from cdpctl.validation.inputs import expand_paths
from cdpctl.validation.runner import validate_sources

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "plans" / "acme-shop.yaml"

ORDER: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u-1",
    "timestamp": "2024-05-01T10:00:00Z",
    "properties": {
        "order_id": "o-1",
        "total": 25.5,
        "currency": "EUR",
        "products": [{"product_id": "p-1", "price": 12.75, "quantity": 2}],
    },
}


def order(index: int, **changes: Any) -> dict[str, Any]:
    message = copy.deepcopy(ORDER)
    message["properties"]["order_id"] = f"o-{index}"
    message["properties"].update(changes)
    return message


def message(index: int) -> dict[str, Any] | list[Any]:
    """The corpus's index-th message: mostly valid, every code in turn."""
    kind = index % 23
    if kind == 1:
        return {**order(index), "userId": None}  # invalid_envelope
    if kind == 2:
        return {**order(index), "event": "Order Complete"}  # unplanned_event
    if kind == 3:
        return order(index, gift_wrap=True)  # unplanned_property
    if kind == 4:
        trimmed = order(index)
        del trimmed["properties"]["total"]
        return trimmed  # required_missing
    if kind == 5:
        return order(index, total="25.5")  # type_mismatch
    if kind == 6:
        return order(index, currency="JPY")  # value_not_allowed
    if kind == 7:
        return order(index, products=[])  # constraint_failed
    if kind == 8:
        return {"type": "track", "event": "Legacy Thing Happened", "anonymousId": f"a-{index}", "properties": {"x": 1}}
    if kind == 9:
        return {"type": "identify", "userId": f"u-{index}", "traits": {"email": "not-an-email", "age": 3}}
    if kind == 10:
        return {"type": "page", "name": "Pricing", "userId": "u", "properties": {"path": 7}}
    if kind == 11:
        return {"type": "alias", "userId": "u"}
    if kind == 12:
        return [order(index), order(index, currency="JPY")]  # an array on one line: two records
    if kind == 13:
        return {"type": "track", "event": "Chatbot Created", "userId": "u", "properties": {"chatbot_id": "cb_x", "channels": ["web", "web"]}}
    return order(index)


def lines(start: int, count: int) -> Iterator[bytes]:
    for index in range(start, start + count):
        if index % 37 == 5:
            yield b'{"type": "track", "event": '  # malformed, mid-file
        elif index % 53 == 7:
            yield b'{"type":"track","event":"\xff\xfe","userId":"u"}'  # invalid UTF-8: malformed
        elif index % 61 == 9:
            yield b""  # blank lines are skipped, but still numbered
        else:
            yield json.dumps(message(index)).encode()


def write(path: Path, start: int, count: int, *, gz: bool = False, crlf: bool = False) -> None:
    data = (b"\r\n" if crlf else b"\n").join(lines(start, count)) + b"\n"
    path.write_bytes(gzip.compress(data) if gz else data)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    write(root / "a.ndjson", 0, 400)
    write(root / "b.ndjson.gz", 400, 300, gz=True)
    (root / "day2").mkdir()
    write(root / "day2" / "c.jsonl.gz", 700, 250, gz=True)
    write(root / "day2" / "d.ndjson", 950, 1500, crlf=True)
    write(root / "day2" / "e 100%.ndjson", 2451, 60)  # examples name it by its URI: e%20100%25.ndjson
    (root / "day2" / "e 100%.ndjson").write_bytes(b"\xef\xbb\xbf" + (root / "day2" / "e 100%.ndjson").read_bytes())
    (root / "notes.txt").write_text("not a data file: directories give only their data files\n")
    return root


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("cdpctl-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(load_plan(str(ACME)))


@pytest.fixture(scope="module")
def local(corpus: Path, validator: Validator) -> Report:
    """The single-machine report over the same corpus (two jobs, as ``--jobs 2``)."""
    result = validate_sources(validator, expand_paths([str(corpus)]), jobs=2)
    assert not result.input_errors
    return result.report


def as_local(report: Report) -> dict[str, Any]:
    """The JSON report with example locations mapped back from file URIs to paths."""
    data = report.to_json()
    for group in data["violations"]:
        for example in group["examples"]:
            assert example["file"].startswith("file:/"), example
            example["file"] = unquote(example["file"][len("file:") :])
    return data


def test_spark_report_equals_the_local_report(
    spark: SparkSession, corpus: Path, validator: Validator, local: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = local.to_json()
    assert {g["code"] for g in expected["violations"]} == set(CODES) - {"record_too_large", "message_too_large"}  # every code a small file gives
    assert expected["summary"]["malformed"] > 0 and expected["summary"]["warnings"] > 0

    report = validate(spark, str(corpus), validator)
    assert as_local(report) == expected
    assert json.dumps(as_local(report), sort_keys=True) == json.dumps(expected, sort_keys=True)

    # force Spark to cut the plain files into many splits, and merge the partial reports first on the
    # executors, in runs of consecutive files: line numbers and examples stay the same
    monkeypatch.setattr(job, "ORDERED_COLLECT_LIMIT", 1)
    monkeypatch.setattr(job, "RUN_FAN", 2)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "16k")
    try:
        report = validate(spark, [str(corpus / "a.ndjson"), str(corpus / "b.ndjson.gz"), str(corpus / "day2")], validator)
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert as_local(report) == expected


def test_split_output_round_trips_through_the_local_validator(
    spark: SparkSession, corpus: Path, validator: Validator, local: Report, tmp_path: Path
) -> None:
    out = tmp_path / "split"
    report = validate(spark, str(corpus), validator, split=str(out))
    assert report.to_json()["summary"] == local.to_json()["summary"]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["kind=invalid", "kind=malformed", "kind=valid"]

    def again(kind: str) -> Report:
        return validate_sources(validator, expand_paths([str(out / f"kind={kind}" / "part-*")]), jobs=1).report

    valid, invalid, malformed = again("valid"), again("invalid"), again("malformed")
    summary = local.to_json()["summary"]
    assert (valid.events, valid.invalid, valid.malformed) == (summary["valid"], 0, 0)
    assert (invalid.events, invalid.invalid, invalid.malformed) == (summary["invalid"], summary["invalid"], 0)
    assert (malformed.events, malformed.malformed) == (summary["malformed"], summary["malformed"])
    assert valid.warnings + invalid.warnings == summary["warnings"]
    counts = {(g.type, g.event, g.code, g.path): g.count for g in local.groups.values()}
    replayed = valid.merge(invalid).merge(malformed)
    assert {(g.type, g.event, g.code, g.path): g.count for g in replayed.groups.values()} == counts

    with pytest.raises(Exception, match="already exists"):
        validate(spark, str(corpus), validator, split=str(out))


def test_dataframe_entry_point(spark: SparkSession, corpus: Path, validator: Validator, local: Report) -> None:
    raw = [line for name in ("a.ndjson", "day2/d.ndjson") for line in (corpus / name).read_bytes().split(b"\n")[:-1]]
    raw += (corpus / "day2" / "e 100%.ndjson").read_bytes()[3:].split(b"\n")[:-1]  # without its byte order mark
    raw += gzip.decompress((corpus / "b.ndjson.gz").read_bytes()).split(b"\n")[:-1]
    raw += gzip.decompress((corpus / "day2" / "c.jsonl.gz").read_bytes()).split(b"\n")[:-1]
    frame = spark.createDataFrame([(line,) for line in raw], "message binary").repartition(3)
    report = validate(spark, frame, str(ACME))
    assert report.to_json()["summary"] == local.to_json()["summary"]
    assert {k: g.count for k, g in report.groups.items()} == {k: g.count for k, g in local.groups.items()}
    labels = {e.file for g in report.groups.values() for e in g.examples}
    assert labels <= {dataframe_label(i) for i in range(3)}

    texts = spark.createDataFrame(
        [(line.decode("utf-8", "replace"), 1) for line in raw[:50]] + [(None, 2)], "value string, n int"
    )  # a null message is skipped, like a blank line
    with pytest.raises(Exception, match="name the one"):
        validate(spark, texts, validator)
    with pytest.raises(CdpctlError, match="the column 'n' holds int values"):  # was Spark's DATATYPE_MISMATCH
        validate(spark, texts, validator, column="n")
    expected = validate_lines(validator, [(line.decode("utf-8", "replace").encode(), "x", n) for n, line in enumerate(raw[:50], 1)])
    assert validate(spark, texts, validator, column="value").summary() == expected.summary()


def test_cli_engine_spark_prints_the_local_json_report(spark: SparkSession, corpus: Path, local: Report) -> None:
    runner = CliRunner()
    args = ["validate", str(corpus), "--plan", str(ACME), "--format", "json"]
    done = runner.invoke(app, [*args, "--engine", "spark", "--spark-master", "local[2]"])
    assert done.exit_code == 1, done.output  # the corpus has errors
    printed = json.loads(done.stdout)
    assert printed.pop("input_errors") == []  # what a run adds to the report
    assert printed.pop("verdict") == {"ok": False, "status": "FAIL", "reason": "", "exit_code": 1}
    assert (printed["summary"].pop("unreadable"), printed["summary"].pop("partial")) == (0, False)
    for group in printed["violations"]:
        for example in group["examples"]:
            example["file"] = unquote(example["file"][len("file:") :])
    assert printed == local.to_json()
    assert spark.sparkContext._jsc is not None  # the CLI left the session it joined running

    missing = runner.invoke(app, [*args[:1], str(corpus / "nope"), "--engine", "spark", "--plan", str(ACME)])
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr

    hidden = corpus / "_hidden.ndjson"
    hidden.write_bytes(b"{}\n")
    try:
        refused = runner.invoke(app, [*args[:1], str(hidden), "--engine", "spark", "--plan", str(ACME)])
    finally:
        hidden.unlink()
    assert refused.exit_code == 2
    assert "names start with '_'" in refused.stderr


def test_a_file_named_twice_is_read_once(spark: SparkSession, corpus: Path, validator: Validator) -> None:
    alone = validate_sources(validator, expand_paths([str(corpus / "b.ndjson.gz")]), jobs=1).report
    twice = validate(spark, [str(corpus / "b.ndjson.gz"), str(corpus / "b.ndjson.g?")], validator)
    assert twice.summary() == alone.summary()


def test_a_file_spark_cannot_read_is_left_out_and_named_and_the_rest_is_checked(
    spark: SparkSession, corpus: Path, validator: Validator, tmp_path: Path
) -> None:
    """A truncated gzip failed the whole Spark job: no report, the good files around it lost. The job runs again
    without it; the report names it (exit 2) and counts every other file, one whose name holds glob characters
    among them (Spark globs every path it is handed: such a file was never found)."""
    folder = tmp_path / "in"
    folder.mkdir()
    whole = gzip.compress(b"\n".join(lines(0, 400)) + b"\n")
    (folder / "a.ndjson.gz").write_bytes(whole)
    (folder / "b.ndjson.gz").write_bytes(whole[: len(whole) // 2])  # truncated
    (folder / "c[1].ndjson").write_bytes((corpus / "a.ndjson").read_bytes())
    split = tmp_path / "split"
    args = ["validate", str(folder), "--plan", str(ACME), "-f", "json", "--engine", "spark", "--spark-master", "local[2]"]
    done = CliRunner().invoke(app, [*args, "--split", str(split)])
    assert done.exit_code == 2, done.output
    printed = json.loads(done.stdout)
    [error] = printed["input_errors"]
    assert "b.ndjson.gz" in error and "Unexpected end of input stream" in error and "left out" in error
    assert printed["summary"]["unreadable"] == 1
    readable = [str(folder / "a.ndjson.gz"), str(folder / "c[1].ndjson")]
    assert printed["summary"]["events"] == validate_sources(validator, expand_paths(readable), jobs=1).report.events
    assert "cannot read" in done.stderr and "b.ndjson.gz" in done.stderr
    assert {path.name for path in split.iterdir()} >= {"kind=valid", "kind=invalid"}
    named = CliRunner().invoke(app, [*args[:1], str(folder / "c[1].ndjson"), *args[2:]])  # named: read as named
    assert named.exit_code == 1, named.output
    assert json.loads(named.stdout)["summary"]["events"] == validate_sources(
        validator, expand_paths([str(folder / "c[1].ndjson")]), jobs=1
    ).report.events
