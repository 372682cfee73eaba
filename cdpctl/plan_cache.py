"""The plan cache: a loaded plan kept on disk, keyed by the content of every file it was read from.

Loading a large plan costs seconds; most runs load a plan that has not changed since
the last one.  :func:`cached_load` keeps each loaded plan in the cache folder and
answers the next load of the same plan from it, when, and only when, every file the
plan was read from (the plan and each include) still has the same bytes, and the
cdpctl version, the Python version and the load settings (pattern checking, the file
policy of the project configuration) are the same.

The folder is ``$CDPCTL_CACHE_DIR``, else ``$XDG_CACHE_HOME/cdpctl``, else
``~/.cache/cdpctl``; ``CDPCTL_NO_CACHE=1`` (the ``--no-cache`` option of the
command line) turns the cache off.  Entries are never trusted: each one is signed
with a random key kept in the folder (mode 0600), the folder and the key must be the
user's and writable by nobody else (else there is no cache), and an entry whose signature,
format or content does not match is ignored and rebuilt; nothing of it is
unpickled before its signature checks.  A folder that cannot be created, read or
written only means no cache: never an error.  Writes are atomic (a temporary file,
then a rename) and the folder keeps the :data:`MAX_ENTRIES` entries written or
used last (a use is marked at most once in :data:`TOUCH_AFTER` seconds).

An entry holds, after its signature, the name and digest of each file of the
plan, then the plan in the lean pickled form of :mod:`cdpctl.plan_pickle`
(without the text of its files: they are read again to check them anyway).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from cdpctl import __version__, collector, plan_pickle
from cdpctl.model import Plan

MAGIC = b"cdpctl-plan-cache-2\n"
MAX_ENTRIES = 64
"""Entries kept in the folder (the oldest are removed past this)."""
TOUCH_AFTER = 3600.0
"""An entry used again is marked as used now only when its last mark is older than this (seconds)."""
NO_CACHE_ENV = "CDPCTL_NO_CACHE"
DIR_ENV = "CDPCTL_CACHE_DIR"


def cache_folder() -> Path | None:
    """Where entries are kept, or ``None`` when the cache is off."""
    if os.environ.get(NO_CACHE_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return None
    explicit = os.environ.get(DIR_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cdpctl"


MAX_ENTRY_BYTES = 1 << 30
"""The largest entry read (a 5,000-event plan's entry is a few MB): a damaged folder never fills the memory."""


def _read_regular(file: Path, limit: int) -> bytes:
    """The bytes of ``file``, only when it is a regular file of at most ``limit`` bytes (else ``OSError``):
    a FIFO or device put in the cache folder is never waited on, nor read without end."""
    handle = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # opening a FIFO does not wait
    with os.fdopen(handle, "rb") as opened:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise OSError(f"'{file}' is not a regular file")
        data = opened.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"'{file}' is larger than {limit} bytes")
    return data


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


KEY_BYTES = 32


