"""Outputs that are no plain file: a device named by ``-o`` is written into (it was replaced by a regular file,
exit 0: ``infer -o /dev/full`` replaced the system's ``/dev/full``), a link through ``/proc`` or ``/dev``
(``-o /dev/stdout``) is written through, and a closed standard output is one error line and exit 2 (it was a
traceback, or nothing written and exit 0)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOG = str(ROOT / "examples" / "events.ndjson")
PLAN = str(ROOT / "plans" / "acme-shop.yaml")


def cdpctl(*args: str, cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cdpctl", *args], cwd=cwd, env=env, capture_output=True,
                          check=False, timeout=120, **kwargs)  # type: ignore[call-overload, no-any-return]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making device nodes needs root")
@pytest.mark.parametrize("args", [
    ("infer", LOG, "-o", "{out}"),
    ("schema", "--out", "{out}"),
    ("generate", "python", PLAN, "--out", "{out}.py"),
])
def test_a_device_is_written_into_never_replaced(tmp_path: Path, args: tuple[str, ...]) -> None:
    for name, minor, expected in (("full", 7, 2), ("null", 3, 0)):
        node = tmp_path / name
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        if args[0] == "generate":
            os.mknod(tmp_path / f"{name}.py", 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        target = [arg.format(out=node) for arg in args]
        ran = cdpctl(*target, cwd=tmp_path)
        assert ran.returncode == expected, ran.stderr
        written = Path(target[-1])
        assert stat.S_ISCHR(os.lstat(written).st_mode), f"{written} was replaced"
        if expected == 2:
            assert b"No space left on device" in ran.stderr and b"Traceback" not in ran.stderr


def test_a_link_through_proc_is_written_through(tmp_path: Path) -> None:
    link = tmp_path / "out"
    link.symlink_to("/proc/self/fd/1")
    ran = cdpctl("infer", LOG, "-o", "out", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith(b"# Inferred by cdpctl infer")
    assert link.is_symlink()
    ran = cdpctl("schema", "--out", "/dev/stdout", cwd=tmp_path)
    assert ran.returncode == 0 and b'"$schema"' in ran.stdout


@pytest.mark.parametrize("args", [("version",), ("--version",), ("validate", "--plan", PLAN, LOG), ("validate", "--plan", PLAN, LOG, "-f", "json"),
                                  ("lint", PLAN), ("schema",), ("compile", PLAN)])
def test_a_closed_stdout_is_one_error_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    ran = cdpctl(*args, cwd=tmp_path, stdout=None, preexec_fn=lambda: os.close(1))
    assert ran.returncode == 2
    lines = ran.stderr.decode().strip().splitlines()
    assert "standard output is closed" in lines[-1] and lines[-1].startswith("cdpctl: error:")
    assert "Traceback" not in ran.stderr.decode()


def test_a_report_to_a_file_needs_no_stdout(tmp_path: Path) -> None:
    ran = cdpctl("validate", "--plan", PLAN, LOG, "-f", "json", "-o", "report.json", cwd=tmp_path, stdout=None, preexec_fn=lambda: os.close(1))
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "report.json").stat().st_size > 0


def test_a_link_out_through_proc_or_to_a_device_is_replaced(tmp_path: Path) -> None:
    """Only this process's own standard streams (and a pipe it was handed) are written through: a link through
    /proc/self/root reaches any file (a checked-out repository could plant one where an output goes), and a
    link to a device could be committed too. Each is replaced, as every link was."""
    victim = tmp_path / "victim.txt"
    victim.write_text("ORIG\n")
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "tracking.py").symlink_to(f"/proc/self/root{victim}")
    (tmp_path / "gen" / "null.yaml").symlink_to("/dev/null")
    assert cdpctl("generate", "python", PLAN, "--out", "gen/tracking.py", cwd=tmp_path).returncode == 0
    assert cdpctl("infer", LOG, "-o", "gen/null.yaml", cwd=tmp_path).returncode == 0
    assert victim.read_text() == "ORIG\n"
    for name in ("tracking.py", "null.yaml"):
        written = tmp_path / "gen" / name
        assert not written.is_symlink() and written.stat().st_size > 0


def test_a_regular_file_under_dev_is_replaced_not_appended_to(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        pytest.skip("no writable /dev/shm")
    target = shm / f"cdpctl-test-{os.getpid()}.yaml"
    try:
        for _ in range(2):
            assert cdpctl("infer", LOG, "-o", str(target), cwd=tmp_path).returncode == 0
        assert target.read_text().count("\nplan:") + target.read_text().startswith("plan:") <= 1
    finally:
        target.unlink(missing_ok=True)
