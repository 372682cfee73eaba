"""The Spark engine's plain-Python parts (no JVM): partition code, ordering, input rules, error lines, missing PySpark."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cdpctl.loader import load_plan
from cdpctl.spark import INSTALL_HINT
from cdpctl.spark.command import error_summary
from cdpctl.spark.inputs import InputFile, is_data_file, may_be_split
from cdpctl.spark.partition import (
    LineNumberingError,
    dataframe_rows,
    first_line,
    fold,
    input_order,
    partition_records,
    partition_reports,
    scan_rows,
)
from cdpctl.validation import Report, Validator, validate_lines

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "plans" / "acme-shop.yaml"

GOOD = b'{"type":"identify","userId":"u","traits":{"plan":"pro"}}'
BAD = b'{"type":"identify","userId":"u","traits":{"plan":"gold"}}'
LEGACY = b'{"type":"track","event":"Legacy Thing Happened","userId":"u"}'
BROKEN = b'{"type":'


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(load_plan(str(ACME)))


def file_lines() -> list[bytes]:
    return [GOOD, BAD, BROKEN, LEGACY, b"", BAD, GOOD, BROKEN] * 5


def test_splits_numbered_from_their_offsets_give_the_whole_files_report(validator: Validator) -> None:
    lines = file_lines()
    whole = validate_lines(validator, [(raw, "f", n) for n, raw in enumerate(lines, 1)])
    # the file in three splits (starting at byte 0, 100 and 900) over two partitions: [0] and [100, 900]
    cuts = [(0, 0, 13), (100, 13, 30), (900, 30, len(lines))]
    offsets = {("f", start): first for start, first, _ in cuts if start}
    rows = [(raw, "f", start) for start, first, end in cuts for raw in lines[first:end]]
    parts = list(partition_reports(validator, rows[:13], offsets)) + list(partition_reports(validator, rows[13:], offsets))
    assert [key for key, _ in parts] == [("f", 0), ("f", 100), ("f", 900)]
    merged = fold(list(reversed(parts)), input_order(["f"]))  # whatever order the partitions finish in
    assert merged.to_json() == whole.to_json()
    assert merged.to_json()["summary"] == {"events": 35, "valid": 15, "invalid": 10, "malformed": 10, "warnings": 5}


def test_a_byte_order_mark_opening_a_file_is_skipped(validator: Validator) -> None:
    rows = [(b"\xef\xbb\xbf" + GOOD, "f", 0), (b"\xef\xbb\xbf" + GOOD, "f", 0)]
    ((_, report),) = partition_reports(validator, rows, {})
    assert (report.valid, report.malformed) == (1, 1)  # only the file's first line may carry one


def test_first_line_needs_the_count_of_earlier_splits() -> None:
    assert first_line(("f", 0), {}) == 1
    assert first_line(("f", 500), {("f", 500): 41}) == 42
    with pytest.raises(LineNumberingError):
        first_line(("f", 500), {})


def test_fold_orders_by_input_then_offset_and_counts_a_split_once(validator: Validator) -> None:
    def part(file: str, start: int, line: int) -> tuple[tuple[str, int], Report]:
        return (file, start), validate_lines(validator, [(BAD, file, line)])

    parts = [part("b", 0, 1), part("a", 50, 9), part("zzz-unknown", 0, 1), part("a", 0, 1), part("a", 50, 9)]
    merged = fold(parts, input_order(["a", "b"]))
    assert merged.events == 4  # the repeated split (a retried task) counts once
    (group,) = merged.groups.values()
    assert [(e.file, e.line) for e in group.examples] == [("a", 1), ("a", 9), ("b", 1), ("zzz-unknown", 1)]


def test_partition_records_split_every_record_and_report_each_split(validator: Validator) -> None:
    lines = file_lines()
    rows = [(bytearray(raw), "f", 0) for raw in lines[:20]] + [(raw, "g", 0) for raw in lines[20:]]
    done: list[tuple[tuple[str, int], Report]] = []
    records = list(partition_records(validator, rows, {}, done.append, chunk=3))
    kinds = [kind for kind, _ in records]
    assert kinds.count("valid") == 15 and kinds.count("invalid") == 10 and kinds.count("malformed") == 10
    assert all(b"\n" not in line for _, line in records)
    invalid = [json.loads(line) for kind, line in records if kind == "invalid"]
    assert all(m["context"]["violations"][0]["code"] == "value_not_allowed" for m in invalid)
    assert {line for kind, line in records if kind == "malformed"} == {BROKEN}
    assert [key for key, _ in done] == [("f", 0), ("g", 0)]
    merged = fold(done, input_order(["f", "g"]))
    whole = validate_lines(validator, [(raw, "f" if n <= 20 else "g", n if n <= 20 else n - 20) for n, raw in enumerate(lines, 1)])
    assert merged.to_json() == whole.to_json()


def test_transport_lines_decode_to_the_raw_bytes() -> None:
    raw = b'{"bad":"\xff"}\r'
    encoded = [b"0\t" + base64.b64encode(raw) + b"\tfile:/d/a b\t.ndjson", b"4096\t\tfile:/d/a b\t.ndjson"]
    assert list(scan_rows(encoded)) == [(raw, "file:/d/a b\t.ndjson", 0), (b"", "file:/d/a b\t.ndjson", 4096)]
    assert list(dataframe_rows([base64.b64encode(b"x"), b""], "dataframe[3]")) == [(b"x", "dataframe[3]", 0), (b"", "dataframe[3]", 0)]


def test_directory_data_files_follow_the_local_rules() -> None:
    for name in ("a.ndjson", "b.jsonl.gz", "c.json", "d.log.zst", "E.NDJSON"):
        assert is_data_file(name), name
    for name in (".hidden.ndjson", "_SUCCESS", "_x.ndjson", "part-00000.txt", "notes.md", "a.ndjson.crc"):
        assert not is_data_file(name), name


def test_only_large_uncompressed_files_may_be_split() -> None:
    mb = 1024 * 1024
    assert not may_be_split([InputFile("s3a://b/x.ndjson.gz", "s3a://b/x.ndjson.gz", 900 * mb)], 128 * mb, 4 * mb)
    assert not may_be_split([InputFile("file:/x.ndjson", "file:/x.ndjson", 4 * mb)], 128 * mb, 4 * mb)
    assert may_be_split([InputFile("file:/x.ndjson", "file:/x.ndjson", 4 * mb + 1)], 128 * mb, 4 * mb)
    assert may_be_split([InputFile("file:/x.ndjson.bz2", "file:/x.ndjson.bz2", 20 * mb)], 128 * mb, 4 * mb)
    assert may_be_split([InputFile("file:/x.ndjson", "file:/x.ndjson", 20_000)], 16_384, 4 * mb)


def test_error_summary_finds_the_worker_exception_line() -> None:
    text = (
        "An error occurred while calling o51.collectToPython.\n"
        ": org.apache.spark.SparkException: Job aborted due to stage failure: Task 0 failed\n"
        "org.apache.spark.api.python.PythonException: Traceback (most recent call last):\n"
        '  File "worker.py", line 1, in main\n'
        "ModuleNotFoundError: No module named 'cdpctl'\n"
        "\n\tat org.apache.spark.api.python.BasePythonRunner.handle(PythonRunner.scala:1)\n"
    )
    assert error_summary(RuntimeError(text)) == "ModuleNotFoundError: No module named 'cdpctl'"
    assert error_summary(RuntimeError("plain words\nmore")) == "plain words"


def test_engine_spark_without_pyspark_exits_2_naming_the_extra(tmp_path: Path) -> None:
    events = tmp_path / "e.ndjson"
    events.write_bytes(GOOD + b"\n")
    code = (
        "import sys; sys.modules['pyspark'] = None\n"  # as if PySpark were not installed
        "from cdpctl.cli import main\n"
        f"sys.argv = ['cdpctl', 'validate', {str(events)!r}, '--plan', {str(ACME)!r}, '--engine', 'spark']\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert INSTALL_HINT in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_unknown_engine_is_a_usage_error(tmp_path: Path) -> None:
    events = tmp_path / "e.ndjson"
    events.write_bytes(GOOD + b"\n")
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", str(events), "--plan", str(ACME), "--engine", "flink"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "unknown engine 'flink'" in done.stderr


def test_error_summary_names_the_cause_and_the_file_of_a_failed_read() -> None:
    """A damaged gzip read by Spark said only "An error occurred while calling ...collectAndServe."."""
    text = (
        "An error occurred while calling z:org.apache.spark.api.python.PythonRDD.collectAndServe.\n"
        ": org.apache.spark.SparkException: [FAILED_READ_FILE.NO_HINT] Encountered error while reading file "
        "file:///data/trunc.ndjson.gz. SQLSTATE: KD001\n"
        "\tat org.apache.spark.errors.SparkCoreErrors$.failedReadFile(SparkCoreErrors.scala:123)\n"
        "Caused by: java.io.EOFException: Unexpected end of input stream\n"
        "\tat org.apache.hadoop.io.compress.DecompressorStream.decompress(DecompressorStream.java:165)\n"
    )
    assert error_summary(RuntimeError(text)) == (
        "java.io.EOFException: Unexpected end of input stream (reading file:///data/trunc.ndjson.gz)"
    )
