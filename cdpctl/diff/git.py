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
    """``REV:PATH`` is a git revision and path unless a file named ``arg`` exists.  The colon that ends the
    revision is the first one after any ``@{...}`` (``HEAD@{2030-01-01 10:00:00}:plans/shop.yaml``)."""
    if os.path.exists(arg) or ":" not in arg:
        return PlanRef(arg)
    colon = _revision_end(arg)
    rev, path = (arg[:colon], arg[colon + 1 :]) if colon >= 0 else ("", "")
    if not rev or not path:
        return PlanRef(arg)
    return PlanRef(path, rev)


def _revision_end(arg: str) -> int:
    """The index of the colon after the revision in ``REV:PATH``: the first one outside ``@{...}``; -1 if none."""
    inside = False
    for index, char in enumerate(arg):
        if arg.startswith("@{", index):
            inside = True
        elif char == "}":
            inside = False
        elif char == ":" and not inside:
            return index
    return -1


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
        said = _said(result)
        reason = f" (git: {said})" if said and "not a git repository" not in said else ""
        raise GitError(f"'{cwd}' is not inside a git repository that git can read{reason}, so a revision cannot be read")
    return Path(result.stdout.decode("utf-8", "replace").strip())


def _said(result: subprocess.CompletedProcess[bytes]) -> str:
    """What git said on stderr: its first ``fatal:`` or ``error:`` line, else its last line."""
    lines = [line.strip() for line in result.stderr.decode("utf-8", "replace").strip().splitlines() if line.strip()]
    return next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[-1] if lines else "")


def verify_revision(rev: str, cwd: Path) -> None:
    """Raise :class:`GitError` unless ``rev`` names a commit."""
    if rev.startswith("-") or "\n" in rev or "\0" in rev:
        raise GitError(f"'{rev}' is not a git revision")
    result = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd)
    if result.returncode != 0:
        raise GitError(f"git revision '{rev}' does not exist in this repository{_branches_hint(rev, cwd)}")


def _branches_hint(rev: str, cwd: Path) -> str:
    """``; its branches: master, origin/main`` (a few, the likeliest first) for a revision that does not exist."""
    from cdpctl.errors import did_you_mean

    listed = _git(["for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/remotes"], cwd)
    names = [name for name in listed.stdout.decode("utf-8", "replace").split() if not name.endswith("/HEAD")]
    if not names:
        return "; it has no branch yet (commit first)"
    hint = did_you_mean(rev, names)
    return f" ({hint})" if hint else f"; its branches: {', '.join(names[:5])}{', ...' if len(names) > 5 else ''}"


def repo_path(path: str, cwd: Path, root: Path) -> str:
    """``path`` relative to the repository root, with forward slashes (git's ``REV:PATH`` convention).

    A path relative to the working directory is taken as written: the links of today's working tree on the
    way are not followed (at a revision :func:`resolve_at` follows the links stored there, to what they
    named then); only the working directory itself is resolved, as git resolves the repository's root."""
    relative_to_cwd = path.startswith(("./", "../", ".\\", "..\\")) or os.path.isabs(path) or path in (".", "..")
    if relative_to_cwd:
        absolute = os.path.normpath(os.path.join(os.path.realpath(cwd), path))
        resolved_root = str(root.resolve())
        if os.path.isabs(path) and not _inside(absolute, resolved_root):  # an absolute path through a link
            absolute = os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))
        try:
            path = os.path.relpath(absolute, resolved_root)
        except ValueError as exc:  # pragma: no cover - another drive on Windows
            raise GitError(f"'{path}' is not inside the repository at '{root}'") from exc
        if path.startswith(".."):
            raise GitError(f"'{absolute}' is not inside the repository at '{root}'")
    return posixpath.normpath(path.replace(os.sep, "/"))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


LFS_POINTER = b"version https://git-lfs.github.com/spec/"
"""How a Git LFS pointer file starts (the plan is then elsewhere)."""
MAX_LINKS = 40
"""Symbolic links followed in a row at a revision (as the kernel's limit: more is a loop)."""
SYMLINK_MODE = b"120000"


def _entry(rev: str, path: str, cwd: Path) -> tuple[bytes, bytes] | None:
    """``(mode, type)`` of ``path`` in the tree of ``rev`` (read from the trees alone: a partial clone
    without the file's content still answers), ``None`` when the revision has no such path; a tree git
    cannot read (a treeless clone whose remote is gone, a damaged object) is a :class:`GitError`, never
    an absent plan."""
    result = _git(["--literal-pathspecs", "ls-tree", "-z", rev, "--", path], cwd)
    if result.returncode != 0:
        raise GitError(
            f"git cannot read the tree of revision '{rev}' to find '{path}' (a partial clone without it? fetch "
            f"it, or clone with its trees): {_said(result) or 'git ls-tree failed'}"
        )
    if not result.stdout:
        return None
    mode, kind = result.stdout.split(b"\t", 1)[0].split(b" ")[:2]
    return mode, kind


