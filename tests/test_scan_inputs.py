"""``cdpctl scan``: what it reads and how it reports what it could not: no source at all is a usage error,
files are decoded as Python and JavaScript decode them, each file is scanned once, every format names the
files it skipped."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cdpctl.cli import app

PLAN = "plan: P\nversion: 1.0.0\nevents:\n  Order Completed: {}\n"


def _scan(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(app, ["scan", *args])
    return done.exit_code, done.stdout, done.stderr


def test_no_source_file_at_all_is_a_usage_error_not_an_ok(tmp_path: Path) -> None:
    """``scan EMPTY --plan plan.yaml`` said "OK 0 calls in 0 files" with exit 0."""
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "empty").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.md").write_text("analytics.track('Not Code', {})\n")
    code, out, err = _scan(str(tmp_path / "empty"), str(tmp_path / "docs"), "--plan", str(tmp_path / "plan.yaml"))
    assert code == 2 and out == "", out
    assert err.strip().splitlines() == [
        f"cdpctl: error: no Python, JavaScript or TypeScript source file to scan in '{tmp_path / 'empty'}', '{tmp_path / 'docs'}'"
    ]
    (tmp_path / "empty" / "a.js").write_text("analytics.track('Order Completed', {});\n")
    code, out, _ = _scan(str(tmp_path / "empty"), "--plan", str(tmp_path / "plan.yaml"))
    assert code == 0 and "OK  1 calls in 1 files" in out, out


def test_a_python_coding_cookie_decodes_the_file(tmp_path: Path) -> None:
    """A latin-1 file with its PEP 263 cookie was a parse_error "is not UTF-8"; Python reads it fine."""
    (tmp_path / "latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nimport segment.analytics as analytics\nanalytics.track('u', 'Caf\xe9 Opened', {'x': 1})\n"
    )
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfanalytics.track('u', 'Order Completed', {})\n")
    (tmp_path / "unknown.py").write_bytes(b"# coding: no-such-codec\nx = 1\n")
    (tmp_path / "plain.py").write_bytes(b"x = 1\ny = '\xff'\n")
    code, out, _ = _scan(str(tmp_path), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert [(Path(c["file"]).name, c["event"]) for c in report["calls"]] == [("bom.py", "Order Completed"), ("latin.py", "Café Opened")]
    assert {Path(f["file"]).name: f["message"] for f in report["findings"]} == {
        "unknown.py": "cannot be decoded: unknown encoding: no-such-codec",
        "plain.py": "is not UTF-8: invalid start byte",
    }


def test_a_file_reached_twice_is_scanned_once(tmp_path: Path) -> None:
    """A link to a file in the same folder, or a file named as well as its folder, counted its calls twice."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.js").write_text("analytics.track('Order Completed', {});\n")
    (tmp_path / "src" / "alias.js").symlink_to("app.js")
    code, out, _ = _scan(str(tmp_path / "src"), str(tmp_path / "src" / "app.js"), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["summary"]["files"] == 1
    assert [Path(c["file"]).name for c in report["calls"]] == ["alias.js"]  # the first name it was reached by


def test_a_folder_of_bundles_only_is_no_source_to_scan(tmp_path: Path) -> None:
    (tmp_path / "dist2").mkdir()
    (tmp_path / "dist2" / "bundle.js").write_text("x" * (2 * 1024 * 1024 + 1))
    code, _, err = _scan(str(tmp_path / "dist2"))
    assert code == 2 and "no Python, JavaScript or TypeScript source file to scan in" in err
    assert "(1 skipped: larger than 2 MB)" in err


def test_columns_count_characters_and_a_bom_is_no_character(tmp_path: Path) -> None:
    """tree-sitter and ``ast`` count bytes: a BOM put every call of the first line 3 columns right, and each
    character that is not ASCII before a call 1 to 3 more."""
    (tmp_path / "bom.js").write_bytes(b"\xef\xbb\xbfanalytics.track('Order Completed', {});\n")
    (tmp_path / "wide.ts").write_text("const café = '€'; analytics.track('Order Completed', {});\nconst ü = (;\n")
    (tmp_path / "wide.py").write_text("café = '€'; analytics.track('u', 'Order Completed', {})\n")
    code, out, _ = _scan(str(tmp_path), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert [(Path(c["file"]).name, c["line"], c["column"]) for c in report["calls"]] == [
        ("bom.js", 1, 1), ("wide.py", 1, 13), ("wide.ts", 1, 19)
    ]
    assert [(f["line"], f["column"]) for f in report["findings"]] == [(2, 9)]  # the syntax error at "=": byte 10


def test_lines_end_at_a_lone_cr_in_javascript_as_in_python(tmp_path: Path) -> None:
    """tree-sitter's rows count LF only: a file with CR line endings put every JavaScript call on line 1
    (columns 1, 34, 67...), while Python's were right; CRLF and LF files are unchanged."""
    calls = b'analytics.track("A One", {});\ranalytics.track("B Two", {});\r  analytics.track("C Three", {});\r'
    (tmp_path / "cr.js").write_bytes(calls)
    (tmp_path / "crlf.ts").write_bytes(calls.replace(b"\r", b"\r\n"))
    (tmp_path / "mixed.js").write_bytes(b'analytics.track("A", {});\r\n\ranalytics.track("B", {});\n\n  x; analytics.track("C", {});')
    (tmp_path / "cr.py").write_bytes(b'import analytics\ranalytics.track("u", "A One", {})\r')
    code, out, _ = _scan(str(tmp_path), "--format", "json")
    places = [(Path(c["file"]).name, c["line"], c["column"]) for c in json.loads(out)["calls"]]
    assert places == [
        ("cr.js", 1, 1), ("cr.js", 2, 1), ("cr.js", 3, 3), ("cr.py", 2, 1),
        ("crlf.ts", 1, 1), ("crlf.ts", 2, 1), ("crlf.ts", 3, 3),
        ("mixed.js", 1, 1), ("mixed.js", 3, 1), ("mixed.js", 5, 6),
    ], code


def test_a_file_skipped_for_its_size_is_named_in_every_format(tmp_path: Path) -> None:
    """Only text and JSON named it: a pull request's comment, annotations and code scanning said nothing."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.js").write_text("analytics.track('Order Completed', {});\n")
    (tmp_path / "src" / "bundle.js").write_text("x" * (2 * 1024 * 1024 + 1))
    bundle = str(tmp_path / "src" / "bundle.js")
    seen = {}
    for fmt in ("text", "json", "markdown", "github", "sarif"):
        code, out, _ = _scan(str(tmp_path / "src"), "--format", fmt)
        assert code == 0, (fmt, out)
        seen[fmt] = out
    assert f"skipped: {bundle}: larger than 2 MB" in seen["text"]
    assert json.loads(seen["json"])["summary"]["skipped"] == [f"{bundle}: larger than 2 MB"]
    assert f"Not scanned: {bundle}: larger than 2 MB." in seen["markdown"]
    assert seen["github"].startswith(f"::notice file={bundle},title=cdpctl scan%3A file skipped::not scanned: larger than 2 MB")
    sarif = json.loads(seen["sarif"])["runs"][0]
    assert [(r["ruleId"], r["level"], r["message"]["text"]) for r in sarif["results"]] == [
        ("skipped_file", "note", "not scanned: larger than 2 MB")
    ]
    assert sarif["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("src/bundle.js")
