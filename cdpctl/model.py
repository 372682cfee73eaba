"""The plan model: every definition resolved, every node with its source position.

A :class:`Plan` is what the loader returns and what every command consumes.
Properties are *resolved*: a property that reuses a shared definition carries
the merged result (with ``shared`` naming the definition it came from), and a
property whose type is a reusable type carries that type's properties expanded
(with ``ref`` naming the type), so consumers never have to resolve anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cdpctl.errors import PlanIssue, Pos

BUILTIN_TYPES = ("string", "integer", "number", "boolean", "object", "array", "any")

CALL_TYPES = ("track", "identify", "group", "page", "screen")
"""Calls a plan can govern (``alias`` is only checked against the Segment Spec envelope)."""

SPEC_CALL_TYPES = ("track", "identify", "page", "screen", "group", "alias")
"""Every call type of the Segment Spec."""

CONSTRAINT_KEYS = (
    "enum",
    "const",
    "pattern",
    "format",
    "min_length",
    "max_length",
    "minimum",
    "maximum",
    "exclusive_minimum",
    "exclusive_maximum",
    "multiple_of",
    "min_items",
    "max_items",
    "unique_items",
)
"""Constraint keys of the plan format, in the order they are compiled."""

JSON_SCHEMA_KEYWORD = {
    "enum": "enum",
    "const": "const",
    "pattern": "pattern",
    "format": "format",
    "min_length": "minLength",
    "max_length": "maxLength",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusive_minimum": "exclusiveMinimum",
    "exclusive_maximum": "exclusiveMaximum",
    "multiple_of": "multipleOf",
    "min_items": "minItems",
    "max_items": "maxItems",
    "unique_items": "uniqueItems",
}

APPLIES_TO: dict[str, tuple[str, ...]] = {
    "pattern": ("string",),
    "format": ("string",),
    "min_length": ("string",),
    "max_length": ("string",),
    "minimum": ("integer", "number"),
    "maximum": ("integer", "number"),
    "exclusive_minimum": ("integer", "number"),
    "exclusive_maximum": ("integer", "number"),
    "multiple_of": ("integer", "number"),
    "min_items": ("array",),
    "max_items": ("array",),
    "unique_items": ("array",),
}
"""The types each type-specific constraint key applies to (``enum`` and ``const`` apply to all)."""

FORMATS = ("date-time", "date", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname")


@dataclass
class Property:
    """A property, trait or array item, fully resolved.

    ``type`` is always a builtin type name (``object`` for a reusable type);
    ``ref`` names the reusable type it came from and ``shared`` the shared
    property library entry it inherits from.  ``constraints`` holds the
    constraint keys of the plan format (snake_case) that apply.
    """

    name: str
    pos: Pos
    type: str = "any"
    ref: str | None = None
    shared: str | None = None
    required: bool = False
    nullable: bool = False
    description: str | None = None
    constraints: dict[str, Any] = field(default_factory=dict)
    items: Property | None = None
    properties: dict[str, Property] = field(default_factory=dict)
    additional_properties: bool = False
    deprecated: bool = False
    key_pos: dict[str, Pos] = field(default_factory=dict)
    """Position of each key as written where this property is defined (its own keys, not inherited ones)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys the plan format does not model but keeps (``x-`` extensions, ``json_schema`` escape hatch)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Property:
        """A deep copy, several times faster than the generic one (the loader copies shared definitions
        into every use).  Positions are immutable and shared; everything mutable is copied."""
        import copy

        result = object.__new__(Property)
        result.__dict__.update(self.__dict__)  # immutable fields (and any field added later) as they are
        result.constraints = {
            key: copy.deepcopy(value, memo) if isinstance(value, (list, dict)) else value
            for key, value in self.constraints.items()
        }
        result.items = None if self.items is None else self.items.__deepcopy__(memo)
        result.properties = {key: value.__deepcopy__(memo) for key, value in self.properties.items()}
        result.key_pos = dict(self.key_pos)
        result.extra = copy.deepcopy(self.extra, memo) if self.extra else {}
        memo[id(self)] = result
        return result

    def walk(self, path: str) -> Iterator[tuple[str, Property]]:
        """Yield ``(path, property)`` for this property and every nested one (``a.b``, ``a[]``)."""
        yield path, self
        for name, child in self.properties.items():
            yield from child.walk(f"{path}.{name}")
        if self.items is not None:
            yield from self.items.walk(f"{path}[]")


