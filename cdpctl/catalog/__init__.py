"""``cdpctl docs``: the tracking plan as a browsable, searchable static catalog.

:func:`build_catalog` gathers the data (the plan; with logs, what traffic shows; with a base plan, the
changes from the diff engine) and :func:`cdpctl.catalog.site.write_site` writes the site.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

from cdpctl.model import Plan


def diff_changes(plan: Plan, base: str, plan_path: str) -> list[dict[str, Any]]:
    """The changes from ``base`` (a plan file, ``REV:PATH``, or a git revision of this plan) to ``plan``."""
    from cdpctl.diff.engine import compare
    from cdpctl.diff.git import GitError, load_at_revision, load_ref, parse_ref

    if os.path.exists(base) or ":" in base:
        ref = parse_ref(base)
        old: Plan | None = load_ref(ref)
        label = ref.label
    else:
        try:
            old = load_at_revision(base, plan_path, missing_ok=True)
        except GitError as exc:  # neither a file nor a revision: say both
            raise GitError(f"--diff '{base}': no such file, and not a git revision here ({exc})") from exc
        label = f"{base}:{plan_path}"
    report = compare(old, plan, label, plan_path)
    return [
        {
            "severity": change.severity("both"),
            "rule": change.rule,
            "call": change.call_label,
            "path": change.path,
            "message": change.message,
        }
        for change in report.ordered("both")
    ]


def build_catalog(plan: Plan, out: str, *, logs: list[str] | None = None, base: str | None = None) -> list[Path]:
    """Write the catalog of ``plan`` into ``out``; returns the files written."""
    from cdpctl.catalog.data import catalog_data
    from cdpctl.catalog.site import write_site

    observations = None
    if logs:
        from cdpctl.observe import observe_sources

        observations = observe_sources(plan, logs)
        if observations.unreadable:  # a catalog's figures cover all the logs given, or it is not written
            from cdpctl.validation.inputs import InputError

            raise InputError(observations.unreadable[0])
        if observations.records == observations.malformed:  # nothing observed: every call would read "never seen"
            from cdpctl.validation.inputs import InputError

            what = "no records" if not observations.records else f"only {observations.malformed:,} malformed records"
            raise InputError(f"no events read: the logs hold {what}, so the catalog would show every call as never seen")
    changes = diff_changes(plan, base, plan.files[0]) if base else None
    collecting = gc.isenabled()
    gc.disable()  # building the data allocates many small objects and frees none: no garbage to find
    try:
        data = catalog_data(plan, observations, changes)
    finally:
        if collecting:
            gc.enable()
    from cdpctl.validation.targets import logs_read

    return write_site(data, out, protected=[*plan.files, *(path for _, path in logs_read(logs or []))])
