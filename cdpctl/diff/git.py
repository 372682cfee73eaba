"""Plans read from git revisions: ``main:plans/shop.yaml``, ``HEAD~1:plans/shop.yaml``.

Files are read with ``git cat-file blob REV:PATH`` (a subprocess without a shell).  As
in git itself, ``PATH`` is relative to the repository root, unless it starts
with ``./`` or ``../`` (relative to the working directory).  A plan's
``include:`` files are read from the same revision.
"""

from __future__ import annotations

import errno
import os
import posixpath
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cdpctl.errors import CdpctlError, PlanIssue, PlanLoadError, Pos
from cdpctl.loader import Reader, decode_plan_bytes, load_plan
from cdpctl.model import Plan
from cdpctl.plan_files import PlanFileTooLarge, default_policy

GIT_TIMEOUT = 60.0


class GitError(CdpctlError):
    """A git revision or file cannot be read (exit status 2)."""


@dataclass(frozen=True)
class PlanRef:
    """One side of a comparison: a file of the working tree, or a file at a git revision."""

    path: str
    rev: str | None = None

    @property
    def label(self) -> str:
        return self.path if self.rev is None else f"{self.rev}:{self.path}"


def parse_ref(arg: str) -> PlanRef:
    """``REV:PATH`` is a git revision and path unless a file named ``arg`` exists."""
    if os.path.exists(arg) or ":" not in arg:
        return PlanRef(arg)
    rev, _, path = arg.partition(":")
    if not rev or not path:
        return PlanRef(arg)
    return PlanRef(path, rev)


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT, check=False, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH; it is needed to read plans from a revision") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {' '.join(args)} did not answer within {GIT_TIMEOUT:.0f} seconds") from exc


def repo_root(cwd: Path) -> Path:
    result = _git(["rev-parse", "--show-toplevel"], cwd)
    if result.returncode != 0:
        raise GitError(f"'{cwd}' is not inside a git repository, so a revision cannot be read")
    return Path(result.stdout.decode("utf-8", "replace").strip())


def verify_revision(rev: str, cwd: Path) -> None:
    """Raise :class:`GitError` unless ``rev`` names a commit."""
    if rev.startswith("-") or "\n" in rev or "\0" in rev:
        raise GitError(f"'{rev}' is not a git revision")
    result = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd)
    if result.returncode != 0:
        raise GitError(f"git revision '{rev}' does not exist in this repository")


def repo_path(path: str, cwd: Path, root: Path) -> str:
    """``path`` relative to the repository root, with forward slashes (git's ``REV:PATH`` convention)."""
    relative_to_cwd = path.startswith(("./", "../", ".\\", "..\\")) or os.path.isabs(path) or path in (".", "..")
    if relative_to_cwd:
        # the folders resolved, the file itself not: a plan that is a symbolic link is read as the link
        # at the revision too (followed there, to what it named then), never as what it names today
        joined = os.path.normpath(os.path.join(cwd, path))
        absolute = Path(os.path.realpath(os.path.dirname(joined))) / os.path.basename(joined)
        try:
            path = os.path.relpath(absolute, root.resolve())
        except ValueError as exc:  # pragma: no cover - another drive on Windows
            raise GitError(f"'{path}' is not inside the repository at '{root}'") from exc
        if path.startswith(".."):
            raise GitError(f"'{absolute}' is not inside the repository at '{root}'")
    return posixpath.normpath(path.replace(os.sep, "/"))


MAX_LINKS = 40
"""Symbolic links followed in a row at a revision (as the kernel's limit: more is a loop)."""
SYMLINK_MODE = b"120000"


def _entry(rev: str, path: str, cwd: Path) -> tuple[bytes, bytes] | None:
    """``(mode, type)`` of ``path`` in the tree of ``rev`` (read from the trees alone: a partial clone
    without the file's content still answers), ``None`` when the revision has no such path."""
    result = _git(["--literal-pathspecs", "ls-tree", "-z", rev, "--", path], cwd)
    if result.returncode != 0 or not result.stdout:
        return None
    mode, kind = result.stdout.split(b"\t", 1)[0].split(b" ")[:2]
    return mode, kind


