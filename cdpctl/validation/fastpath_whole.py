"""The unions of whole messages: one decode checks a planned call's envelope and its fields together.

For each call type the fast path keeps a union of msgspec structs, one per
planned call seen so far, each a whole message (the envelope fields, and the
struct generated for the call's ``properties`` or ``traits``): track events
tagged by ``event``, pages and screens by ``name``, identify and group by
``type`` (one member each).  msgspec picks the member by its tag and checks
types, constraints and (in the generated ``__post_init__``) the envelope rules
in the same pass.  Which union a message goes to is guessed from its bytes
(:func:`route_index`: the first letter of the value when the message starts with ``{"type":"``, else
the first ``"type"`` key with a call type as its value, :data:`TYPE_HINT`): a
wrong guess is refused by the union (every member checks ``type``) and the
message takes the general route, so a guess never makes a verdict.

A union takes a new call at the call's first message while it has fewer than
:data:`EAGER_UNION` members; larger, it is rebuilt when calls new to it have
cost, in messages taking the general route, about as many decodes as it has
members (rebuilding costs a bounded share of the work).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any, Literal, Union

import msgspec
from msgspec import UNSET

from cdpctl.validation.fastpath_envelope import PresentId, envelope_fields
from cdpctl.validation.fastpath_source import GeneratedModule, envelope_check, refuse_all
from cdpctl.validation.fastpath_types import Empty, TypeBuilder
from cdpctl.validation.fastpath_verdicts import Accepted, Entry

CALL_TYPES = ("track", "page", "screen", "identify", "group", "alias")
"""The call types in the order of :data:`TYPE_HINT`'s groups (a match's ``lastindex`` is one more than the index)."""

TYPE_HINT = re.compile(rb'"type"\s*:\s*"(?:(track)|(page)|(screen)|(identify)|(group)|(alias))"')
"""The first ``"type"`` key whose value is a call type: most often the message's own (a guess, never a verdict)."""

TYPE_FIRST = b'{"type":"'
"""How most messages start: then the letter after it names the call type (:data:`FIRST_LETTERS`)."""

FIRST_LETTERS = {kind[:1].encode(): index for index, kind in enumerate(CALL_TYPES, 1)}
"""The :data:`TYPE_HINT` group number of each call type, by its first letter (all six differ; read as
``raw[9:10]``, a slice: a line may end right after :data:`TYPE_FIRST`)."""

FIRST_TEN = {TYPE_FIRST + letter: index for letter, index in FIRST_LETTERS.items()}
"""The same, by the first ten bytes of a message (``raw[:10]``: one slice and one lookup a line)."""

TAGS = {"track": "event", "page": "name", "screen": "name", "identify": "type", "group": "type"}
"""The field that tags the members of each call type's union."""

EAGER_UNION = 64
"""Below this many members, a union takes a new call at its first message (cheap)."""

NEVER_TAG = ""
"""The tag of the placeholder member of each union (blank names have no struct; no call type is blank)."""


