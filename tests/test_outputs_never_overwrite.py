"""``-o``/``--out`` of coverage, scan, infer and import never write over the plan or a file the run reads.

Each case runs the real command in a real process and checks that the protected
file is byte for byte what it was, with one error line and exit 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PLAN = """\
plan: Guarded
version: 1.0.0
events:
  Order Completed:
    description: The customer paid.
    properties:
      total: {type: number, minimum: 0, required: true}
"""
LINE = json.dumps({"type": "track", "event": "Order Completed", "userId": "u", "properties": {"total": 1}}) + "\n"
ENV = {**os.environ, "GITHUB_ACTIONS": "", "CI": ""}


def cdpctl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdpctl", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )


def refused(result: subprocess.CompletedProcess[str], name: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert f"cdpctl: error: '{name}' is " in result.stderr and "would destroy it" in result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "day.ndjson").write_text(LINE * 3)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text('analytics.track("u", "Order Completed", {"total": 1})\n')
    return tmp_path


@pytest.mark.parametrize(
    ("args", "target"),
    [
        (["plan.yaml", "logs/day.ndjson", "-o", "logs/day.ndjson"], "logs/day.ndjson"),
        (["plan.yaml", "logs", "-o", "logs/day.ndjson"], "logs/day.ndjson"),
        (["plan.yaml", "logs/*.ndjson", "-o", "logs/day.ndjson"], "logs/day.ndjson"),
        (["plan.yaml", "logs", "-o", "plan.yaml"], "plan.yaml"),
        (["--plan", "plan.yaml", "logs", "--output", "PLAN.yaml"], "plan.yaml"),
    ],
)
def test_coverage_output_never_overwrites_the_plan_or_a_log(project: Path, args: list[str], target: str) -> None:
    before = (project / target).read_bytes()
    result = cdpctl("coverage", *args, cwd=project)
    refused(result, args[-1])
    assert (project / target).read_bytes() == before


def test_coverage_output_elsewhere_is_written(project: Path) -> None:
    result = cdpctl("coverage", "plan.yaml", "logs", "-o", "coverage.txt", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Order Completed" in (project / "coverage.txt").read_text()


@pytest.mark.parametrize(
    ("args", "target"),
    [
        (["src", "-o", "src/app.py"], "src/app.py"),
        (["-o", "src/app.py"], "src/app.py"),
        (["src", "--plan", "plan.yaml", "-o", "plan.yaml"], "plan.yaml"),
    ],
)
def test_scan_output_never_overwrites_a_source_file_or_the_plan(project: Path, args: list[str], target: str) -> None:
    before = (project / target).read_bytes()
    result = cdpctl("scan", *args, cwd=project)
    refused(result, args[-1])
    assert (project / target).read_bytes() == before


@pytest.mark.parametrize("logs", ["logs", "logs/*.ndjson", "logs/day.ndjson"])
def test_infer_out_never_overwrites_a_log_read_through_a_folder_or_a_glob(project: Path, logs: str) -> None:
    before = (project / "logs" / "day.ndjson").read_bytes()
    result = cdpctl("infer", logs, "-o", "logs/day.ndjson", cwd=project)
    refused(result, "logs/day.ndjson")
    assert (project / "logs" / "day.ndjson").read_bytes() == before
    written = cdpctl("infer", logs, "-o", "inferred.yaml", cwd=project)
    assert written.returncode == 0, written.stderr and (project / "inferred.yaml").is_file()


def test_import_out_never_overwrites_the_file_it_imports(project: Path) -> None:
    exported = cdpctl("export", "segment", "plan.yaml", "-o", "rules.json", cwd=project)
    assert exported.returncode == 0, exported.stderr
    before = (project / "rules.json").read_bytes()
    for name in ("rules.json", "./rules.json"):
        result = cdpctl("import", "segment", "rules.json", "-o", name, cwd=project)
        refused(result, name)
        assert (project / "rules.json").read_bytes() == before
    imported = cdpctl("import", "segment", "rules.json", "-o", "imported.yaml", cwd=project)
    assert imported.returncode == 0, imported.stderr
    assert "Order Completed" in (project / "imported.yaml").read_text()


def test_import_out_never_overwrites_the_file_standard_input_comes_from(project: Path) -> None:
    """``cdpctl import segment - -o rules.json < rules.json`` replaced the rules with the plan, exit 0."""
    assert cdpctl("export", "segment", "plan.yaml", "-o", "rules.json", cwd=project).returncode == 0
    before = (project / "rules.json").read_bytes()
    for name in ("rules.json", "./RULES.json" if sys.platform in ("darwin", "win32") else "./rules.json"):
        with (project / "rules.json").open("rb") as stdin:
            result = subprocess.run(
                [sys.executable, "-m", "cdpctl", "import", "segment", "-", "-o", name],
                cwd=project, stdin=stdin, capture_output=True, text=True, env=ENV, timeout=120,
            )  # fmt: skip
        refused(result, name)
        assert "standard input" in result.stderr
        assert (project / "rules.json").read_bytes() == before
    with (project / "rules.json").open("rb") as stdin:
        imported = subprocess.run(
            [sys.executable, "-m", "cdpctl", "import", "segment", "-", "-o", "imported.yaml"],
            cwd=project, stdin=stdin, capture_output=True, text=True, env=ENV, timeout=120,
        )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert "Order Completed" in (project / "imported.yaml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "plan.yaml"], "'plan.yaml' is a file of the plan: writing the report (-o) there"),
        (["--capture", "plan.yaml"], "'plan.yaml' is a file of the plan: writing --capture there"),
        (["--capture", "./PLAN.yaml"], "'./PLAN.yaml' is a file of the plan: writing --capture there"),
        (["--capture", "capture.ndjson", "-o", "capture.ndjson"], "--capture and the report (-o) would both write"),
    ],
)
def test_serve_never_writes_over_the_plan_nor_capture_and_report_to_one_file(
    project: Path, args: list[str], message: str
) -> None:
    before = (project / "plan.yaml").read_bytes()
    result = cdpctl("serve", "plan.yaml", "--port", "0", "--no-live", *args, cwd=project)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "listening" not in result.stderr
    assert (project / "plan.yaml").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "given"),
    [
        (["validate", "-", "--plan", "plan.yaml", "--split", "logs"], "logs/valid.ndjson"),
        (["validate", "--plan", "plan.yaml", "-o", "logs/day.ndjson"], "logs/day.ndjson"),
        (["coverage", "--plan", "plan.yaml", "-o", "logs/day.ndjson"], "logs/day.ndjson"),
        (["infer", "-o", "logs/day.ndjson"], "logs/day.ndjson"),
    ],
    ids=["validate-split", "validate-output", "coverage", "infer"],
)
def test_no_output_overwrites_the_file_standard_input_is_redirected_from(project: Path, args: list[str], given: str) -> None:
    log = project / given
    log.write_text(LINE * 3)
    before = log.read_bytes()
    with open(log, "rb") as redirected:  # cdpctl ... < the log
        done = subprocess.run(
            [sys.executable, "-m", "cdpctl", *args], cwd=project, stdin=redirected, capture_output=True, text=True, env=ENV, timeout=120
        )
    assert done.returncode == 2, done.stderr
    assert "is standard input, read by this run" in done.stderr
    assert log.read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "logs/day.ndjson", "--plan", "plan.yaml", "--split", ""],
        ["validate", "logs/day.ndjson", "--plan", "plan.yaml", "-o", ""],
        ["compile", "plan.yaml", "-o", ""],
        ["docs", "plan.yaml", "-o", ""],
        ["serve", "--plan", "plan.yaml", "--port", "0", "--capture", ""],
    ],
    ids=["split", "validate-output", "compile", "docs", "serve-capture"],
)
def test_an_empty_output_path_is_a_usage_error_and_writes_nothing(project: Path, args: list[str]) -> None:
    before = sorted(path.name for path in project.iterdir())
    log = (project / "logs/day.ndjson").read_bytes()
    done = cdpctl(*args, cwd=project)
    assert done.returncode == 2, done.stderr
    assert "an empty path names no file or folder" in done.stderr and "Traceback" not in done.stderr
    assert sorted(path.name for path in project.iterdir()) == before
    assert (project / "logs/day.ndjson").read_bytes() == log


def test_the_split_guard_of_the_library_covers_an_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cdpctl.errors import UsageError
    from cdpctl.validation.streams import Source
    from cdpctl.validation.targets import check_targets

    (tmp_path / "valid.ndjson").write_text(LINE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="one of the inputs"):
        check_targets(None, "", [Source("valid.ndjson")], [])


@pytest.mark.parametrize(
    "args",
    [
        ["lint", "plan.yaml", "-o", "cdpctl.yaml"],
        ["validate", "logs/day.ndjson", "--plan", "plan.yaml", "-o", "cdpctl.yaml"],
        ["coverage", "plan.yaml", "logs/day.ndjson", "-o", "cdpctl.yaml"],
        ["export", "segment", "plan.yaml", "-o", "cdpctl.yaml"],
        ["scan", "src", "-o", "pyproject.toml"],
        ["infer", "logs/day.ndjson", "-o", "pyproject.toml"],
        ["lint", "plan.yaml", "-o", "../pyproject.toml"],
    ],
    ids=["lint", "validate", "coverage", "export", "scan", "infer", "lint-parent-folder"],
)
def test_no_output_overwrites_the_project_configuration(project: Path, args: list[str]) -> None:
    (project / "cdpctl.yaml").write_text("plan: plan.yaml\n")
    (project / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    parent = project / "sub"
    parent.mkdir()
    (parent / "plan.yaml").write_text(PLAN)
    (parent / "logs").mkdir()
    (parent / "logs" / "day.ndjson").write_text(LINE)
    (parent / "src").mkdir()
    where = parent if args[-1].startswith("..") else project
    before = {name: (project / name).read_bytes() for name in ("cdpctl.yaml", "pyproject.toml")}
    done = cdpctl(*args, cwd=where)
    assert done.returncode == 2, done.stderr
    assert "is the project configuration: writing" in done.stderr and "Traceback" not in done.stderr
    assert {name: (project / name).read_bytes() for name in before} == before


def test_split_files_that_are_not_regular_files_are_refused_before_any_is_emptied(project: Path) -> None:
    """A FIFO in the --split folder hung the run beyond SIGINT and SIGTERM (the open waited for a reader); a
    folder named invalid.ndjson failed only after valid.ndjson was emptied; a link to nothing was "a file"."""
    out = project / "out"
    out.mkdir()
    os.mkfifo(out / "valid.ndjson")
    done = cdpctl("validate", "logs/day.ndjson", "--plan", "plan.yaml", "--split", "out", cwd=project)
    assert done.returncode == 2 and "cannot write to 'out/valid.ndjson': not a regular file" in done.stderr
    other = project / "other"
    (other / "invalid.ndjson").mkdir(parents=True)
    (other / "valid.ndjson").write_text("kept\n")
    done = cdpctl("validate", "logs/day.ndjson", "--plan", "plan.yaml", "--split", "other", cwd=project)
    assert done.returncode == 2 and "'other/invalid.ndjson': not a regular file" in done.stderr
    assert (other / "valid.ndjson").read_text() == "kept\n"
    (project / "dangling").symlink_to("nowhere")
    done = cdpctl("validate", "logs/day.ndjson", "--plan", "plan.yaml", "--split", "dangling", cwd=project)
    assert done.returncode == 2 and "'dangling' is a link to nothing, not a folder" in done.stderr


def test_split_never_writes_through_a_link_in_its_folder(project: Path) -> None:
    """A symbolic link in the --split folder was written through: a file outside it was emptied and filled with
    the malformed lines, and a link to nothing made a file outside; a hard link emptied the file it shares.
    Each is refused before any split file is emptied."""
    keep = project / "keep.txt"
    keep.write_text("IMPORTANT\n")
    for name, make in (("malformed.txt", lambda p: p.symlink_to(keep)),
                       ("invalid.ndjson", lambda p: p.symlink_to(project / "created-outside.txt")),
                       ("valid.ndjson", lambda p: os.link(keep, p))):
        out = project / f"split-{name}"
        out.mkdir()
        make(out / name)
        done = cdpctl("validate", "logs/day.ndjson", "--plan", "plan.yaml", "--split", out.name, cwd=project)
        assert done.returncode == 2 and f"cannot write to '{out.name}/{name}'" in done.stderr, done.stderr
        assert "link" in done.stderr.splitlines()[-1]
    assert keep.read_text() == "IMPORTANT\n"
    assert not (project / "created-outside.txt").exists()


def test_compile_and_schema_replace_what_stands_at_their_files(project: Path) -> None:
    """``compile --out`` wrote through a hard link in its folder (a file outside it was overwritten, exit 0)
    and waited for ever on a FIFO; ``schema --out`` too. Each file is now new, renamed into place."""
    outside = project / "outside.txt"
    outside.write_text("secret\n")
    assert cdpctl("compile", "plan.yaml", "--out", "schemas", cwd=project).returncode == 0
    written = sorted((project / "schemas" / "track").glob("*.json"))
    assert written
    written[0].unlink()
    os.link(outside, written[0])
    (project / "schemas" / "index.json").unlink()
    os.mkfifo(project / "schemas" / "index.json")
    done = cdpctl("compile", "plan.yaml", "--out", "schemas", cwd=project)
    assert done.returncode == 0, done.stderr
    assert outside.read_text() == "secret\n" and json.loads(written[0].read_text())["$schema"]
    assert (project / "schemas" / "index.json").is_file()
    os.mkfifo(project / "plan-format.json")
    done = cdpctl("schema", "--out", "plan-format.json", cwd=project)
    assert done.returncode == 0 and json.loads((project / "plan-format.json").read_text())["$schema"]
