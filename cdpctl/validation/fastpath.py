"""The fast path: msgspec structs generated from the plan accept valid messages straight from their bytes.

A message of a planned call is decoded whole, in one pass, by the union of
whole-message structs of its call type (:mod:`~cdpctl.validation.fastpath_whole`:
track events tagged by ``event``, pages and screens by ``name``, identify and
group by ``type``), each the envelope fields plus the struct generated for the
call's ``properties`` or ``traits``.  A message no union takes (and one a union
refuses) takes the general route: it is decoded into a small envelope struct (a
tagged union on ``type``; ``properties`` kept as raw bytes), then its
``properties``/``traits`` into the struct generated for its call
(:mod:`~cdpctl.validation.fastpath_types`; the checks ``Meta`` cannot say run
in generated source, :mod:`~cdpctl.validation.fastpath_source`; the envelope is
:mod:`~cdpctl.validation.fastpath_envelope`).  Decoding succeeds only for
messages that the reference path (envelope check + jsonschema) accepts too; any
failure, or anything the generator cannot express, sends the message to the
reference path, which decides and explains.

Setup is lazy: a call's struct and decoder are built when a message of it first
appears, and the unions hold the calls seen so far (see
:mod:`~cdpctl.validation.fastpath_whole` for when they grow).  A log of a few
events against a plan of thousands builds a few structs.
``FastPath(plan, eager=True)`` builds everything at once (the differential
tests compare both), and :func:`generated_source` prints the generated module
of a plan.

Where the two paths could read the same bytes differently, the fast path is the
stricter one: integers outside int64 fall back (orjson reads larger ones as
floats); bounds are applied to exact integers, never rounded; non-ASCII input is
checked to be UTF-8 (msgspec does not check strings it skips).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional, Union

import msgspec
from msgspec import UNSET, Raw

from cdpctl.model import Call, Plan
from cdpctl.validation.fastpath_envelope import (
    FIELDS_DECODER,
    FIELDS_ONLY,
    REFUSALS,
    BadEnvelope,
    ContextTraits,
    Fields,
    PresentId,
    context_traits,
    envelope_checks,
    envelope_module,
    is_object,
    is_utf8,
    make_envelope,
)
from cdpctl.validation.fastpath_types import Empty, TypeBuilder, Unsupported
from cdpctl.validation.fastpath_verdicts import Accepted, Entry, Outcome, Partial, Unplanned
from cdpctl.validation.fastpath_whole import CALL_TYPES, TAGS, WholeUnion, fixed_route, route_index

MAX_CACHED = 10_000


class FastPath:
    """Accepts the messages that are free of errors; ``None`` sends a message to the reference path."""

    def __init__(self, plan: Plan, *, eager: bool = False) -> None:
        self.plan = plan
        self.module = envelope_module()
        """The generated source of this fast path (every ``__post_init__``), built as calls appear."""
        self.builder = TypeBuilder(self.module)
        self.unsupported: dict[str, str] = {}
        """Calls that always take the reference path, with the reason (those built so far)."""
        self._entries: dict[str, dict[str | None, Entry]] = {kind: {} for kind in ("track", "page", "screen", "identify", "group")}
        """The entries built so far, by call type and name (planned calls only: bounded by the plan)."""
        self._accepted: dict[tuple[str, str | None], Accepted] = {}
        self.whole_accepted: dict[Any, Accepted] = {}
        """The verdict of each whole-message struct of the unions (filled in place)."""
        self.whole_entries: dict[Any, Entry] = {}
        self.routes: list[Callable[[bytes], Any] | None] = [None] * (len(CALL_TYPES) + 1)
        """The decoder of whole messages of each call type, at its :data:`~cdpctl.validation.fastpath_whole.TYPE_HINT` group number (``None``
        until one is built, and for pages or screens without a plan: then the general route decides)."""
        tables = (self.whole_accepted, self.whole_entries)
        self.unions = {kind: WholeUnion(kind, self.module, self.builder, tables, self.routes) for kind in TAGS}
        self._build_envelopes()
        if eager:
            for call in plan.calls():
                entry = self._entry_of(call.type, call.name)
                if entry is not None and entry.decoder is not None and call.type in self.unions:
                    self.unions[call.type].add(entry)
            for union in self.unions.values():
                union.place()

    @property
    def whole_decode(self) -> Callable[[bytes], Any] | None:
        """The decoder of whole track messages (``None`` until a planned track event is seen)."""
        return self.routes[1]

    # --- setup, lazily -------------------------------------------------------------------------

    def _entry_of(self, call_type: str, name: str | None) -> Entry | None:
        """The entry of a planned call (built on first use), ``None`` for a call the plan does not have."""
        entries = self._entries[call_type]
        entry = entries.get(name)
        if entry is None:
            call = self.plan.find_call(call_type, name)
            if call is None:
                return None
            entry = entries[name] = self._build(call)
        return entry

    def _build(self, call: Call) -> Entry:
        decoder: msgspec.json.Decoder[Any] | None
        try:
            if call.common_fields or call.common_context:
                raise Unsupported("the plan's common rules")
            decoder = msgspec.json.Decoder(self.builder.struct(call.fields, call.additional_properties))
        except (Unsupported, TypeError, ValueError) as exc:
            self.unsupported[call.label] = str(exc)
            decoder = None
        if call.name is not None and not call.name.strip():
            decoder = None
        return Entry(call, decoder, self.builder)

    def _build_envelopes(self) -> None:
        plan = self.plan
        module = self.module
        governed = {"identify": plan.identify is not None, "group": plan.group is not None}
        traits: dict[str, Any] = {kind: Raw if planned else Empty for kind, planned in governed.items()}
        context: dict[str, Any] = {kind: ContextTraits if planned else None for kind, planned in governed.items()}
        self.track_type = make_envelope(
            module, "track", [("event", str), ("properties", Raw, UNSET), ("traits", Empty, UNSET)]
        )
        self.identify_type = make_envelope(
            module,
            "identify",
            [("traits", traits["identify"], UNSET), ("properties", Empty, UNSET)],
            context["identify"],
        )
        self.group_type = make_envelope(
            module,
            "group",
            [("groupId", PresentId), ("traits", traits["group"], UNSET), ("properties", Empty, UNSET)],
            context["group"],
        )
        named: dict[str, Any] = {}
        for tag, listed in (("page", plan.pages is not None), ("screen", plan.screens is not None)):
            extra: Fields
            if listed:
                extra = [("name", str), ("properties", Raw, UNSET), ("traits", Empty, UNSET)]
            else:
                extra = [("name", Optional[str], None), ("properties", Empty, UNSET), ("traits", Empty, UNSET)]
            named[tag] = make_envelope(module, tag, extra)
        self.page_type = named["page"]
        self.screen_type = named["screen"]
        self.alias_type = make_envelope(
            module,
            "alias",
            [("previousId", Union[str, int, float]), ("properties", Empty, UNSET), ("traits", Empty, UNSET)],
        )
        members = (self.track_type, self.identify_type, self.group_type, self.page_type, self.screen_type, self.alias_type)
        self.decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(Union.__getitem__(members))
        self.decode = self.decoder.decode
        self.single: dict[Any, tuple[str, bool]] = {
            self.identify_type: ("identify", governed["identify"]),
            self.group_type: ("group", governed["group"]),
            self.alias_type: ("alias", False),
        }
        for struct, (kind, planned) in self.single.items():  # one verdict for every right message
            if not planned:
                self.routes[CALL_TYPES.index(kind) + 1] = fixed_route(
                    struct, self._ungoverned(kind, None), module, self.whole_accepted
                )

    # --- what the engine asks ------------------------------------------------------------------

    def entry(self, call_type: str, name: str | None) -> Entry | None:
        """The fast path's view of a planned call (``None`` when unplanned or not expressible)."""
        if call_type not in ("track", "page", "screen", "identify", "group"):
            return None
        if call_type in ("identify", "group"):
            name = None
        elif name is None:
            return None
        entry = self._entry_of(call_type, name)
        return entry if entry is not None and entry.decoder is not None else None

    def partial(self, call_type: str, name: str | None, raw: bytes) -> Partial | None:
        """A :class:`Partial` for a message whose envelope is wrong but whose call is planned."""
        entry = self.entry(call_type, name)
        if entry is None:
            return None
        try:
            fields = FIELDS_ONLY.decode(raw)
        except (msgspec.DecodeError, RecursionError):  # nesting too deep: the reference path reports it
            return None
        raw_fields: Any = fields.traits if entry.call.field_key == "traits" else fields.properties
        if raw_fields is UNSET and entry.call.field_key == "traits":  # maybe context.traits: look at all of it
            return None
        return Partial(entry, raw_fields, False)

    def _ungoverned(self, call_type: str, name: str | None) -> Accepted:
        key = (call_type, name)
        accepted = self._accepted.get(key)
        if accepted is None:
            accepted = Accepted(call_type, name, ())
            if len(self._accepted) < MAX_CACHED:
                self._accepted[key] = accepted
        return accepted

    def accept(self, raw: bytes) -> Accepted | None:
        """The verdict on a message without errors, else ``None``."""
        outcome = self.examine(raw)
        return outcome if isinstance(outcome, Accepted) else None

    def examine(self, raw: bytes) -> Outcome:
        """An :class:`Accepted` for a message without errors; a :class:`Partial` when only its planned
        fields may be wrong; an :class:`Unplanned` for a right message of a call the plan does not have;
        ``None`` when the reference path must look at all of it."""
        return self.examine_utf8(raw) if is_utf8(raw) else None

    def examine_utf8(self, raw: bytes) -> Outcome:
        """:meth:`examine` for bytes known to be UTF-8 (a block checked as a whole: one pass, not one per line).

        The union of whole messages that the message's ``type`` points to decodes it
        (``whole_accepted[type(decode(raw))]``: the verdict of the struct that took
        it); without a union for it, or when the union refuses the message with one
        of :data:`REFUSALS`, :meth:`refused` and the general route finish the work.
        ``validate_lines`` writes the same steps out in its loop, which runs them for every line.
        """
        index = route_index(raw)
        decode = self.routes[index]
        if decode is None:
            return self.general(raw, False)
        try:
            return self.whole_accepted[type(decode(raw))]  # type(), not .__class__: one class per call
        except REFUSALS as exc:
            return self.refused(raw, exc, index == 1)

    def refused(self, raw: bytes, exc: BaseException, track: bool) -> Outcome:
        """:meth:`examine_utf8` of a message a union of whole messages refused with ``exc`` (``track``: the
        union of track events)."""
        if exc.__class__ is BadEnvelope:  # a planned call with right fields: only the envelope needs a look
            decoded = exc.args[0]
            entry = self.whole_entries.get(type(decoded))
            if entry is not None:
                return Partial(entry, UNSET, False, decoded)
            return self.general(raw, False)
        return self.general(raw, track)  # the general route decides (and finds what is wrong)

    def general(self, raw: bytes, rejected: bool) -> Outcome:
        """The route of every call through the envelope union (``rejected``: a whole-message decoder of
        track events refused the message)."""
        envelope_ok = True
        try:
            message = self.decode(raw)
        except (msgspec.DecodeError, RecursionError):  # nesting too deep: the reference path reports it
            return None
        except BadEnvelope as exc:  # every type right, an envelope rule broken: the fields still need a look
            message = exc.args[0]
            envelope_ok = False
        kind = type(message)
        if kind is self.track_type:
            name = message.event
            entry = self._entries["track"].get(name) or (self._entry_of("track", name) if name in self.plan.events else None)
            fields = message.properties
            if entry is None and envelope_ok and name.strip() and is_object(fields):
                return Unplanned("track", name)
        elif kind is self.page_type or kind is self.screen_type:
            call_type = "page" if kind is self.page_type else "screen"
            planned = self.plan.pages if call_type == "page" else self.plan.screens
            if planned is None:
                return self._ungoverned(call_type, message.name) if envelope_ok else None
            name = message.name
            entry = self._entries[call_type].get(name) or (self._entry_of(call_type, name) if name in planned else None)
            fields = message.properties
            if entry is None and envelope_ok and is_object(fields):
                return Unplanned(call_type, name)
        else:
            call_type, governed = self.single[kind]
            if not governed:
                return self._ungoverned(call_type, None) if envelope_ok else None
            entry = self._entries[call_type].get(None) or self._entry_of(call_type, None)
            fields = message.traits
            if fields is UNSET:  # identify or group without traits: their context.traits (when an object)
                fields = context_traits(message.context)
        if entry is None or entry.decoder is None:
            return None
        if entry.whole is None and self.unions[entry.call.type].missed(entry):  # placed now: take its route
            decode = self.routes[CALL_TYPES.index(entry.call.type) + 1]
            if decode is not None:
                try:
                    return self.whole_accepted[type(decode(raw))]
                except BadEnvelope as exc:
                    return Partial(self.whole_entries[type(exc.args[0])], UNSET, False, exc.args[0])
                except (msgspec.DecodeError, RecursionError):
                    rejected = kind is self.track_type
        if not envelope_ok:
            return Partial(entry, fields, False)
        if fields is UNSET:
            return entry.accepted if not entry.required else Partial(entry, fields)
        if kind is self.track_type and rejected and entry.whole is not None:
            # the envelope decoded alone and the event has a struct in the union that refused the message
            # (or in a newer one: then a valid message costs a closer look, never a wrong verdict), so the
            # fields are what failed (a Partial is a closer look, not a verdict)
            return Partial(entry, fields)
        try:
            entry.decoder.decode(fields)
        except (msgspec.DecodeError, RecursionError):  # nesting too deep: the reference path reports it
            return Partial(entry, fields)
        return entry.accepted


def generated_source(plan: Plan) -> str:
    """The Python source the fast path generates for ``plan`` (every call built), as one module."""
    fast = FastPath(plan, eager=True)
    header = [
        "Generated by cdpctl's fast path: the __post_init__ of each struct that needs checks msgspec.Meta",
        "cannot say, and the envelope check of each envelope and whole-message struct.",
    ]
    if fast.unsupported:
        header.append("Calls left to the reference path:")
        header += [f"  {label!r}: {reason!r}" for label, reason in fast.unsupported.items()]
    return fast.module.source(header)


__all__ = [
    "FIELDS_DECODER",
    "REFUSALS",
    "Accepted",
    "BadEnvelope",
    "Entry",
    "FastPath",
    "Outcome",
    "Partial",
    "Unplanned",
    "Unsupported",
    "context_traits",
    "envelope_checks",
    "generated_source",
    "is_object",
    "is_utf8",
]
