"""Trust in how ``cdpctl validate`` lists its inputs: folders, links, globs, unreadable or empty places.

Real folders, links and permissions, and the real command in a real process: whatever a folder or a glob
holds is read, or named as not read (exit 2), never skipped in silence.
"""

from __future__ import annotations

import bz2
import json
import lzma
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cdpctl.validation.globs import expand_glob
from cdpctl.validation.paths import SEARCHED, data_files, expand_paths

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
EXAMPLES = ROOT / "examples"
ENV = {**os.environ, "GITHUB_ACTIONS": "", "CI": ""}


def cdpctl(*args: str, cwd: Path | None = None, unprivileged: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cdpctl", "validate", "--plan", str(PLAN), *args]
    if unprivileged and os.geteuid() == 0:  # root reads every folder whatever its mode: not without these
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: every folder can be read")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=60, cwd=cwd)


def summary(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(result.stdout)["summary"]
    return found


def test_a_link_to_a_folder_inside_a_folder_is_followed_and_a_loop_ends(tmp_path: Path) -> None:
    """``Path.rglob`` of Python 3.10 and 3.11 did not follow links to folders: the violations behind
    ``day/latest -> ../other`` were left out and the run said OK.  Links are followed now, each folder
    read once, and links back up the tree (``up -> ..``, ``self -> .``) end."""
    (tmp_path / "day").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "day" / "a.ndjson").write_bytes((EXAMPLES / "events.ndjson").read_bytes())
    (tmp_path / "other" / "b.ndjson").write_bytes((EXAMPLES / "events-with-violations.ndjson").read_bytes())
    (tmp_path / "day" / "latest").symlink_to("../other")
    (tmp_path / "day" / "up").symlink_to("..")
    (tmp_path / "other" / "self").symlink_to(".")
    result = cdpctl("day", "-f", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert summary(result)["events"] == 46 + 23 and summary(result)["invalid"] == 9
    listed = data_files(str(tmp_path / "day"))
    assert len(listed) == 2 and listed[0].path.endswith("a.ndjson")
    assert summary(cdpctl("day", "other", "-f", "json", cwd=tmp_path))["events"] == 69  # read once


@pytest.mark.parametrize("given", ["day", "day/**/*.ndjson", "day/*/*.ndjson"])
def test_a_folder_that_cannot_be_read_is_an_input_error(tmp_path: Path, given: str) -> None:
    """A subfolder without permission was skipped in silence, by a folder argument and by a glob: the
    run said OK about the other files.  It is an input not read (exit 2), named in the report; the
    other files are still read and checked."""
    (tmp_path / "day" / "secret").mkdir(parents=True)
    (tmp_path / "day" / "a.ndjson").write_bytes((EXAMPLES / "events.ndjson").read_bytes())
    (tmp_path / "day" / "secret" / "b.ndjson").write_bytes((EXAMPLES / "events-with-violations.ndjson").read_bytes())
    (tmp_path / "day" / "secret").chmod(0)
    try:
        result = cdpctl(given, "-f", "json", cwd=tmp_path, unprivileged=True)
    finally:
        (tmp_path / "day" / "secret").chmod(0o700)
    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    assert document["input_errors"] == ["cannot read 'day/secret': permission denied"]
    assert document["summary"]["unreadable"] == 1
    assert document["summary"]["events"] == (0 if given == "day/*/*.ndjson" else 46)
    assert "cdpctl: error: cannot read 'day/secret': permission denied" in result.stderr


def test_listing_names_every_folder_it_cannot_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same, in the library, whoever runs it: a folder whose listing fails is a source with a problem."""
    (tmp_path / "day" / "secret").mkdir(parents=True)
    (tmp_path / "day" / "a.ndjson").write_bytes(b"{}\n")
    secret = str(tmp_path / "day" / "secret")
    scandir = os.scandir

    def refusing(path: Any = ".") -> Any:
        if str(path) == secret:
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    listed = expand_paths([str(tmp_path / "day")])
    assert [(s.path, s.problem) for s in listed] == [
        (str(tmp_path / "day" / "a.ndjson"), None),
        (secret, f"cannot read '{secret}': permission denied"),
    ]
    assert expand_glob(str(tmp_path / "day" / "**" / "*.ndjson"))[1] == [(secret, "permission denied")]
    globbed = expand_paths([str(tmp_path / "day" / "*" / "*.ndjson")])
    assert [(s.path, s.problem) for s in globbed] == [(secret, f"cannot read '{secret}': permission denied")]


@pytest.mark.parametrize(
    "pattern",
    ["*", "**", "**/*.ndjson", "*/*.json", "a/**/*", "**/a/*", "a/*/c.log", ".*", "**/.*", "*/../*", "[ab]/*",
     "./**/*.log", "a/b/**/x.json", "**/", "a/**/"],
)
def test_globs_match_what_python_glob_matches(tmp_path: Path, pattern: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """cdpctl expands globs itself (to name what it cannot list): the names matched are glob's."""
    import glob

    for name in ("a/b/x.json", "a/b/c/ab.ndjson", "a/.h/c.log", "a/c.log", "b/x.json", ".y.ndjson", "ab.ndjson"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    expected = {m.rstrip("/") for m in glob.glob(pattern, recursive=True)}
    matched, problems = expand_glob(pattern)
    assert set(matched) == expected and problems == []
    (tmp_path / "a" / "b" / "up").symlink_to("..")  # a loop: glob walks it 40 links deep, cdpctl once
    (tmp_path / "a" / "b" / "self").symlink_to(".")
    looped, _ = expand_glob(pattern)
    assert {os.path.realpath(m) for m in looped} >= {os.path.realpath(m) for m in matched}
    assert len(looped) < 4 * len(matched) + 4


def test_an_empty_folder_and_a_compression_not_read_are_input_errors(tmp_path: Path) -> None:
    """A folder argument without a data file was ignored when other inputs had records, and files in a
    folder compressed with bzip2, xz... were skipped: the run said OK.  Each is an input not read (exit 2),
    named; named on the command line, such a file is one error saying so (it was read as lines that are
    not UTF-8).  ``--allow-empty`` accepts an empty folder."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a data file")
    (tmp_path / "good.ndjson").write_bytes((EXAMPLES / "events.ndjson").read_bytes())
    result = cdpctl("good.ndjson", "empty", "-f", "json", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    assert document["summary"]["events"] == 46
    assert document["input_errors"] == [f"no data file in 'empty' (a folder is searched for {SEARCHED})"]
    assert cdpctl("good.ndjson", "empty", "--allow-empty", cwd=tmp_path).returncode == 0

    day = tmp_path / "day"
    day.mkdir()
    data = (EXAMPLES / "events.ndjson").read_bytes()
    (day / "a.ndjson").write_bytes(data)
    (day / "b.ndjson.bz2").write_bytes(bz2.compress(data))
    (day / "c.jsonl.xz").write_bytes(lzma.compress(data))
    (day / "d.json.br").write_bytes(b"\x8b\x03\x80not really brotli\x03")
    (day / "photo.jpg.xz").write_bytes(b"not data: not named like data, not read, not named")
    result = cdpctl("day", "-f", "json", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    assert document["summary"]["events"] == 46
    assert document["input_errors"] == [
        f"cannot read 'day/{name}': its name says {kind} compression, which cdpctl does not read (it reads gzip"
        " and zstd): decompress it first"
        for name, kind in (("b.ndjson.bz2", "bzip2"), ("c.jsonl.xz", "xz"), ("d.json.br", "brotli"))
    ]
    (tmp_path / "mislabelled.ndjson").write_bytes(bz2.compress(data))
    for named, how in (("day/b.ndjson.bz2", "bzip2-compressed"), ("mislabelled.ndjson", "bzip2-compressed"),
                       ("day/c.jsonl.xz", "xz-compressed"), ("day/d.json.br", "name says brotli compression")):
        result = cdpctl(named, "-f", "json", cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        document = json.loads(result.stdout)
        assert document["summary"]["malformed"] == 0 and len(document["input_errors"]) == 1
        assert how in document["input_errors"][0] and "decompress it first" in document["input_errors"][0]


def test_a_path_that_cannot_be_looked_at_is_named_as_not_read(tmp_path: Path) -> None:
    """A path in a folder that cannot be searched, or a name too long, raised out of the listing and was
    reported as `cannot write the output`.  It is `cannot read '<path>': <reason>`, exit 2, one line."""
    long_name = "x" * 5000 + ".ndjson"
    result = cdpctl(long_name, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("cdpctl: error: cannot read 'xxx") and "file name too long" in result.stderr
    assert len(result.stderr.splitlines()[0]) < 400

    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "a.ndjson").write_bytes(b"{}\n")
    (tmp_path / "secret").chmod(0)
    try:
        result = cdpctl("secret/a.ndjson", cwd=tmp_path, unprivileged=True)
    finally:
        (tmp_path / "secret").chmod(0o700)
    assert result.returncode == 2, result.stderr
    assert result.stderr == "cdpctl: error: cannot read 'secret/a.ndjson': permission denied\n"
