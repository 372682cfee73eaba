"""Trust in ``cdpctl validate``'s inputs and runs: nothing unchecked is OK, no traceback, no hang.

Every test runs the real command in a real process on real files, pipes, FIFOs
and signals (the guarantees of docs/guarantees.md, "Validate inputs and runs").
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import process_helpers
import pytest
import zstandard
from process_helpers import running

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
GOOD: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u-1",
    "properties": {"order_id": "o-1", "total": 10, "currency": "EUR", "products": [{"product_id": "p", "price": 10}]},
}
BAD: dict[str, Any] = {**GOOD, "properties": {**GOOD["properties"], "currency": "JPY"}}
LINE = json.dumps(GOOD).encode() + b"\n"
BAD_LINE = json.dumps(BAD).encode() + b"\n"
ENV = {**os.environ, "GITHUB_ACTIONS": "", "CI": ""}


def cdpctl(*args: str, stdin: Any = subprocess.DEVNULL, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", "--plan", str(PLAN), *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        **options,
    )


def report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("cdpctl: error:")]
    assert all(len(line) < 400 for line in errors)


# --- 1. nothing unchecked is ever OK -----------------------------------------------------------------


def zstd_truncated(tmp_path: Path, cut: int) -> Path:
    data = LINE * 20_000
    compressed = zstandard.ZstdCompressor(write_checksum=True).compress(data)
    path = tmp_path / "events.ndjson.zst"
    path.write_bytes(compressed[:cut] if cut > 0 else compressed[: len(compressed) + cut])
    return path


@pytest.mark.parametrize("kind", ["broken link", "link loop", "fifo"])
@pytest.mark.parametrize("how", ["folder", "glob"])
def test_a_folder_or_glob_never_skips_a_data_file_it_cannot_read(tmp_path: Path, kind: str, how: str) -> None:
    """A log named like data in a folder (or matched by a glob) that is a broken link, a loop of links or a
    FIFO was skipped in silence and the rest said OK: it is an input not read, named (exit 2)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "good.ndjson").write_bytes(LINE)
    odd = logs / "odd.ndjson"
    if kind == "broken link":
        odd.symlink_to(tmp_path / "gone.ndjson")
    elif kind == "link loop":
        odd.symlink_to(odd)
    else:
        os.mkfifo(odd)
    (logs / "a-folder.ndjson").mkdir()  # a folder named like data is walked, not refused
    result = cdpctl(str(logs) if how == "folder" else str(logs / "*.ndjson"))
    no_traceback(result)
    assert result.returncode == 2, result.stderr
    assert f"cannot read '{odd}'" in result.stderr
    named = cdpctl(str(odd)) if kind != "fifo" else None  # named on its own: the same error (a FIFO is read)
    assert named is None or (named.returncode == 2 and f"cannot read '{odd}'" in named.stderr)


@pytest.mark.parametrize("cut", [-1, -4, -40, 40])
def test_truncated_zstd_is_exit_2_and_named(tmp_path: Path, cut: int) -> None:
    path = zstd_truncated(tmp_path, cut)
    result = cdpctl(str(path), "-f", "json")
    no_traceback(result)
    assert result.returncode == 2
    document = report(result)
    assert document["summary"]["unreadable"] == 1 and document["summary"]["partial"] is False
    assert str(path) in document["input_errors"][0] and "truncated" in document["input_errors"][0]
    assert f"cdpctl: error: cannot read '{path}'" in result.stderr


def test_truncated_gzip_is_exit_2_in_every_format(tmp_path: Path) -> None:
    compressed = gzip.compress(LINE * 20_000)
    path = tmp_path / "events.ndjson.gz"
    path.write_bytes(compressed[:-10])
    for fmt in ("text", "json", "junit", "github", "sarif", "markdown"):
        result = cdpctl(str(path), "-f", fmt)
        no_traceback(result)
        assert result.returncode == 2, (fmt, result.stderr)
        assert str(path) in result.stdout, fmt  # the report itself names the file
    text = cdpctl(str(path)).stdout
    assert "FAIL: 1 input not read to the end" in text


