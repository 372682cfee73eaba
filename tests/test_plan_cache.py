"""The plan cache: answers only for unchanged files and settings, never trusts an entry, never fails a run."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdpctl import plan_cache
from cdpctl.cli import app
from cdpctl.loader import load_plan
from cdpctl.plan_files import PlanFilePolicy

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

MAIN = """plan: Shop
version: 1.0.0
include: [shared.yaml]
events:
  Order Completed:
    properties:
      total: {type: number}
      currency: {required: true}
"""
SHARED = """properties:
  currency: {type: string, enum: [USD, EUR]}
"""


@pytest.fixture
def cache(plan_cache_dir: Path) -> Path:
    return plan_cache_dir


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    (tmp_path / "shared.yaml").write_text(SHARED)
    main = tmp_path / "plan.yaml"
    main.write_text(MAIN)
    return main


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.plan"))


def currency_enum(path: Path, **options: object) -> list[str]:
    prop = load_plan(str(path), **options).events["Order Completed"].fields["currency"]  # type: ignore[arg-type]
    return list(prop.constraints["enum"])


def test_a_second_load_comes_from_the_cache_and_equals_the_first(cache: Path, plan: Path) -> None:
    first = load_plan(str(plan))
    assert len(entries(cache)) == 1 and (cache / "key").stat().st_mode & 0o077 == 0
    second = load_plan(str(plan))
    assert second is not first and pickle.dumps(second) == pickle.dumps(first)


def test_a_changed_include_is_read_again(cache: Path, plan: Path) -> None:
    assert currency_enum(plan) == ["USD", "EUR"]
    (plan.parent / "shared.yaml").write_text(SHARED.replace("EUR", "GBP"))
    assert currency_enum(plan) == ["USD", "GBP"]


def test_other_settings_and_another_version_make_other_entries(
    cache: Path, plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_plan(str(plan))
    load_plan(str(plan), check_patterns=False)
    load_plan(str(plan), policy=PlanFilePolicy(max_bytes=1 << 20))
    assert len(entries(cache)) == 3
    monkeypatch.setattr(plan_cache, "__version__", "99.0.0")
    load_plan(str(plan))
    assert len(entries(cache)) == 4


def test_corrupt_and_foreign_entries_are_ignored_and_rebuilt(cache: Path, plan: Path) -> None:
    load_plan(str(plan))
    (entry,) = entries(cache)
    entry.write_bytes(entry.read_bytes()[:-7])  # truncated
    assert currency_enum(plan) == ["USD", "EUR"]
    payload = pickle.dumps(([], "not a plan"))
    entry.write_bytes(plan_cache.MAGIC + b"\0" * 32 + payload)  # not signed with the folder's key
    assert currency_enum(plan) == ["USD", "EUR"]
    assert entry.read_bytes().startswith(plan_cache.MAGIC) and payload not in entry.read_bytes()  # rebuilt


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_cache_folder_only_means_no_cache(cache: Path, plan: Path) -> None:
    cache.mkdir()
    cache.chmod(0o500)
    try:
        assert currency_enum(plan) == ["USD", "EUR"]
        assert entries(cache) == []
    finally:
        cache.chmod(0o700)


def test_an_unusable_cache_folder_only_means_no_cache(tmp_path: Path, plan: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CDPCTL_CACHE_DIR", str(blocker / "cache"))
    assert currency_enum(plan) == ["USD", "EUR"]


def test_no_cache_reads_and_writes_nothing(cache: Path, plan: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDPCTL_NO_CACHE", "1")  # what --no-cache sets
    load_plan(str(plan))
    assert not cache.exists()
    monkeypatch.delenv("CDPCTL_NO_CACHE")
    done = runner.invoke(app, ["--no-cache", "lint", str(plan)])
    assert done.exit_code in (0, 1), done.output
    assert not cache.exists() and os.environ.get("CDPCTL_NO_CACHE") == "1"


@pytest.mark.parametrize(
    "args",
    [["lint", "--no-cache", "PLAN"], ["lint", "PLAN", "--no-cache"], ["validate", "--no-cache", "-", "--plan", "PLAN"],
     ["generate", "python", "PLAN", "--no-cache", "--out", "OUT"], ["export", "segment", "PLAN", "--no-cache"]],
    ids=lambda args: " ".join(args[:2]),
)  # fmt: skip
def test_no_cache_after_the_command_name_too(cache: Path, plan: Path, tmp_path: Path, args: list[str]) -> None:
    """``cdpctl lint --no-cache PLAN`` was an unknown option (only ``cdpctl --no-cache lint`` was taken)."""
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", *[str(plan) if a == "PLAN" else str(tmp_path / "out.py") if a == "OUT" else a for a in args]],
        input="", capture_output=True, text=True, timeout=120,
        env={**os.environ, "CDPCTL_CACHE_DIR": str(cache), "CDPCTL_NO_CACHE": ""},
    )  # fmt: skip
    assert done.returncode in (0, 1, 2) and "unknown option" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not cache.exists()
    control = subprocess.run(
        [sys.executable, "-m", "cdpctl", "lint", str(plan)], capture_output=True, text=True, timeout=120,
        env={**os.environ, "CDPCTL_CACHE_DIR": str(cache), "CDPCTL_NO_CACHE": ""},
    )  # fmt: skip
    assert control.returncode in (0, 1) and cache.exists()  # the same run without the option writes it


def test_lint_and_diff_print_the_same_cold_and_warm(cache: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    shutil.copy(ROOT / "plans" / "acme-shop.yaml", old)
    new = tmp_path / "new.yaml"
    new.write_text(old.read_text().replace("Order Completed", "Order Finished"))
    outputs = []
    for _ in range(2):
        lint = runner.invoke(app, ["lint", str(new), "--format", "json"])
        diff = runner.invoke(app, ["diff", str(old), str(new), "--format", "json"])
        outputs.append((lint.exit_code, lint.stdout, diff.exit_code, diff.stdout))
    assert len(entries(cache)) == 3  # lint loads with check_patterns off: an entry of its own
    assert outputs[0] == outputs[1]


def test_a_use_marks_the_entry_as_new_at_most_once_an_hour(cache: Path, plan: Path) -> None:
    load_plan(str(plan))
    (entry,) = entries(cache)
    now = entry.stat().st_mtime
    for age, marked in ((600, False), (2 * plan_cache.TOUCH_AFTER, True)):
        os.utime(entry, (now - age, now - age))
        assert currency_enum(plan) == ["USD", "EUR"]
        assert (entry.stat().st_mtime > now - 60) is marked  # kept among the newest when older than the hour


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_cached_plan_is_used_only_when_the_loader_would_read_its_files_now(cache: Path, plan: Path, tmp_path: Path) -> None:
    from cdpctl.errors import PlanLoadError

    assert currency_enum(plan) == ["USD", "EUR"]  # cached
    shared = plan.parent / "shared.yaml"
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text(SHARED)  # the same bytes, out of the plan's folder tree
    shared.unlink()
    shared.symlink_to(outside)
    with pytest.raises(PlanLoadError, match="leads \\(through a symbolic link\\) out of"):
        load_plan(str(plan))  # cached, it gave a verdict where a fresh load refuses the include
    shared.unlink()
    os.mkfifo(shared)  # read, it would wait for ever (and no signal stopped the wait)
    with pytest.raises(PlanLoadError, match="is a FIFO, not a regular file"):
        load_plan(str(plan))
    outside.unlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="needs FIFOs and /dev/zero")
def test_a_fifo_or_a_device_in_the_cache_folder_only_means_no_cache(cache: Path, plan: Path) -> None:
    assert currency_enum(plan) == ["USD", "EUR"]
    for file in [cache / "key", *entries(cache)]:
        file.unlink()
        os.mkfifo(file)
    assert currency_enum(plan) == ["USD", "EUR"]  # it waited for ever on the FIFO
    for file in [cache / "key", *entries(cache)]:
        file.unlink()
        file.symlink_to("/dev/zero")
    assert currency_enum(plan) == ["USD", "EUR"]  # it read without end, then a MemoryError


def test_a_folder_others_may_write_is_never_read(cache: Path, plan: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoever can write the cache folder could put a key and an entry signed with it there, which the cache
    would unpickle (code run in this process) or answer with a plan the files do not say: a folder or key
    others may write is not used at all, and the folder is created readable by its owner only."""
    load_plan(str(plan))
    assert (cache.stat().st_mode & 0o777) == 0o700 and len(entries(cache)) == 1
    read: list[Path] = []
    original = plan_cache._read_entry
    monkeypatch.setattr(plan_cache, "_read_entry", lambda file, *rest: read.append(file) or original(file, *rest))
    cache.chmod(0o777)  # a shared folder: another user may have planted what is in it
    try:
        assert currency_enum(plan) == ["USD", "EUR"] and read == []
        cache.chmod(0o700)
        (cache / "key").chmod(0o666)  # a key others may have written
        assert currency_enum(plan) == ["USD", "EUR"] and read == []
        (cache / "key").chmod(0o600)
        assert currency_enum(plan) == ["USD", "EUR"] and len(read) == 1  # its own again: used
    finally:
        cache.chmod(0o700)


def test_a_key_left_empty_is_replaced_and_the_cache_works_again(cache: Path, plan: Path) -> None:
    """A key file left empty (a full disk when it was first written) turned the cache off for good."""
    cache.mkdir(mode=0o700)
    (cache / "key").write_bytes(b"")
    (cache / "key").chmod(0o600)
    load_plan(str(plan))
    assert len((cache / "key").read_bytes()) == 32 and len(entries(cache)) == 1
    assert not list(cache.glob(".key-*"))  # no temporary file left
