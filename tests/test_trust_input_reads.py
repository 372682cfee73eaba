"""Trust in how ``cdpctl validate`` reads an input's bytes: damaged streams, files that change while read,
encodings and whitespace.

Real files and the real command in a real process, or the reading functions themselves: every whole record
read is checked, and whatever was not read to its end is named (exit 2).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import zstandard
from test_trust_inputs import ENV, GOOD, LINE, PLAN, ROOT, cdpctl


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_a_damaged_stream_whose_first_line_is_broken_keeps_the_lines_before_the_damage(
    tmp_path: Path, compression: str
) -> None:
    """A first line that is not JSON by itself makes cdpctl try the file as one document; a read error
    while trying it (a truncated gzip or zstd, more than a block before the damage) lost every line
    before it: `events 0`.  The whole lines before the damage are checked and the input is named."""
    lines = 40_000
    data = b'{"type":"track","event":"T",\n' + LINE * lines
    packed = gzip.compress(data) if compression == "gzip" else zstandard.ZstdCompressor().compress(data)
    path = tmp_path / f"cut.ndjson.{'gz' if compression == 'gzip' else 'zst'}"
    path.write_bytes(packed[: len(packed) * 7 // 10])
    result = cdpctl(str(path), "-f", "json")
    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    summary = document["summary"]
    assert summary["unreadable"] == 1 and summary["malformed"] == 1 and summary["invalid"] == 0
    assert lines * 6 // 10 < summary["events"] < lines * 7 // 10 + 2, summary
    assert document["input_errors"][0].startswith(f"cannot read '{path}'")
    assert "was not checked" in document["input_errors"][0]


@pytest.mark.parametrize("when", ["between blocks", "after the scan"])
def test_a_file_truncated_while_it_is_read_is_an_input_error(tmp_path: Path, when: str) -> None:
    """A log truncated while it is read (logrotate's copytruncate) gave OK with part of its events: a range
    was read short without a word, and an empty positioned read was taken for one long line.  The file is
    named as changed while being read (exit 2)."""
    from cdpctl.loader import load_plan
    from cdpctl.validation import Validator
    from cdpctl.validation.inputs import InputError, RangeBlock, Source, iter_blocks, open_source
    from cdpctl.validation.runner import validate_sources

    path = tmp_path / "events.ndjson"
    path.write_bytes(LINE * 2_000)
    size = path.stat().st_size
    opened = open_source(Source(str(path)))
    blocks = iter_blocks(opened, block_size=size // 8, by_range=True)
    first = next(blocks)
    assert isinstance(first, RangeBlock)
    if when == "between blocks":
        os.truncate(path, size // 2)
        with pytest.raises(InputError, match="the file changed while being read"):
            list(blocks)
    else:
        rest = list(blocks)
        os.truncate(path, size // 2)
        assert isinstance(rest[-1], RangeBlock)
        with pytest.raises(InputError, match=f"cannot read '{path}': the file changed while being read"):
            rest[-1].read()
    opened.stream.close()

    path.write_bytes(LINE * 2_000)
    truncated: list[bool] = []

    def rotate(done: int, _report: Any) -> None:  # the first block is handed out: the log is rotated
        if not truncated:
            os.truncate(path, 0)
            truncated.append(True)

    result = validate_sources(
        Validator(load_plan(str(PLAN))), [Source(str(path))], block_size=size // 8, progress=rotate
    )
    assert result.report.events < 2_000
    assert len(result.input_errors) == 1 and "the file changed while being read" in result.input_errors[0]


def test_a_file_read_as_a_stream_that_shrinks_is_an_input_error(tmp_path: Path) -> None:
    """Read as a stream (``infer``, ``coverage``), a regular file that ends before the size it had when it
    was opened is named as changed too."""
    from cdpctl.validation.inputs import InputError, Source, iter_blocks, open_source

    path = tmp_path / "events.ndjson"
    path.write_bytes(LINE * 40_000)
    opened = open_source(Source(str(path)))
    blocks = iter_blocks(opened, block_size=1024 * 1024)
    next(blocks)
    os.truncate(path, 2 * 1024 * 1024)
    with pytest.raises(InputError, match="the file changed while being read"):
        list(blocks)
    opened.stream.close()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_is_never_repaired_and_a_cut_character_is_named(tmp_path: Path, encoding: str) -> None:
    """An unpaired surrogate in UTF-16 input was replaced by U+FFFD and the record passed: it is
    ``malformed_json``, as the same record is in UTF-8 (not UTF-8).  A UTF-16 file cut at an odd byte
    was one malformed record more: it is an input not read to the end (truncated), its whole lines
    checked."""
    bom = "\ufeff".encode(encoding)
    lone = json.dumps(GOOD).replace('"u-1"', '"u-\ud800"', 1)  # the code unit itself, not a JSON escape
    text = (LINE.decode() + lone + "\n" + LINE.decode()).encode(encoding, "surrogatepass")
    path = tmp_path / "events.ndjson"
    path.write_bytes(bom + text)
    result = cdpctl(str(path), "-f", "json")
    summary = json.loads(result.stdout)["summary"]
    assert result.returncode == 1, result.stderr
    assert (summary["events"], summary["valid"], summary["malformed"], summary["unreadable"]) == (3, 2, 1, 0)
    assert "not UTF-8" in json.loads(result.stdout)["violations"][0]["message"]

    path.write_bytes(bom + (LINE.decode() * 3).encode(encoding)[:-1])  # the last character cut in two
    result = cdpctl(str(path), "-f", "json")
    document = json.loads(result.stdout)
    assert result.returncode == 2, result.stderr
    assert document["summary"]["malformed"] == 0 and document["summary"]["valid"] == 2
    assert "truncated" in document["input_errors"][0] and str(path) in document["input_errors"][0]


@pytest.mark.parametrize(("signum", "jobs", "status"), [(2, "1", 130), (15, "2", 143)])
def test_a_signal_while_a_stream_waits_reports_the_lines_already_read(signum: int, jobs: str, status: int) -> None:
    """A signal while a pipe waits for more input ended the run with `events: 0`: a block waits for 4 MB or
    the end of the input, and the lines read so far were dropped with it.  The partial report covers every
    whole line read before the signal (exit 130 / 143, `partial: true`)."""
    data = (ROOT / "examples" / "events-with-violations.ndjson").read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-m", "cdpctl", "validate", "--plan", str(PLAN), "-f", "json", "--jobs", jobs, "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert process.stdin is not None
    try:
        process.stdin.write(data + b'{"type":"track","event":"cut')  # and a line not ended yet
        process.stdin.flush()
        time.sleep(3)  # the run starts, reads what is there and waits for more
        process.send_signal(signum)
        process.wait(60)  # standard input still open: the end of the input is not what stops it
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == status, err
    summary = json.loads(out)["summary"]
    assert summary["partial"] is True
    assert (summary["events"], summary["invalid"], summary["malformed"]) == (23, 9, 1)
    assert b"Traceback" not in err


@pytest.mark.parametrize("fast", [True, False])
def test_only_json_whitespace_surrounds_a_record(fast: bool) -> None:
    """``bytes.strip()`` also strips a form feed and a vertical tab, which JSON does not allow around a
    value: ``\\x0c{...}\\x0b`` passed as valid.  Only space, tab, CR and LF are stripped now; the record
    is ``malformed_json`` on every route."""
    from cdpctl.loader import load_plan
    from cdpctl.validation import Validator, validate_lines

    validator = Validator(load_plan(str(PLAN)), fast=fast)
    record = LINE.rstrip(b"\n")
    lines = [
        b" \t" + record + b" \r\n",  # JSON whitespace: a valid record
        b"\x0c" + record + b"\x0b\n",
        b"\x0b" + record + b"\n",
        record + b"\x0c\n",
        b"\x0c\n",  # not a blank line
        b" \t\r\n",  # a blank line: no record
    ]
    for utf8 in (True, False):
        report = validate_lines(validator, ((line, "f", n) for n, line in enumerate(lines, 1)), utf8=utf8)
        assert (report.events, report.malformed, report.invalid) == (5, 4, 0), (utf8, report)