def _content(rev: str, path: str, cwd: Path) -> bytes:
    """The bytes of the blob ``rev:path``; :class:`GitError` when git cannot give them (an object a partial
    or damaged clone lacks): never mistaken for an absent file."""
    result = _git(["cat-file", "blob", f"{rev}:{path}"], cwd)
    if result.returncode != 0:
        raise GitError(
            f"'{path}' exists at git revision '{rev}' but its content cannot be read (a partial clone without "
            f"it? fetch it, or clone with its blobs): {_said(result) or 'git cat-file failed'}"
        )
    return result.stdout


def resolve_at(rev: str, path: str, cwd: Path) -> tuple[str, tuple[bytes, bytes] | None]:
    """``path`` with the symbolic links stored at ``rev`` followed (the file's own, and any folder's on the
    way), and its ``(mode, type)`` there (``None``: absent).  A link that leads out of the repository, a
    loop, or a path inside a submodule is a :class:`GitError`."""
    for _ in range(MAX_LINKS):
        entry = _entry(rev, path, cwd)
        if entry is not None and entry[0] != SYMLINK_MODE:
            if entry[1] == b"commit":
                raise GitError(f"'{path}' is a submodule at git revision '{rev}': compare its plans inside it")
            return path, entry
        if entry is not None:  # the file is a link: what it named then
            path = _follow(rev, path, path, "", cwd)
            continue
        folder = _linked_folder(rev, path, cwd)  # absent as written: a folder on the way may be a link
        if folder is None:
            return path, None
        path = _follow(rev, folder, path, path[len(folder) + 1 :], cwd)
    raise GitError(f"'{path}' is in a loop of symbolic links at git revision '{rev}'")


def _linked_folder(rev: str, path: str, cwd: Path) -> str | None:
    """The first folder of ``path`` that is a symbolic link at ``rev`` (``None`` when a folder on the way is
    absent or a file: the path is absent); a submodule on the way is a :class:`GitError`."""
    parts = path.split("/")
    for end in range(1, len(parts)):
        prefix = "/".join(parts[:end])
        entry = _entry(rev, prefix, cwd)
        if entry is None:
            return None
        if entry[0] == SYMLINK_MODE:
            return prefix
        if entry[1] == b"commit":
            raise GitError(f"'{path}' is inside the submodule '{prefix}' at git revision '{rev}': compare its plans inside it")
        if entry[1] != b"tree":
            return None
    return None


def _follow(rev: str, link: str, path: str, rest: str, cwd: Path) -> str:
    """``path`` with the link ``link`` (itself or a folder of it, ``rest`` below it) replaced by its target."""
    target = _content(rev, link, cwd).decode("utf-8", "surrogateescape")
    followed = posixpath.normpath(posixpath.join(posixpath.dirname(link), target, rest))
    if posixpath.isabs(target) or followed == ".." or followed.startswith("../"):
        raise GitError(f"'{path}' is a symbolic link out of the repository at git revision '{rev}' ({target})")
    return followed


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
        data = _content(rev, git_path, cwd)
        if data.startswith(LFS_POINTER):
            raise GitError(f"'{git_path}' is a Git LFS pointer at git revision '{rev}': fetch its content (git lfs pull)")
        return decode_plan_bytes(data)

    return read


def _relabel(exc: PlanLoadError, rev: str) -> PlanLoadError:
    """Name the revision in every problem's position (``main:plans/shop.yaml:3:5: ...``)."""
    return PlanLoadError(
        [PlanIssue(Pos(f"{rev}:{issue.pos.file}", issue.pos.line, issue.pos.column), issue.message) for issue in exc.issues]
    )


def renamed_from(rev: str, git_path: str, root: Path) -> str | None:
    """The path ``git_path`` had at ``rev`` when git sees it as renamed or moved since (the working tree
    against ``rev``, as ``git diff -M`` pairs them), else ``None``."""
    result = _git(["diff", "--no-ext-diff", "-M", "--name-status", "-z", "--diff-filter=R", rev, "--"], root)
    if result.returncode != 0:
        return None
    fields = result.stdout.split(b"\0")
    for index in range(0, len(fields) - 2, 3):  # R<score>, old path, new path
        old, new = fields[index + 1].decode("utf-8", "surrogateescape"), fields[index + 2].decode("utf-8", "surrogateescape")
        if fields[index].startswith(b"R") and new == git_path:
            return old
    return None


def load_at_revision(rev: str, path: str, cwd: Path | None = None, *, missing_ok: bool = False) -> Plan | None:
    """The plan at ``path`` as of ``rev`` (its includes too); ``None`` if absent and ``missing_ok``."""
    here = cwd or Path.cwd()
    root = repo_root(here)
    verify_revision(rev, here)
    git_path = repo_path(path, here, root)
    if not exists_at(rev, git_path, root):
        renamed = renamed_from(rev, git_path, root) if missing_ok else None
        if renamed is None or not exists_at(rev, renamed, root):
            if missing_ok:
                return None
            raise GitError(f"'{git_path}' does not exist at git revision '{rev}'")
        git_path = renamed  # the plan was renamed (or moved) since: compared with what it was
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
