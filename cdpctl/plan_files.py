"""Which files a plan may read, and how much of them: plans are untrusted input.

A plan's ``include:`` may name only regular files inside the plan's own folder
tree (the folder of the plan given on the command line, and below it) or inside
a folder the project configuration lists under ``include_roots``.  An absolute
path elsewhere, ``..`` out of the tree, a symbolic link leading out of it, a
device such as ``/dev/zero``, a FIFO or a folder is refused before anything is
opened.  Every plan file (the plan itself too) is read up to a size cap,
``max_plan_bytes`` in the configuration (default :data:`DEFAULT_MAX_PLAN_BYTES`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

DEFAULT_MAX_PLAN_BYTES = 8 * 1024 * 1024
"""The largest plan file read (8 MiB: a plan of thousands of events is well below 1 MiB)."""


class PlanFileTooLarge(OSError):
    """A plan file is larger than the cap (``strerror`` says so)."""


@dataclass(frozen=True)
class PlanFilePolicy:
    """``roots``: folders (absolute, resolved) that includes may read besides the plan's own tree."""

    roots: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_PLAN_BYTES


def read_bounded(path: str, max_bytes: int) -> bytes:
    """The bytes of ``path``, refusing more than ``max_bytes`` (a pipe or ``/dev/zero`` is read only that far)."""
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PlanFileTooLarge(0, f"the file is larger than {max_bytes} bytes (max_plan_bytes in cdpctl.yaml)")
    return data


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # another drive (Windows)
        return False


def include_problem(target: str, tree: str, policy: PlanFilePolicy) -> str | None:
    """Why the include ``target`` may not be read (``tree``: the resolved folder of the root plan), or ``None``.

    Only :func:`os.stat` is used: a FIFO is never opened (opening one would wait for a writer).
    """
    if "\x00" in target:
        return "contains a NUL byte"
    real = os.path.realpath(target)
    allowed = (tree, *policy.roots)
    if not any(_inside(real, folder) for folder in allowed):
        if os.path.islink(target) or real != os.path.abspath(target):
            how = "leads (through a symbolic link) out of"
        else:
            how = "is outside"
        return f"{how} the plan's folder tree ({tree}); list other folders under include_roots in cdpctl.yaml"
    try:
        info = os.stat(real)
    except OSError:
        return None  # reading it reports the missing file the usual way
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a plan file"
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or special file"
        return f"is {kind}, not a regular file"
    if info.st_size > policy.max_bytes:
        return f"is larger than {policy.max_bytes} bytes (max_plan_bytes in cdpctl.yaml)"
    return None


def policy_from_settings(settings: dict[str, object], root: str | None) -> PlanFilePolicy:
    """The policy the configuration table ``settings`` (found in folder ``root``) sets; checked by the config."""
    roots_value = settings.get("include_roots") or []
    roots = tuple(
        os.path.realpath(os.path.join(root or os.getcwd(), str(folder)))
        for folder in (roots_value if isinstance(roots_value, list) else [])
    )
    cap = settings.get("max_plan_bytes")
    return PlanFilePolicy(roots, cap if isinstance(cap, int) and not isinstance(cap, bool) else DEFAULT_MAX_PLAN_BYTES)


def default_policy() -> PlanFilePolicy:
    """The policy of the project configuration found from the working directory (its defaults when none)."""
    from cdpctl.config import find_config

    config = find_config()
    return policy_from_settings(config.settings, str(config.root) if config.root is not None else None)
