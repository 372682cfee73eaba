"""``cdpctl init`` ignores what the project's configuration has cdpctl write: the generated client
(``generate.python_out``) and the serve capture (``serve.capture``), once, beside the usual entries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cdpctl.interop.scaffold import GITIGNORE_ENTRIES, configured_ignores

ROOT = Path(__file__).resolve().parents[1]


def run_init(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITHUB_ACTIONS": "", "CI": ""}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return subprocess.run(
        [sys.executable, "-m", "cdpctl", "init", "--yes", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_configured_client_and_capture_are_ignored_once(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "shop"\n\n[tool.cdpctl.generate]\npython_out = "app/tracking.py"\n\n'
        '[tool.cdpctl.serve]\ncapture = "out/session.ndjson"\n',
        encoding="utf-8",
    )
    (tmp_path / ".gitignore").write_text("node_modules/\n", encoding="utf-8")
    done = run_init(tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / ".gitignore").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "node_modules/"
    assert [line for line in lines if line.startswith("/")] == [*GITIGNORE_ENTRIES, "/app/tracking.py", "/out/session.ndjson"]
    again = run_init(tmp_path, "--force")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == text  # appended once


def test_a_package_folder_is_ignored_as_a_folder_and_outside_paths_are_not(tmp_path: Path) -> None:
    (tmp_path / "cdpctl.yaml").write_text("generate:\n  python_out: app/tracking\nserve:\n  capture: ../elsewhere.ndjson\n")
    assert configured_ignores(tmp_path) == ("/app/tracking/",)
    (tmp_path / "cdpctl.yaml").write_text("plan: plans/x.yaml\n")
    assert configured_ignores(tmp_path) == ()
    (tmp_path / "cdpctl.yaml").write_text("generate: [not, a, table\n")  # unreadable: nothing to add, no failure
    assert configured_ignores(tmp_path) == ()


def test_without_configuration_only_the_usual_entries(tmp_path: Path) -> None:
    assert run_init(tmp_path).returncode == 0
    lines = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert lines[1:] == list(GITIGNORE_ENTRIES)


def test_a_question_without_an_answer_is_exit_two_and_ctrl_c_is_130(tmp_path: Path) -> None:
    """``init`` asks questions: with standard input closed it cannot do its job (2, not 1: that is "violations");
    Ctrl-C at a question is 130, as for every command."""
    import contextlib
    import pty
    import select
    import signal
    import time

    env = {**os.environ, "GITHUB_ACTIONS": "", "CI": ""}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    closed = subprocess.run([sys.executable, "-m", "cdpctl", "init"], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    assert closed.returncode == 2 and "pass the options, or --yes" in closed.stderr and "Traceback" not in closed.stderr
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "cdpctl", "init"], cwd=tmp_path, env=env, stdin=child, stdout=child,
                               stderr=child, start_new_session=True)
    os.close(child)
    shown = b""
    deadline = time.monotonic() + 60
    while b"Product name" not in shown and time.monotonic() < deadline:
        if select.select([main], [], [], 1)[0]:
            try:
                shown += os.read(main, 4096)
            except OSError:
                break
    assert b"Product name" in shown
    time.sleep(0.5)  # the question is waiting for its answer
    os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:  # keep reading: a full terminal blocks its writer
        if select.select([main], [], [], 0.2)[0]:
            with contextlib.suppress(OSError):
                shown += os.read(main, 4096)
    os.close(main)
    if process.poll() is None:
        process.kill()
    assert process.wait(timeout=60) == 130, shown.decode(errors="replace")
    assert b"Traceback" not in shown
    assert not any(tmp_path.iterdir())  # nothing written


def test_init_never_writes_through_a_symbolic_link(tmp_path: Path) -> None:
    """A link to nothing yet where the plan goes (``plans/tracking-plan.yaml``) was no existing file, and the
    write followed it outside the project without --force; a linked folder took every file there."""
    outside = tmp_path / "outside"
    project = tmp_path / "proj"
    (project / "plans").mkdir(parents=True)
    (project / "plans" / "tracking-plan.yaml").symlink_to(outside / "target.yaml")
    for extra in ((), ("--force",)):
        done = run_init(project, *extra)
        assert done.returncode == 2 and "is a symbolic link; init writes only inside the project" in done.stderr
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "plans").symlink_to(outside, target_is_directory=True)
    outside.mkdir()
    assert run_init(linked).returncode == 2
    assert list(outside.iterdir()) == []
    kept = tmp_path / "kept"  # a link that stays inside the project is written through (appended to)
    (kept / "conf").mkdir(parents=True)
    (kept / "conf" / "gitignore").write_text("node_modules/\n")
    (kept / ".gitignore").symlink_to(Path("conf") / "gitignore")
    assert run_init(kept, "--force").returncode == 0
    assert (kept / "conf" / "gitignore").read_text().startswith("node_modules/\n") and (kept / ".gitignore").is_symlink()
