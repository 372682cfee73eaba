"""The report printed at shutdown: the same renderers ``cdpctl validate`` uses."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from cdpctl.validation import Report


def write_report(report: Report, fmt: str, out: TextIO) -> None:
    """Write ``report`` to ``out`` in ``fmt``."""
    out.write(json.dumps(report.to_json(), indent=2) + "\n")
