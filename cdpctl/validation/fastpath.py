"""The fast path: accepts messages that are free of errors straight from their bytes."""

from __future__ import annotations

from cdpctl.model import Call, Plan


class FastPath:
    """Accepts a subset of the valid messages; everything else goes to the reference path."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def accept(self, raw: bytes) -> tuple[str, str | None, Call | None] | None:
        return None
