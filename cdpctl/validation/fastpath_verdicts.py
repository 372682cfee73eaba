"""What the fast path says of one message: :class:`Accepted`, :class:`Partial`, :class:`Unplanned` or ``None``.

Also :class:`Entry`, a planned call as the fast path sees it (its fields'
decoder, the verdict of a message without errors), which a :class:`Partial`
hands to the engine for a closer look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

import msgspec
from msgspec import UNSET

from cdpctl.model import Call
from cdpctl.spec import OBJECT_FIELDS, TIMESTAMP_FIELDS
from cdpctl.validation.violations import Violation

if TYPE_CHECKING:
    from cdpctl.validation.fastpath_types import TypeBuilder


class Accepted:
    """The verdict on a message without errors: its call, and its warnings (a deprecated event)."""

    __slots__ = ("event", "type", "warnings")

    def __init__(self, call_type: str, event: str | None, warnings: tuple[Violation, ...]) -> None:
        self.type = call_type
        self.event = event
        self.warnings = warnings


class Entry:
    """A planned call as the fast path sees it (``decoder`` is ``None`` when it cannot be expressed)."""

    __slots__ = ("accepted", "builder", "call", "decoder", "required", "whole")

    def __init__(self, call: Call, decoder: msgspec.json.Decoder[Any] | None, builder: TypeBuilder) -> None:
        self.call = call
        warnings: tuple[Violation, ...] = ()
        if call.deprecated:
            text = f"'{call.label}' is deprecated in the tracking plan"
            warnings = (Violation("deprecated_event", "warning", call.type, call.name, "event", text),)
        self.accepted = Accepted(call.type, call.name, warnings)
        self.decoder = decoder
        self.builder = builder
        self.required = any(prop.required for prop in call.fields.values())
        self.whole: Any = None
        """The struct of whole messages of this track event, once it is in the fast path's union."""


class Partial:
    """A planned call whose ``properties``/``traits`` the fast path rejected (and maybe its envelope)."""

    __slots__ = ("decoded", "entry", "envelope_ok", "fields")

    def __init__(self, entry: Entry, fields: Any, envelope_ok: bool = True, decoded: Any = None) -> None:
        self.entry = entry
        self.fields = fields
        """The raw ``properties``/``traits`` (``UNSET`` when absent, or when the struct of the whole message
        decoded them: they are right, only the envelope is not)."""
        self.envelope_ok = envelope_ok
        self.decoded = decoded
        """The whole-message struct that decoded the message before an envelope rule failed (else ``None``)."""

    def envelope(self) -> dict[str, Any] | None:
        """What the envelope rules read of the message, taken from :attr:`decoded` (``None`` without it).

        The struct decoded every field with its right type, so the rules see what a
        parse would give them: the ids and timestamps themselves, and objects where
        the message has objects (their content does not matter to the rules).
        """
        decoded = self.decoded
        if decoded is None:
            return None
        call = self.entry.call
        view: dict[str, Any] = {
            "type": call.type,
            "event": call.name,
            "userId": decoded.userId,
            "anonymousId": decoded.anonymousId,
        }
        for name in TIMESTAMP_FIELDS:
            value = getattr(decoded, name)
            if value is not UNSET:
                view[name] = value
        for name in OBJECT_FIELDS:
            if getattr(decoded, name, UNSET) is not UNSET:
                view[name] = {}
        if call.type == "group":  # the struct decoded it: present and of the right type
            view["groupId"] = decoded.groupId
        return view


class Unplanned:
    """A call the plan does not have, in a message whose envelope and fields object are right.

    Its one violation is ``unplanned_event``: the envelope struct decoded (every
    type right, the envelope rules kept), the event or name is not blank, and
    ``properties``/``traits`` are objects or absent, so the envelope rules have
    nothing to say.
    """

    __slots__ = ("name", "type")

    def __init__(self, call_type: str, name: str) -> None:
        self.type = call_type
        self.name = name


Outcome = Union[Accepted, Partial, Unplanned, None]
"""The fast path's verdict on one message (``None``: the reference path looks at all of it)."""
