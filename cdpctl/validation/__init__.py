"""Validation of Segment event data against a tracking plan: the engine behind ``cdpctl validate``.

``Validator(plan).check(message)`` lists a message's violations; :class:`Report`
aggregates them (mergeable across processes); :func:`validate_lines` is the pure
batch function used by ``validate --jobs`` workers, ``serve`` and Spark partitions.
"""

from cdpctl.validation.engine import Sink, Validator, check_parsed, validate_lines
from cdpctl.validation.report import Example, Group, Report, message_call
from cdpctl.validation.violations import CODES, SEVERITY, Violation

__all__ = [
    "CODES",
    "SEVERITY",
    "Example",
    "Group",
    "Report",
    "Sink",
    "Validator",
    "Violation",
    "check_parsed",
    "message_call",
    "validate_lines",
]
