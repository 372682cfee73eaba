"""Load a YAML tracking plan into the :mod:`cdpctl.model`, collecting every problem.

``load_plan(path)`` returns a :class:`~cdpctl.model.Plan` or raises
:class:`~cdpctl.errors.PlanLoadError` listing *all* problems found, each with
the ``FILE:LINE:COLUMN`` of the node at fault and, for misspellings, a
did-you-mean hint.  The work is done in :mod:`cdpctl.loading` (one module per
responsibility); this module keeps the public names in one place.
"""

from __future__ import annotations

from cdpctl.errors import PlanIssue, PlanLoadError
from cdpctl.loading.files import decode_plan_bytes, read_text_file
from cdpctl.loading.keys import (
    COMMON_KEYS,
    DEFAULTS_KEYS,
    EVENT_KEYS,
    INCLUDED_KEYS,
    MAX_EXPANDED,
    MAX_INCLUDE_DEPTH,
    MAX_NESTING,
    PROPERTY_KEYS,
    RAW_SCHEMA_KEYS,
    SEMVER,
    TOP_KEYS,
    TRAITS_KEYS,
    TYPE_KEYS,
    Reader,
    did_you_mean,
)
from cdpctl.loading.plan import PlanLoader, load_plan, load_plan_text

__all__ = [
    "COMMON_KEYS",
    "DEFAULTS_KEYS",
    "EVENT_KEYS",
    "INCLUDED_KEYS",
    "MAX_EXPANDED",
    "MAX_INCLUDE_DEPTH",
    "MAX_NESTING",
    "PROPERTY_KEYS",
    "RAW_SCHEMA_KEYS",
    "SEMVER",
    "TOP_KEYS",
    "TRAITS_KEYS",
    "TYPE_KEYS",
    "PlanIssue",
    "PlanLoadError",
    "PlanLoader",
    "Reader",
    "decode_plan_bytes",
    "did_you_mean",
    "load_plan",
    "load_plan_text",
    "read_text_file",
]