class WholeUnion:
    """The union of whole messages of one call type, and its decoder (``routes[index]``, kept up to date)."""

    def __init__(
        self,
        call_type: str,
        module: GeneratedModule,
        builder: TypeBuilder,
        tables: tuple[dict[Any, Accepted], dict[Any, Entry]],
        routes: list[Callable[[bytes], Any] | None],
    ) -> None:
        self.call_type = call_type
        self.tag_field = TAGS[call_type]
        self.module = module
        self.builder = builder
        self.accepted, self.entries = tables
        self.routes = routes
        self.index = CALL_TYPES.index(call_type) + 1
        self.members: list[Any] = []
        self._pending: list[Entry] = []
        self._misses = 0
        self._placed: set[str | None] = set()
        self._lock = threading.Lock()
        self.never = msgspec.defstruct(
            f"Whole_never_{call_type}",
            [] if self.tag_field == "type" else [("type", Literal[call_type])],
            kw_only=True,
            gc=False,
            namespace={"__post_init__": refuse_all(module)},
            tag_field=self.tag_field,
            tag=NEVER_TAG,
        )

    @property
    def decode(self) -> Callable[[bytes], Any] | None:
        """The union's decoder (``None`` until a member is placed)."""
        return self.routes[self.index]

    def add(self, entry: Entry) -> None:
        """Put ``entry`` among the calls the next :meth:`place` adds."""
        if entry not in self._pending:
            self._pending.append(entry)

    def missed(self, entry: Entry) -> bool:
        """A message of ``entry``'s call, not yet in the union, took the general route; ``True`` when it
        has been placed now."""
        self.add(entry)
        self._misses += 1
        if self._misses > len(self.members) or len(self.members) < EAGER_UNION:
            self.place()
        return entry.whole is not None

    def place(self) -> None:
        """Add the pending calls to the union, and rebuild its decoder."""
        with self._lock:
            pending, self._pending = self._pending, []
            self._misses = 0
            for entry in pending:
                if entry.whole is None and entry.decoder is not None and entry.call.name not in self._placed:
                    self._placed.add(entry.call.name)
                    struct = self.struct(entry)
                    self.accepted[struct] = entry.accepted
                    self.entries[struct] = entry
                    self.members.append(struct)
                    entry.whole = struct
            if self.members:
                union: Any = Union.__getitem__((self.never, *self.members))
                self.routes[self.index] = msgspec.json.Decoder(union).decode

    def struct(self, entry: Entry) -> Any:
        """The struct of a whole message of ``entry``'s call (tagged by its name, or by ``type``)."""
        fields_type = entry.decoder.type if entry.decoder is not None else None
        call_type = self.call_type
        if call_type in ("identify", "group"):  # traits present: context.traits is not looked at
            fields: list[Any] = [("traits", fields_type), ("properties", Empty, UNSET)]
            if call_type == "group":
                fields.append(("groupId", PresentId))
            tag: str = call_type
        else:
            fields_key = "properties"
            known = (fields_key, fields_type) if entry.required else (fields_key, fields_type, UNSET)
            fields = [("type", Literal[call_type]), known, ("traits", Empty, UNSET)]
            tag = str(entry.call.name)
        return msgspec.defstruct(
            f"Whole_{self.builder.name()}",
            [*envelope_fields(), *fields],
            kw_only=True,
            gc=False,
            namespace={"__post_init__": envelope_check(self.module)},
            tag_field=self.tag_field,
            tag=tag,
        )


def fixed_route(
    struct: Any, verdict: Accepted, module: GeneratedModule, accepted: dict[Any, Accepted]
) -> Callable[[bytes], Any]:
    """The decoder of a call type whose every right message has one verdict (alias, identify or group
    without a plan): its envelope struct, in a union with a placeholder so that ``type`` must be there."""
    never = msgspec.defstruct(
        "Whole_never_type",
        [],
        kw_only=True,
        gc=False,
        namespace={"__post_init__": refuse_all(module)},
        tag_field="type",
        tag=NEVER_TAG,
    )
    accepted[struct] = verdict
    return msgspec.json.Decoder(Union.__getitem__((never, struct))).decode


def route_index(raw: bytes) -> int:
    """The :data:`TYPE_HINT` group number of the call type ``raw`` most likely has (0: none found): by its
    first ten bytes when it starts ``{"type":"`` and a call type's letter (:data:`FIRST_TEN`), else the first
    ``"type"`` key that names a call type.  ``validate_lines`` writes the same steps out in its loop."""
    index = FIRST_TEN.get(raw[:10])
    if index is not None:
        return index
    found = TYPE_HINT.search(raw)
    return 0 if found is None else found.lastindex or 0


__all__ = ["CALL_TYPES", "EAGER_UNION", "FIRST_LETTERS", "FIRST_TEN", "TYPE_FIRST", "TYPE_HINT", "WholeUnion", "fixed_route", "route_index"]