@dataclass
class TypeDef:
    """A reusable object shape from ``types:``."""

    name: str
    pos: Pos
    description: str | None = None
    properties: dict[str, Property] = field(default_factory=dict)
    additional_properties: bool = False
    additional_properties_set: bool = False
    key_pos: dict[str, Pos] = field(default_factory=dict)


@dataclass
class Call:
    """One governed call: a track event, a page, a screen, or the identify / group traits.

    ``name`` is the event name (track), the page or screen ``name``, or
    ``None`` for identify and group.  ``fields`` are the properties (track,
    page, screen) or the traits (identify, group); ``field_key`` says which.
    """

    type: str
    name: str | None
    pos: Pos
    description: str | None = None
    owner: str | None = None
    tags: list[str] = field(default_factory=list)
    deprecated: bool = False
    version: int | None = None
    fields: dict[str, Property] = field(default_factory=dict)
    additional_properties: bool = False
    key_pos: dict[str, Pos] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    common_fields: dict[str, Property] = field(default_factory=dict)
    """The plan's ``common:`` rules for this call's properties (track, page, screen) or traits (identify, group)."""
    common_context: dict[str, Property] = field(default_factory=dict)
    """The plan's ``common: context:`` rules (every call)."""

    @property
    def field_key(self) -> str:
        return "traits" if self.type in ("identify", "group") else "properties"

    @property
    def label(self) -> str:
        """Human name: ``Order Completed``, ``identify``, ``page Pricing``."""
        if self.type == "track" and self.name is not None:
            return self.name
        if self.name is None:
            return self.type
        return f"{self.type} {self.name}"

    def walk(self) -> Iterator[tuple[str, Property]]:
        """Every property reachable from this call, with its path (``properties.products[].price``)."""
        for name, prop in self.fields.items():
            yield from prop.walk(f"{self.field_key}.{name}")


@dataclass
class Common:
    """The plan's ``common:`` rules: they apply to every governed call (Segment's ``COMMON`` / global rule).

    ``properties`` apply to the properties of track, page and screen calls, ``traits`` to the
    traits of identify and group calls, ``context`` to the ``context`` object of every call.
    """

    pos: Pos
    description: str | None = None
    properties: dict[str, Property] = field(default_factory=dict)
    traits: dict[str, Property] = field(default_factory=dict)
    context: dict[str, Property] = field(default_factory=dict)
    key_pos: dict[str, Pos] = field(default_factory=dict)


@dataclass
class Plan:
    name: str
    version: str
    pos: Pos
    description: str | None = None
    default_additional_properties: bool = False
    properties: dict[str, Property] = field(default_factory=dict)
    """The shared property library, each entry resolved on its own."""
    types: dict[str, TypeDef] = field(default_factory=dict)
    events: dict[str, Call] = field(default_factory=dict)
    identify: Call | None = None
    group: Call | None = None
    pages: dict[str, Call] | None = None
    screens: dict[str, Call] | None = None
    files: list[str] = field(default_factory=list)
    """Every source file of the plan, the root first, then its includes."""
    sources: dict[str, str] = field(default_factory=dict)
    """The text of each source file (for carets under findings and suppression comments)."""
    key_pos: dict[str, Pos] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    common: Common | None = None
    """The ``common:`` rules, also attached to each call (``Call.common_fields`` / ``common_context``)."""
    kept_errors: list[PlanIssue] = field(default_factory=list)
    """Load errors kept, not raised, by a load with ``check_patterns=False`` (a pattern the engine cannot run):
    the plan does not load for any other command, and ``lint`` reports each as a ``plan-load`` error."""

    def calls(self) -> Iterator[Call]:
        """Every governed call, in a stable order: track events, identify, group, pages, screens."""
        yield from self.events.values()
        if self.identify is not None:
            yield self.identify
        if self.group is not None:
            yield self.group
        if self.pages is not None:
            yield from self.pages.values()
        if self.screens is not None:
            yield from self.screens.values()

    def governs(self, call_type: str) -> bool:
        """Whether calls of this type are governed by the plan (track always is)."""
        if call_type == "track":
            return True
        return {
            "identify": self.identify,
            "group": self.group,
            "page": self.pages,
            "screen": self.screens,
        }.get(call_type) is not None

    def find_call(self, call_type: str, name: str | None) -> Call | None:
        """The planned call for a message's type and event / name, if any."""
        if call_type == "track":
            return self.events.get(name) if name is not None else None
        if call_type == "identify":
            return self.identify
        if call_type == "group":
            return self.group
        if call_type == "page" and self.pages is not None:
            return self.pages.get(name) if name is not None else None
        if call_type == "screen" and self.screens is not None:
            return self.screens.get(name) if name is not None else None
        return None
