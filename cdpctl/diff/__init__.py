"""``cdpctl diff``: compare two versions of a tracking plan and classify every change.

The comparison runs on the resolved plan model (never on YAML text), so
moving a definition into the shared library, reordering keys or reformatting
is no change.  Each change is produced by a rule with a stable id and a
severity for producers and for consumers (see :mod:`cdpctl.diff.registry`).
"""

from cdpctl.diff.engine import DiffReport, compare, diff_plans
from cdpctl.diff.rules import DIRECTIONS, SEVERITIES, Change, Rule
from cdpctl.diff.version import VersionCheck, check_version

__all__ = [
    "DIRECTIONS",
    "SEVERITIES",
    "Change",
    "DiffReport",
    "Rule",
    "VersionCheck",
    "check_version",
    "compare",
    "diff_plans",
]