def _content(rev: str, path: str, cwd: Path) -> bytes:
    """The bytes of the blob ``rev:path``; :class:`GitError` when git cannot give them (an object a partial
    or damaged clone lacks): never mistaken for an absent file."""
    result = _git(["cat-file", "blob", f"{rev}:{path}"], cwd)
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(
            f"'{path}' exists at git revision '{rev}' but its content cannot be read (a partial clone without "
            f"it? fetch it, or clone with its blobs): {said[-1] if said else 'git cat-file failed'}"
        )
    return result.stdout


def resolve_at(rev: str, path: str, cwd: Path) -> tuple[str, tuple[bytes, bytes] | None]:
    """``path`` with the symbolic links stored at ``rev`` followed, and its ``(mode, type)`` there (``None``:
    absent).  A link that leads out of the repository, or a loop, is a :class:`GitError`."""
    for _ in range(MAX_LINKS):
        entry = _entry(rev, path, cwd)
        if entry is None or entry[0] != SYMLINK_MODE:
            return path, entry
        target = _content(rev, path, cwd).decode("utf-8", "surrogateescape")
        followed = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        if posixpath.isabs(target) or followed == ".." or followed.startswith("../"):
            raise GitError(f"'{path}' is a symbolic link out of the repository at git revision '{rev}' ({target})")
        path = followed
    raise GitError(f"'{path}' is in a loop of symbolic links at git revision '{rev}'")


def exists_at(rev: str, path: str, cwd: Path) -> bool:
    return resolve_at(rev, path, cwd)[1] is not None


def revision_reader(rev: str, cwd: Path) -> Reader:
    """A loader ``read`` function returning a file's text at ``rev`` (paths relative to the repository root),
    each file capped as the working tree's are (``max_plan_bytes``)."""
    cap = default_policy().max_bytes

    def read(path: str) -> str:
        git_path, entry = resolve_at(rev, posixpath.normpath(path.replace(os.sep, "/")), cwd)
        if entry is None:
            raise FileNotFoundError(errno.ENOENT, f"no such file at git revision '{rev}'", path)
        if entry[1] == b"tree":
            raise IsADirectoryError(errno.EISDIR, f"a folder, not a file, at git revision '{rev}'", path)
        size = _git(["cat-file", "-s", f"{rev}:{git_path}"], cwd).stdout.strip()
        if size.isdigit() and int(size) > cap:  # as from the working tree: never read whole into memory
            raise PlanFileTooLarge(0, f"the file is larger than {cap} bytes at git revision '{rev}' (max_plan_bytes in cdpctl.yaml)")
        return decode_plan_bytes(_content(rev, git_path, cwd))

    return read


def _relabel(exc: PlanLoadError, rev: str) -> PlanLoadError:
    """Name the revision in every problem's position (``main:plans/shop.yaml:3:5: ...``)."""
    return PlanLoadError(
        [PlanIssue(Pos(f"{rev}:{issue.pos.file}", issue.pos.line, issue.pos.column), issue.message) for issue in exc.issues]
    )


def load_at_revision(rev: str, path: str, cwd: Path | None = None, *, missing_ok: bool = False) -> Plan | None:
    """The plan at ``path`` as of ``rev`` (its includes too); ``None`` if absent and ``missing_ok``."""
    here = cwd or Path.cwd()
    root = repo_root(here)
    verify_revision(rev, here)
    git_path = repo_path(path, here, root)
    if not exists_at(rev, git_path, root):
        if missing_ok:
            return None
        raise GitError(f"'{git_path}' does not exist at git revision '{rev}'")
    try:
        return load_plan(git_path, read=revision_reader(rev, root))
    except PlanLoadError as exc:
        raise _relabel(exc, rev) from None


def load_ref(ref: PlanRef, cwd: Path | None = None) -> Plan:
    """Load one side of a comparison."""
    if ref.rev is None:
        return load_plan(ref.path)
    plan = load_at_revision(ref.rev, ref.path, cwd)
    assert plan is not None
    return plan
