"""Violations: what the validator finds in one message, and the public list of codes."""

from __future__ import annotations

from dataclasses import dataclass

CODES: dict[str, str] = {
    "malformed_json": "A line or document that does not parse as JSON.",
    "record_too_large": "A line or document longer than --max-record-bytes (default 32 MB): counted as malformed, "
    "skipped unread (--split writes it whole to malformed.txt).",
    "invalid_envelope": "The message breaks the Segment Spec envelope (type, event, userId/anonymousId, "
    "ISO-8601 timestamps, groupId on group, previousId on alias, messageId of at most 100 characters, "
    "object-valued properties/traits/context).",
    "unplanned_event": "A track event, page or screen the plan does not define.",
    "unplanned_property": "A property (or trait) the plan does not define, where additional properties are not allowed.",
    "required_missing": "A required property (or trait) is absent.",
    "type_mismatch": "A value has the wrong JSON type (including null where the property is not nullable).",
    "value_not_allowed": "A value outside the property's enum or const.",
    "constraint_failed": "A value breaks a constraint: pattern, format, lengths, bounds, multiple_of, "
    "item counts or unique_items.",
    "deprecated_event": "The event is marked deprecated in the plan (a warning: it does not fail the run).",
    "message_too_large": "serve: a message over Segment's 32 KB limit, accepted because --limits allowed it "
    "(a warning: Segment would have dropped it).",
}
"""Every violation code (public contract) with its description, in report order."""

CODE_ORDER = {code: index for index, code in enumerate(CODES)}

WARNING_CODES = ("deprecated_event", "message_too_large")

MALFORMED_CODES = ("malformed_json", "record_too_large")
"""Codes of malformed records: counted in ``malformed``, never as a message of some call, so they have no
call whose volume they are a share of."""

SEVERITY = {code: ("warning" if code in WARNING_CODES else "error") for code in CODES}


@dataclass(frozen=True, init=False)
class Violation:
    """One problem of one message.

    ``path`` is where it is, with array indices folded (``properties.products[].price``);
    ``type`` and ``event`` name the call it belongs to (``None`` when the message does not say).
    """

    code: str
    severity: str
    type: str | None
    event: str | None
    path: str
    message: str

    def __init__(
        self, code: str, severity: str, type: str | None, event: str | None, path: str, message: str
    ) -> None:
        # the generated __init__ of a frozen dataclass sets each field through object.__setattr__:
        # three times slower, and every rejected message makes a few of these
        fields = self.__dict__
        fields["code"] = code
        fields["severity"] = severity
        fields["type"] = type
        fields["event"] = event
        fields["path"] = path
        fields["message"] = message

    def to_json(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "severity": self.severity,
            "type": self.type,
            "event": self.event,
            "path": self.path,
            "message": self.message,
        }