def _owned_privately(info: os.stat_result) -> bool:
    """Whether a file or folder is this user's and nobody else may write it (always so without POSIX owners)."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: no owner or mode bits to compare
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _private_folder(folder: Path) -> None:
    """Create ``folder`` readable by its owner only, or check an existing one is this user's and writable by
    nobody else (``OSError`` if not): whoever can write the folder could plant a key and a signed entry,
    which the cache would unpickle (code run in this process) or answer with a plan the files do not say."""
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700, parents=True)
    info = os.stat(folder)
    if not stat.S_ISDIR(info.st_mode) or not _owned_privately(info):
        raise OSError(f"the cache folder '{folder}' is not this user's alone: not used")


def _secret(folder: Path) -> bytes:
    """The folder's signing key, created whole on first use (readable by its owner only); a key that is not
    this user's alone is refused (``OSError``), a damaged one replaced."""
    _private_folder(folder)
    key_file = folder / "key"
    try:
        handle = os.open(key_file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return _new_secret(folder, key_file, replace=False)
    with os.fdopen(handle, "rb") as opened:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or not _owned_privately(info):
            raise OSError("the cache key is not this user's alone")
        data = opened.read(KEY_BYTES + 1)
    return data if len(data) == KEY_BYTES else _new_secret(folder, key_file, replace=True)


def _new_secret(folder: Path, key_file: Path, *, replace: bool) -> bytes:
    """A new key, written to a temporary file and then put in place whole (never a key file left empty by a
    full disk); when another process put its key first, that one (``replace``: a damaged key is replaced)."""
    data = os.urandom(KEY_BYTES)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".key-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if replace:
            os.replace(temporary, key_file)
            return data
        try:
            os.link(temporary, key_file)
        except FileExistsError:  # another process made it meanwhile
            return _secret(folder)
        return data
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _entry_name(path: str, settings: str) -> str:
    # the path as given and the folder it is relative to: positions in the plan name files as given
    identity = "\0".join([__version__, sys.version, os.getcwd(), path, os.path.realpath(path), settings])
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest() + ".plan"


def _read_entry(file: Path, secret: bytes, read: Callable[[str], str]) -> Plan | None:
    """The plan of a valid, current entry, else ``None``.

    After the signature: the list of the plan's files with their digests (checked before the plan
    itself is unpickled, so that a changed file costs no unpickling), then the plan
    (:mod:`cdpctl.plan_pickle`), without the text of its files when it equals what was just read."""
    try:
        data = _read_regular(file, MAX_ENTRY_BYTES)
    except OSError:
        return None
    head = len(MAGIC) + 32
    if len(data) <= head + 4 or not data.startswith(MAGIC):
        return None
    signature, payload = data[len(MAGIC) : head], memoryview(data)[head:]
    if not hmac.compare_digest(signature, hmac.new(secret, payload, hashlib.sha256).digest()):
        return None  # foreign or damaged: never unpickled
    try:
        with collector.paused():  # many objects and no cycles: the collector would only rescan them
            files_end = 4 + int.from_bytes(payload[:4], "big")
            files, without_sources = pickle.loads(payload[4:files_end])
            texts = {}
            for name, digest in files:
                texts[name] = read(name)
                if _digest(texts[name]) != digest:
                    return None  # a file of the plan changed since
            return plan_pickle.loads(payload[files_end:], texts if without_sources else None)
    except Exception:  # noqa: BLE001 - an entry of an older layout, or a file now unreadable: load afresh
        return None


def _write_entry(folder: Path, file: Path, secret: bytes, texts: Mapping[str, str], plan: Plan) -> None:
    without_sources = list(plan.sources.items()) == list(texts.items())
    files = pickle.dumps(([(name, _digest(text)) for name, text in texts.items()], without_sources), protocol=5)
    body = plan_pickle.dumps(plan, without_sources=without_sources)
    payload = len(files).to_bytes(4, "big") + files + body
    signature = hmac.new(secret, payload, hashlib.sha256).digest()
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".plan")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(MAGIC + signature + payload)
        os.replace(temporary, file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _prune(folder)


def _touch(file: Path) -> None:
    """Mark the entry as used now (the newest entries are the ones kept), unless it was within
    :data:`TOUCH_AFTER` seconds: changing a file's time can wait for the disk on a busy machine."""
    with contextlib.suppress(OSError):  # the plan is good all the same
        if time.time() - file.stat().st_mtime > TOUCH_AFTER:
            os.utime(file)


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.plan"), key=lambda entry: entry.stat().st_mtime, reverse=True)
    for stale in entries[MAX_ENTRIES:]:
        stale.unlink(missing_ok=True)


def cached_load(
    path: str, settings: str, read: Callable[[str], str], load: Callable[[], tuple[Plan, Mapping[str, str]]]
) -> Plan:
    """The plan at ``path``: from the cache when an entry for it is current, else ``load()`` (which
    returns the plan and the text of every file read) with the result kept for the next time.

    ``settings`` names everything besides the files that changes what a load gives; ``read`` reads a
    file as the loader does, with every check the loader makes (its size cap, a regular file, an include
    inside the plan's tree): an entry whose file fails one is not used, and the load afresh reports it."""
    folder = cache_folder()
    secret: bytes | None = None
    file: Path | None = None
    if folder is not None:
        try:
            secret = _secret(folder)
            file = folder / _entry_name(path, settings)
            plan = _read_entry(file, secret, read)
            if plan is not None:
                _touch(file)
                return plan
        except OSError:
            secret = None
    plan, texts = load()
    if folder is not None and secret is not None and file is not None:
        with contextlib.suppress(OSError, pickle.PicklingError, RecursionError, ValueError):  # read-only or full: no cache
            _write_entry(folder, file, secret, texts, plan)
    return plan