def _readable_prefix(data: bytes, compression: str) -> bytes:
    """What a streaming reader gives of a truncated stream before its error."""
    import io

    parts: list[bytes] = []
    if compression == "gzip":
        reader: Any = gzip.GzipFile(fileobj=io.BytesIO(data))
    else:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
    try:
        while chunk := reader.read1(65536):
            parts.append(chunk)
    except (EOFError, OSError, zstandard.ZstdError):
        pass
    return b"".join(parts)


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_a_line_cut_by_a_truncated_stream_is_not_a_record(tmp_path: Path, compression: str) -> None:
    """The lines before the cut are checked; the line the cut runs through is no record (not malformed):
    the error names it, and the run is exit 2."""
    compress = gzip.compress if compression == "gzip" else zstandard.ZstdCompressor().compress
    lines = [json.dumps({**GOOD, "messageId": os.urandom(24).hex()}).encode() + b"\n" for _ in range(3000)]
    data = compress(b"".join(lines))
    path = tmp_path / ("events.ndjson.gz" if compression == "gzip" else "events.ndjson.zst")
    path.write_bytes(data[: len(data) * 3 // 4])
    readable = _readable_prefix(path.read_bytes(), compression)
    assert readable and not readable.endswith(b"\n")  # the cut runs through a line
    result = cdpctl(str(path), "-f", "json")
    no_traceback(result)
    assert result.returncode == 2
    summary = report(result)["summary"]
    assert summary["malformed"] == 0 and summary["invalid"] == 0
    assert summary["valid"] == summary["events"] == readable.count(b"\n")
    assert "was not checked" in report(result)["input_errors"][0] and "cut short" in result.stderr


def test_a_long_line_cut_by_a_read_error_is_not_a_record(tmp_path: Path) -> None:
    """The same for a line longer than a block (read on past the block until the error)."""
    from cdpctl.validation.inputs import InputError, LineBlock, iter_blocks
    from cdpctl.validation.streams import Source, open_source

    path = tmp_path / "events.ndjson.gz"
    long_line = b'{"type": "track", "event": "' + os.urandom(4000).hex().encode() + b'"}\n'
    path.write_bytes(gzip.compress(LINE + long_line)[:-1000])
    opened = open_source(Source(str(path)))
    blocks: list[bytes] = []
    with pytest.raises(InputError, match="cut short"):
        for block in iter_blocks(opened, block_size=256):
            assert isinstance(block, LineBlock)
            blocks.append(block.data)
    assert b"".join(blocks) == LINE


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
@pytest.mark.parametrize("tail", [b"this is not compressed", b"\x1f\x8b\x08\x00", b"\x28\xb5\x2f\xfd\x00"])
def test_junk_after_a_whole_member_keeps_the_lines_before_it(tmp_path: Path, compression: str, tail: bytes) -> None:
    """A small file whose one whole member (frame) is followed by junk or a cut second one: its lines are
    all validated and counted, and the input is named as not read to the end (exit 2)."""
    compress = gzip.compress if compression == "gzip" else zstandard.ZstdCompressor().compress
    path = tmp_path / ("events.ndjson.gz" if compression == "gzip" else "events.ndjson.zst")
    path.write_bytes(compress(LINE * 46) + tail)
    result = cdpctl(str(path), "-f", "json")
    no_traceback(result)
    assert result.returncode == 2
    document = report(result)
    assert document["summary"]["valid"] == 46 and document["summary"]["unreadable"] == 1
    assert str(path) in document["input_errors"][0]


def test_whole_zstd_with_several_frames_checksums_and_a_skippable_frame_is_ok(tmp_path: Path) -> None:
    skippable = b"\x50\x2a\x4d\x18" + (5).to_bytes(4, "little") + b"12345"
    parts = [
        zstandard.ZstdCompressor().compress(LINE * 3000),
        skippable,
        zstandard.ZstdCompressor(write_checksum=True, level=19).compress(LINE * 10),
        zstandard.ZstdCompressor(write_content_size=False).compress(b""),
    ]
    path = tmp_path / "events.ndjson.zst"
    path.write_bytes(b"".join(parts))
    result = cdpctl(str(path), "-f", "json")
    assert result.returncode == 0, result.stderr
    assert report(result)["summary"]["events"] == 3010


def test_zstd_frames_follows_the_layout_byte_by_byte() -> None:
    from cdpctl.validation.streams import ZstdFrames

    data = zstandard.ZstdCompressor(write_checksum=True).compress(os.urandom(300_000) + LINE * 1000)
    for step in (1, 7, 4096, len(data)):
        frames = ZstdFrames()
        for start in range(0, len(data), step):
            frames.feed(data[start : start + step])
        assert frames.complete, step
    frames = ZstdFrames()
    frames.feed(data[:-1])
    assert not frames.complete


def test_within_the_rate_is_ok_and_exit_0(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_bytes(BAD_LINE + LINE * 49)  # 2% invalid
    within = cdpctl(str(path), "--max-invalid-rate", "0.05")
    assert within.returncode == 0
    assert "OK: 2% invalid, within --max-invalid-rate 5%" in within.stdout
    exact = cdpctl(str(path), "--max-invalid-rate", "0.02")
    assert exact.returncode == 0 and "OK: 2% invalid, within --max-invalid-rate 2%" in exact.stdout
    over = cdpctl(str(path), "--max-invalid-rate", "0.01")
    assert over.returncode == 1 and "FAIL: 2% invalid, over --max-invalid-rate 1%" in over.stdout
    markdown = cdpctl(str(path), "--max-invalid-rate", "0.05", "-f", "markdown")
    assert markdown.returncode == 0 and markdown.stdout.startswith("### cdpctl validate: passed (2% invalid")


def test_verdict_and_exit_status_always_agree() -> None:
    from cdpctl.validation.report import Report
    from cdpctl.validation.verdict import RunFacts, judge

    for events in range(1, 40):
        for failing in range(events + 1):
            for rate in (0.0, 0.01, 0.05, 0.1, 0.25, 1 / 3, 0.5, 1.0):
                report = Report(events=events, invalid=failing)
                verdict = judge(report, RunFacts(max_invalid_rate=rate))
                assert verdict.ok == (failing / events <= rate)
                assert verdict.headline.startswith("OK" if verdict.ok else "FAIL")
                assert verdict.exit_code == (0 if verdict.ok else 1)


@pytest.mark.parametrize("kind", ["empty file", "blank lines", "empty stdin", "empty directory"])
def test_no_records_is_exit_2_unless_allow_empty(tmp_path: Path, kind: str) -> None:
    args: list[str]
    stdin: Any = subprocess.DEVNULL
    if kind == "empty stdin":
        args = ["-"]
    elif kind == "empty directory":
        (tmp_path / "logs").mkdir()
        (tmp_path / "logs" / "notes.txt").write_text("not a data file")
        args = [str(tmp_path / "logs")]
    else:
        path = tmp_path / "events.ndjson"
        path.write_bytes(b"" if kind == "empty file" else b"\n  \n\n")
        args = [str(path)]
    result = cdpctl(*args, "-f", "json", stdin=stdin)
    no_traceback(result)
    assert result.returncode == 2
    if kind == "empty directory":  # an input error naming the folder (other inputs may have records)
        assert f"cdpctl: error: no data file in '{tmp_path / 'logs'}'" in result.stderr
    else:
        assert "cdpctl: error: no events read" in result.stderr
    assert report(result)["summary"]["events"] == 0
    allowed = cdpctl(*args, "--allow-empty", stdin=stdin)
    assert allowed.returncode == 0 and "OK: no events read (--allow-empty)" in allowed.stdout


def test_a_name_that_lies_about_compression_is_read_by_its_bytes_with_a_warning(tmp_path: Path) -> None:
    plain = tmp_path / "plain.ndjson.gz"
    plain.write_bytes(LINE * 3)
    packed = tmp_path / "packed.ndjson"
    packed.write_bytes(gzip.compress(LINE * 4))
    zstd = tmp_path / "zstd.log"
    zstd.write_bytes(zstandard.ZstdCompressor().compress(LINE * 5))
    honest = tmp_path / "honest.ndjson.zst"
    honest.write_bytes(zstandard.ZstdCompressor().compress(LINE))
    result = cdpctl(str(plain), str(packed), str(zstd), str(honest), "-f", "json")
    assert result.returncode == 0, result.stderr
    assert report(result)["summary"]["events"] == 13
    warnings = [line for line in result.stderr.splitlines() if line.startswith("cdpctl: warning:")]
    assert len(warnings) == 3
    assert f"'{plain}' is named like a gzip file but is not gzip-compressed" in warnings[0]
    assert f"'{packed}' is gzip-compressed although its name does not say so" in warnings[1]
    assert f"'{zstd}' is zstd-compressed" in warnings[2]


# --- 2. no traceback, no hang ---------------------------------------------------------------------------


def test_first_line_holding_an_array_is_still_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "capture.ndjson"
    path.write_bytes(json.dumps([GOOD, BAD]).encode() + b"\n" + LINE + BAD_LINE + b"{broken\n" + LINE)
    for jobs in ("1", "2"):
        result = cdpctl(str(path), "-f", "json", "--jobs", jobs)
        assert result.returncode == 1, result.stderr
        document = report(result)
        assert document["summary"]["events"] == 6
        assert document["summary"]["invalid"] == 2 and document["summary"]["malformed"] == 1
        groups = {group["code"]: group for group in document["violations"]}
        assert groups["value_not_allowed"]["examples"][:2] == [
            {"file": str(path), "line": 1, "index": 1},
            {"file": str(path), "line": 3},
        ]
        assert groups["malformed_json"]["examples"] == [{"file": str(path), "line": 4}]


def test_ndjson_with_a_broken_first_line_is_still_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "malformed.ndjson"
    path.write_bytes(b'{"type": "track", broken\n{also broken\n' + LINE * 3)
    result = cdpctl(str(path), "-f", "json")
    assert result.returncode == 1
    assert {k: report(result)["summary"][k] for k in ("events", "malformed")} == {"events": 5, "malformed": 2}


def test_a_pretty_printed_array_is_still_one_document(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([GOOD, BAD, GOOD], indent=2))
    result = cdpctl(str(path), "-f", "json")
    assert result.returncode == 1 and report(result)["summary"]["events"] == 3


def feed_fifo(
    path: Path, data: bytes, keep_open: threading.Event | None = None, written: threading.Event | None = None
) -> threading.Thread:
    """Write ``data`` into a FIFO from a thread; with ``keep_open``, hold it open (the reader waits for more)."""

    def write() -> None:
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            if written is not None:
                written.set()
            if keep_open is not None:
                keep_open.wait(60)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_named_fifo_is_read_once(tmp_path: Path, jobs: str) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    data = (LINE * 30_000) + BAD_LINE  # several blocks with --jobs 2
    writer = feed_fifo(fifo, data)
    result = cdpctl(str(fifo), "-f", "json", "--jobs", jobs)
    writer.join(10)
    no_traceback(result)
    assert result.returncode == 1, result.stderr
    assert report(result)["summary"]["events"] == 30_001


def test_process_substitution_and_a_pipe(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("no bash for process substitution")
    path = tmp_path / "events.ndjson.gz"
    path.write_bytes(gzip.compress(LINE * 1000 + BAD_LINE))
    command = f"{sys.executable} -m cdpctl validate --plan {PLAN} -f json <(gzip -dc {path})"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=ENV, timeout=120)
    no_traceback(result)
    assert result.returncode == 1 and report(result)["summary"]["events"] == 1001
    piped = cdpctl("-", "-f", "json", stdin=open(path, "rb"))  # noqa: SIM115  # closed by the process's end
    assert piped.returncode == 1 and report(piped)["summary"]["events"] == 1001


@pytest.mark.parametrize("args", [["-"], []])
def test_a_closed_stdin_is_one_error_line(args: list[str]) -> None:
    if shutil.which("bash") is None:
        pytest.skip("no bash to close stdin")
    words = " ".join(args)
    command = f"{sys.executable} -m cdpctl validate --plan {PLAN} {words} <&-"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=ENV, timeout=120)
    no_traceback(result)
    assert result.returncode == 2
    assert "cdpctl: error: cannot read '<stdin>': standard input is closed" in result.stderr


# --- 3. interrupted runs ----------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def wait_for(condition: Callable[[], bool]) -> None:
    process_helpers.wait_for(condition, 60)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="lists children through /proc")
@pytest.mark.parametrize(("signum", "jobs", "status"), [(signal.SIGTERM, "2", 143), (signal.SIGINT, "2", 130), (signal.SIGINT, "1", 130)])
def test_a_signal_prints_a_partial_report_and_leaves_no_worker(
    tmp_path: Path, signum: int, jobs: str, status: int
) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    done, written = threading.Event(), threading.Event()
    # when the last write returns, the run has read all but a pipe buffer (64 KB) of it, so it has merged
    # the first blocks (a window of 2 per job is in flight), then it waits for more: the FIFO stays open
    blocks = 8 if jobs == "2" else 3
    writer = feed_fifo(fifo, LINE * (blocks * 4 * 1024 * 1024 // len(LINE) + 1), done, written)
    process = subprocess.Popen(
        [sys.executable, "-m", "cdpctl", "validate", "--plan", str(PLAN), str(fifo), "-f", "json", "--jobs", jobs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        workers: list[int] = []
        if jobs == "2":
            wait_for(lambda: len(children(process.pid)) >= 1)  # --jobs 2: one worker, and this process
            workers = children(process.pid)
        assert written.wait(60)
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        done.set()
        if process.poll() is None:
            process.kill()
            process.communicate()
        writer.join(10)
    assert process.returncode == status, err
    assert "Traceback" not in err
    document = json.loads(out)
    assert document["summary"]["partial"] is True
    assert document["summary"]["events"] > 0
    assert f"stopped by {signal.Signals(signum).name}" in err
    for pid in workers:
        assert not running(pid), f"worker {pid} still running"


# --- 4. writing -----------------------------------------------------------------------------------------


def limited(size: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="no file size limit on this system")
@pytest.mark.parametrize("target", ["-o", "--split", "--split-spool"])
def test_a_full_disk_is_one_error_line_and_exit_2(tmp_path: Path, target: str) -> None:
    path = tmp_path / "events.ndjson"
    path.write_bytes((LINE + BAD_LINE) * 3000)
    out = tmp_path / ("report.json" if target == "-o" else "split")
    options = [target, str(out)]
    if target == "--split-spool":  # a stream's record over the cap, spooled as it is skipped
        path = tmp_path / "events.ndjson.gz"
        path.write_bytes(gzip.compress(b'{"a":"' + b"x" * 20_000 + b'"}\n' + LINE))
        options = ["--split", str(out), "--max-record-bytes", "1000"]
    result = cdpctl(str(path), "-f", "json", *options, preexec_fn=limited(512))
    no_traceback(result)
    assert result.returncode == 2, result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("cdpctl: error:")]
    assert len(error) == 1 and "cannot write" in error[0] and "too large" in error[0].lower()
    named = {"-o": [out], "--split": [out / "valid.ndjson", out / "invalid.ndjson"], "--split-spool": [out / "malformed.txt"]}
    assert any(f"cannot write '{file}'" in error[0] for file in named[target]), error  # the file, not its descriptor


def test_outputs_never_overwrite_the_plan_an_input_or_each_other(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    shutil.copy(PLAN, plan)
    path = tmp_path / "events.ndjson"
    path.write_bytes(LINE)
    before = plan.read_bytes()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "cdpctl", "validate", "--plan", str(plan), str(path), *args],
            capture_output=True, text=True, env=ENV, timeout=120,
        )
        no_traceback(result)
        assert result.returncode == 2, result
        return result

    assert "is a file of the plan" in run("-o", str(plan)).stderr
    assert "is one of the inputs" in run("-o", str(path)).stderr
    (tmp_path / "split").mkdir()
    os.link(path, tmp_path / "split" / "valid.ndjson")  # the same file under the name --split writes
    assert "is one of the inputs" in run("--split", str(tmp_path / "split")).stderr
    clash = run("-o", str(tmp_path / "out" / "invalid.ndjson"), "--split", str(tmp_path / "out"))
    assert "would both write" in clash.stderr
    assert plan.read_bytes() == before and path.read_bytes() == LINE


# --- 5. records over the cap ------------------------------------------------------------------------------


def test_a_record_over_the_cap_is_one_malformed_record_and_its_neighbours_are_checked(tmp_path: Path) -> None:
    big = b'{"type":"track","event":"' + b"x" * 3_000_000 + b'"}\n'
    data = LINE + big + BAD_LINE + big.rstrip(b"\n")
    plain = tmp_path / "events.ndjson"
    plain.write_bytes(data)
    packed = tmp_path / "events.ndjson.gz"
    packed.write_bytes(gzip.compress(data))
    for args, stdin in (([str(plain)], None), ([str(packed)], None), (["-"], plain), ([str(plain), "-j", "2"], None)):
        result = cdpctl(*args, "-f", "json", "--max-record-bytes", "1000000", stdin=open(stdin, "rb") if stdin else None)  # noqa: SIM115
        assert result.returncode == 1, result.stderr
        document = report(result)
        assert document["summary"]["events"] == 4 and document["summary"]["malformed"] == 2
        groups = {group["code"]: group for group in document["violations"]}
        assert [e["line"] for e in groups["record_too_large"]["examples"]] == [2, 4]
        assert groups["value_not_allowed"]["examples"][0]["line"] == 3
    within = cdpctl(str(plain), "-f", "json")  # the default cap (32 MB) reads them
    assert "record_too_large" not in within.stdout


def test_a_small_cap_applies_inside_a_block_and_split_writes_the_record(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    long_line = json.dumps({**GOOD, "properties": {**GOOD["properties"], "note": "y" * 5000}}).encode() + b"\n"
    path.write_bytes(LINE * 10 + long_line + LINE * 10)
    split = tmp_path / "split"
    result = cdpctl(str(path), "-f", "json", "--max-record-bytes", "4096", "--split", str(split))
    assert result.returncode == 1
    document = report(result)
    assert document["summary"] == {
        "events": 21, "valid": 20, "invalid": 0, "malformed": 1, "warnings": 0, "unreadable": 0, "partial": False
    }
    assert document["violations"][0]["examples"] == [{"file": str(path), "line": 11}]
    assert (split / "valid.ndjson").read_bytes().count(b"\n") == 20
    assert (split / "malformed.txt").read_bytes() == long_line  # counted as malformed, written as read


def test_split_writes_each_record_over_the_cap_whole_among_the_malformed_ones(tmp_path: Path) -> None:
    """``--split``'s promise, every record in exactly one file, holds for records over --max-record-bytes: each
    is written whole to malformed.txt in input order (a file's copied by its byte range, a stream's spooled as
    the reader skips it), read by ranges, gzip or stdin, with --jobs 1 and 2; a document over the cap too."""
    big = json.dumps({**GOOD, "properties": {**GOOD["properties"], "note": "y" * 3000}}).encode()
    batch = json.dumps({"batch": [GOOD] * 20}).encode()  # a batch payload line over the cap: one record
    data = b"".join(
        [LINE, b"broken one\n", big + b"\n", BAD_LINE, b"not json\r\n", batch + b"\n", LINE, big + b"X"]
    )
    malformed = b"broken one\n" + big + b"\n" + b"not json\r\n" + batch + b"\n" + big + b"X\n"
    plain, packed = tmp_path / "events.ndjson", tmp_path / "events.ndjson.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data))
    runs = [([str(plain)], None), ([str(packed)], None), (["-"], plain)]
    for number, ((args, stdin), jobs) in enumerate((run, jobs) for run in runs for jobs in ("1", "2")):
        split = tmp_path / f"split{number}"
        with open(stdin or os.devnull, "rb") as given:
            result = cdpctl(*args, "-f", "json", "--max-record-bytes", "2000", "-j", jobs, "--split", str(split), stdin=given)
        assert result.returncode == 1, result.stderr
        document = report(result)
        assert document["summary"]["events"] == 8 and document["summary"]["malformed"] == 5, (args, jobs)
        groups = {group["code"]: group for group in document["violations"]}
        assert [e["line"] for e in groups["record_too_large"]["examples"]] == [3, 6, 8]
        assert (split / "malformed.txt").read_bytes() == malformed, (args, jobs)
        assert (split / "valid.ndjson").read_bytes() == LINE * 2
        assert len((split / "invalid.ndjson").read_bytes().splitlines()) == 1
        assert sorted(os.listdir(split)) == ["invalid.ndjson", "malformed.txt", "valid.ndjson"]  # no spool left
    for name, value in (("array.json", [GOOD] * 50), ("payload.json", {"batch": [GOOD] * 50})):
        text = json.dumps(value, indent=2).encode() + b"\n\n"
        path = tmp_path / name
        path.write_bytes(text)
        for jobs in ("1", "2"):
            split = tmp_path / f"{name}-{jobs}"
            result = cdpctl(str(path), "-f", "json", "--max-record-bytes", "2000", "-j", jobs, "--split", str(split))
            assert [g["code"] for g in report(result)["violations"]] == ["record_too_large"]
            assert (split / "malformed.txt").read_bytes() == text.rstrip(b"\n") + b"\n"  # as a document is written


def test_a_record_over_the_cap_cut_by_a_read_error_is_no_record(tmp_path: Path) -> None:
    """A line over the cap that a damaged stream cuts short is no record, as any line a read error cuts: not
    counted, not written by --split; the error names it (exit 2)."""
    long_line = b'{"type": "track", "event": "' + os.urandom(40000).hex().encode() + b'"}\n'
    path = tmp_path / "events.ndjson.gz"
    path.write_bytes(gzip.compress(LINE + long_line)[:-1000])
    split = tmp_path / "split"
    result = cdpctl(str(path), "-f", "json", "--max-record-bytes", "1000", "--split", str(split))
    no_traceback(result)
    assert result.returncode == 2
    document = report(result)
    assert document["summary"]["events"] == 1 and document["summary"]["malformed"] == 0
    assert "cut short" in document["input_errors"][0]
    assert (split / "malformed.txt").read_bytes() == b"" and (split / "valid.ndjson").read_bytes() == LINE


def test_a_document_over_the_cap_is_one_record_too_large(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([GOOD] * 2000, indent=2))
    result = cdpctl(str(path), "-f", "json", "--max-record-bytes", "100000")
    assert result.returncode == 1
    document = report(result)
    assert document["summary"]["events"] == 1 and document["violations"][0]["code"] == "record_too_large"


MEASURE = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024))
"""
"""Run by a fresh, small interpreter: a child's peak counts the pages it was forked with (pytest's are many)."""


def peak_memory_of(args: list[str]) -> tuple[int, int]:
    """Exit status and peak resident memory (bytes) of ``cdpctl validate`` with ``args``."""
    command = [sys.executable, "-m", "cdpctl", "validate", "--plan", str(PLAN), "-q", *args]
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True, env=ENV)
    status, peak = out.stdout.split()
    return int(status), int(peak)


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="peak memory read with wait4")
def test_a_gzip_bomb_of_one_long_line_stays_within_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.ndjson.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as handle:
        handle.write(LINE)
        handle.write(b'{"a":"')
        chunk = b"x" * (1 << 20)
        for _ in range(200):  # one line of 200 MB
            handle.write(chunk)
        handle.write(b'"}\n')
        handle.write(LINE)
    _, baseline = peak_memory_of([str(ROOT / "examples" / "events.ndjson")])
    status, peak = peak_memory_of([str(bomb)])
    assert status == 1  # one record_too_large, two valid lines
    # the line is kept up to the cap (32 MB), then only counted: within the cap and a few blocks of 4 MB
    assert peak - baseline < 64 * 1024 * 1024, (peak, baseline)
    status, small = peak_memory_of([str(bomb), "--max-record-bytes", "1048576"])
    assert status == 1 and small - baseline < 16 * 1024 * 1024, (small, baseline)
    split = tmp_path / "split"  # --split writes the line whole, a read at a time: the same memory
    status, spooled = peak_memory_of([str(bomb), "--max-record-bytes", "1048576", "--split", str(split)])
    assert status == 1 and spooled - baseline < 16 * 1024 * 1024, (spooled, baseline)
    assert (split / "malformed.txt").stat().st_size == 6 + 200 * (1 << 20) + 3
    with open(split / "malformed.txt", "rb") as written:
        assert written.read(7) == b'{"a":"x' and written.seek(-4, os.SEEK_END) and written.read() == b'x"}\n'


def test_no_records_is_named_in_every_format(tmp_path: Path) -> None:
    empty = tmp_path / "events.ndjson"
    empty.write_bytes(b"")
    named = "no events read: the input holds no records"
    for fmt in ("text", "markdown", "github"):
        result = cdpctl(str(empty), "-f", fmt)
        assert result.returncode == 2 and named in result.stdout, (fmt, result.stdout)
    junit = cdpctl(str(empty), "-f", "junit")
    assert junit.returncode == 2 and 'failures="1"' in junit.stdout and named in junit.stdout
    sarif = cdpctl(str(empty), "-f", "sarif")
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    assert sarif.returncode == 2 and [r["ruleId"] for r in results] == ["unread_input"]
    assert results[0]["message"]["text"].startswith(named)
    allowed = cdpctl(str(empty), "-f", "junit", "--allow-empty")
    assert allowed.returncode == 0 and 'failures="0"' in allowed.stdout and named not in allowed.stdout


def test_a_file_name_that_is_not_utf8_is_escaped_in_every_report(tmp_path: Path) -> None:
    """A file system allows names that are not UTF-8: reports name such a file with ``\\xNN`` escapes (a
    traceback and an empty report, exit 1, before)."""
    name = os.fsdecode(b"bad\xffname.ndjson")
    (tmp_path / name).write_bytes(LINE + BAD_LINE)
    for fmt in ("json", "text", "sarif", "github", "markdown", "junit"):
        out = tmp_path / f"report.{fmt}"
        result = cdpctl(name, "-f", fmt, "-o", str(out), cwd=tmp_path)
        no_traceback(result)
        assert result.returncode == 1, (fmt, result.stderr)
        assert "xffname.ndjson" in out.read_text(encoding="utf-8"), fmt  # \xff, escaped again in JSON


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    """Overlapping folders, globs and names (``logs ./logs``, ``'logs/*' 'logs/**/*'``) read each file once:
    counting a record twice changes the invalid share the gate judges."""
    (tmp_path / "logs" / "sub").mkdir(parents=True)
    (tmp_path / "logs" / "a.ndjson").write_bytes(LINE + BAD_LINE)
    (tmp_path / "logs" / "sub" / "b.ndjson").write_bytes(LINE)
    for args in (("logs", "./logs"), ("logs/*.ndjson", "logs/**/*.ndjson"), ("logs/a.ndjson", "logs")):
        result = cdpctl(*args, "-f", "json", cwd=tmp_path)
        assert report(result)["summary"]["events"] == 3, args


def test_output_dash_is_standard_output(tmp_path: Path) -> None:
    (tmp_path / "a.ndjson").write_bytes(LINE)
    result = cdpctl("a.ndjson", "-f", "json", "-o", "-", cwd=tmp_path)
    assert result.returncode == 0 and report(result)["summary"]["events"] == 1
    assert not (tmp_path / "-").exists()


@pytest.mark.skipif(not Path("/proc/self/wchan").exists(), reason="sees where a process waits through /proc")
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_a_plan_named_through_a_fifo_with_no_writer(tmp_path: Path, signum: int, status: int) -> None:
    """``--plan <(...)`` whose writer never writes: the open waited for ever and validate's signal handler,
    which only notes a signal, let it go on waiting (only SIGKILL ended it)."""
    fifo = tmp_path / "plan.fifo"
    os.mkfifo(fifo)
    process = subprocess.Popen(
        [sys.executable, "-m", "cdpctl", "--no-cache", "validate", "--plan", str(fifo), str(ROOT / "examples" / "events.ndjson")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )
    try:
        wait_for(lambda: waits_on_a_fifo(process.pid) or process.poll() is not None)
        process.send_signal(signum)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == status, err
    assert err.strip().splitlines() == ["cdpctl: error: interrupted before the run started"]


def waits_on_a_fifo(pid: int) -> bool:
    """Whether the process waits in the kernel for a FIFO's other end (``wait_for_partner``, ``fifo_open``)."""
    where = Path(f"/proc/{pid}/wchan").read_text()
    return any(part in where for part in ("partner", "fifo", "pipe"))
