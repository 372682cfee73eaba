"""Runtime support embedded verbatim in every generated Python tracking client.

This module is real, importable, type-checked code; the emitter copies
everything below the ``# --- runtime ---`` marker (then the same part of
:mod:`.runtime_formats`, :mod:`.runtime_nfa` and :mod:`.runtime_patterns`) into the generated module,
whose import block includes every import listed here.  There is no
``from __future__ import annotations`` (here or in the generated module):
annotations are evaluated once at import, which is much cheaper than the
string annotations that ``TypedDict`` would compile one by one.  It needs only the
standard library; ``jsonschema`` is imported lazily, and only when a
``Tracker`` is built with ``validate=True``.

Violation codes are those ``cdpctl validate`` reports: ``invalid_envelope``,
``unplanned_event``, ``unplanned_property``, ``required_missing``,
``type_mismatch``, ``value_not_allowed``, ``constraint_failed`` and
``deprecated_event`` (a warning).
"""

import importlib
import json
import logging
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Any, ClassVar, Final, cast

from cdpctl.codegen.runtime_envelope import SPEC_CALL_TYPES, _classify, _envelope_problems
from cdpctl.codegen.runtime_formats import _DATE_TIME_PATTERN, _FORMAT_RULES, _format
from cdpctl.codegen.runtime_patterns import _multiple_of, _pattern_keywords, _unique_items, _with_keywords

# --- runtime ---
STRICT_ENV: Final = "CDPCTL_TRACKING_STRICT"
"""Environment variable: ``1`` makes the default violation handler raise, ``0`` makes it log."""

_LOG: Final = logging.getLogger(__name__)


class NotSent(Enum):
    """The default of optional properties: the property is left out (``None`` sends an explicit null)."""

    NOT_SENT = "NOT_SENT"

    def __repr__(self) -> str:
        return "NOT_SENT"


NOT_SENT: Final = NotSent.NOT_SENT


@dataclass(frozen=True)
class Violation:
    """One way a message breaks the tracking plan; ``code`` is the code ``cdpctl validate`` reports."""

    code: str
    severity: str
    type: str | None
    event: str | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"{self.code}{where}: {self.message}"


class PlanViolationError(Exception):
    """Raised by the default handler (under pytest or with the strict variable set) for error violations."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(str(violation) for violation in self.violations))


ViolationHandler = Callable[[Sequence[Violation]], None]


def _strict() -> bool:
    flag = os.environ.get(STRICT_ENV, "").strip().lower()
    if flag in ("1", "true", "yes", "on"):
        return True
    if flag in ("0", "false", "no", "off"):
        return False
    return "PYTEST_CURRENT_TEST" in os.environ


def default_violation_handler(violations: Sequence[Violation]) -> None:
    """Raise :class:`PlanViolationError` for errors in tests (or when strict), log everything otherwise."""
    errors = [violation for violation in violations if violation.severity == "error"]
    if errors and _strict():
        raise PlanViolationError(errors)
    for violation in violations:
        level = logging.ERROR if violation.severity == "error" else logging.WARNING
        _LOG.log(level, "tracking plan violation in %s: %s", violation.event or violation.type, violation)


_UTC: Final = timezone(timedelta(0))


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    return value.isoformat()


_PLAIN: Final = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: object) -> Any:
    """A JSON-ready copy: datetimes as ISO-8601 (naive ones taken as UTC), dates as ``YYYY-MM-DD``."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in cast("dict[object, object]", value).items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in cast("list[object]", value)]
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in cast("Mapping[object, object]", value).items()}
    if isinstance(value, tuple):  # lists were handled above
        return [_jsonable(item) for item in cast("tuple[object, ...]", value)]
    return value


def _read_back(value: object) -> tuple[object, list[tuple[str, str]]]:
    """``value`` as a JSON reader gets it back from the SDK, and ``(path, problem)`` of what no JSON text holds.

    A surrogate pair in a string is the one character its JSON escapes decode to; a lone surrogate is a
    problem (replaced by U+FFFD in what the checks see), and so is a NaN or infinite float.  Iterative, as
    deep as the message nests.  The NaN problems come first, each kind sorted by path.
    """
    numbers: list[tuple[str, str]] = []
    lone: set[str] = set()

    def text(item: str, path: str) -> str:
        if item.isascii():
            return item
        try:
            item.encode("utf-8")
            return item
        except UnicodeEncodeError:
            paired = item.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
            if paired.count("\ufffd") > item.count("\ufffd"):
                lone.add(path)
            return paired

    root: list[object] = [value]
    stack: list[tuple[Any, Any, object, str]] = [(root, 0, value, "")]  # (holder, slot, item, path)
    while stack:
        holder, slot, item, path = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                numbers.append((path, f"{'NaN' if math.isnan(item) else 'Infinity' if item > 0 else '-Infinity'} is not a JSON number"))
        elif isinstance(item, str):
            holder[slot] = text(item, path)
        elif isinstance(item, Mapping):
            copy: dict[str, object] = {}
            holder[slot] = copy
            for key, child in cast("Mapping[object, object]", item).items():
                name = text(str(key), path)
                copy[name] = child
                stack.append((copy, name, child, f"{path}.{key}" if path else str(key)))
        elif isinstance(item, list | tuple):
            items = list(cast("Sequence[object]", item))
            holder[slot] = items
            stack.extend((items, index, child, f"{path}[]") for index, child in enumerate(items))
    lone_text = "a lone surrogate is not text: the JSON would be malformed"
    return root[0], [*sorted(numbers), *((path, lone_text) for path in sorted(lone))]


def _says_valid(fast: Any, document: object) -> bool:
    """jsonschema-rs's yes; a message nesting deeper than it reads (older releases raise ``ValueError``) is
    left to jsonschema, never an exception in the app."""
    try:
        return bool(fast.is_valid(document))
    except (ValueError, RecursionError):
        return False


_NAME_KEYS: Final = {"track": "event", "page": "name", "screen": "name"}
_DRAFT_07: Final = "http://json-schema.org/draft-07/schema#"


def _field_key(call_type: str) -> str:
    return "traits" if call_type in ("identify", "group") else "properties"


def _call_schema(call_type: str, name: str | None, planned: Mapping[str, Any]) -> dict[str, Any]:
    """The compiled JSON Schema of a whole message of one call (what ``cdpctl compile`` writes for it).

    Only the call's own part (``planned``: title, description, deprecated, and the schema of its
    properties or traits) is embedded per call; the Segment Spec envelope is the same for every call.
    """
    id_schema: dict[str, Any] = {"type": ["string", "number", "null"]}
    present: dict[str, Any] = {"type": ["string", "number"], "minLength": 1}
    timestamp: dict[str, Any] = {"type": "string", "format": "date-time", "pattern": _DATE_TIME_PATTERN}
    properties: dict[str, Any] = {"type": {"const": call_type}}
    required = ["type"]
    name_key = _NAME_KEYS.get(call_type)
    if name_key is not None and name is not None:
        properties[name_key] = {"const": name}
        required.append(name_key)
    properties["userId"] = id_schema
    properties["anonymousId"] = id_schema
    if call_type == "group":
        properties["groupId"] = present
        required.append("groupId")
    properties["messageId"] = {"type": "string", "maxLength": 100}
    for field in ("timestamp", "sentAt", "originalTimestamp", "receivedAt"):
        properties[field] = timestamp
    properties["properties"] = {"type": "object"}  # the call's own object is replaced by its rules below
    properties["traits"] = {"type": "object"}
    context = planned.get("context", {"type": "object"})
    properties["context"] = context
    if "required" in context:
        required.append("context")
    properties["integrations"] = {"type": "object"}
    fields = planned["fields"]
    properties[_field_key(call_type)] = fields
    if "required" in fields:
        required.append(_field_key(call_type))
    schema: dict[str, Any] = {"$schema": _DRAFT_07, "title": planned["title"]}
    if planned.get("description"):
        schema["description"] = planned["description"]
    if planned.get("deprecated"):
        schema["deprecated"] = True
    schema.update(
        {
            "type": "object",
            "properties": properties,
            "required": required,
            "anyOf": [{"required": [field], "properties": {field: present}} for field in ("userId", "anonymousId")],
        }
    )
    return schema


class _TrackerBase:
    """What every generated ``Tracker`` shares: sending, message building and optional validation."""

    _SCHEMAS: ClassVar[Mapping[tuple[str, str | None], str]] = {}
    """The planned part of each call's schema, as JSON (see :func:`_call_schema`)."""
    _GOVERNED: ClassVar[frozenset[str]] = frozenset({"track"})
    _DEPRECATED: ClassVar[frozenset[str]] = frozenset()
    _PATTERNS: ClassVar[Mapping[str, str]] = {}
    """Each pattern of the plan (ECMA-262) in RE2 syntax, for :func:`_pattern_keywords`."""
    _QUICK_PATTERNS: ClassVar[Mapping[str, str]] = {}
    """Each simple pattern of the plan in Python ``re`` syntax, for short values (see :func:`_pure_search`)."""

    def __init__(
        self,
        client: Any,
        *,
        validate: bool = False,
        on_violation: ViolationHandler | None = None,
    ) -> None:
        """Wrap ``client``: any object with the Segment SDK methods (the ``segment.analytics`` module, a
        ``Client``, a RudderStack client, a test double).  With ``validate=True`` every message is checked
        against the plan before it is sent and ``on_violation`` receives the violations (default:
        :func:`default_violation_handler`); if the handler raises, the message is not sent.
        """
        self._client = client
        self._validate = validate
        self._on_violation: ViolationHandler = on_violation or default_violation_handler
        self._validators: dict[tuple[str, str | None], tuple[Any, Any]] = {}
        self._fast = True

    def _planned(self, key: tuple[str, str | None]) -> dict[str, Any]:
        """The planned part of one call's schema (what :func:`_call_schema` completes)."""
        return cast("dict[str, Any]", json.loads(self._SCHEMAS[key]))

    def _validator(self, call_type: str, name: str | None) -> tuple[Any, Any]:
        """``(fast, full)``: an optional jsonschema-rs validator that only says yes or no, and jsonschema's."""
        key = (call_type, name)
        if key not in self._validators:
            schema = _call_schema(call_type, name, self._planned(key))
            validators = importlib.import_module("jsonschema.validators")
            keywords = {
                "format": _format, "uniqueItems": _unique_items, "multipleOf": _multiple_of,
                **_pattern_keywords(self._PATTERNS, self._QUICK_PATTERNS),
            }  # fmt: skip
            full = _with_keywords(validators.validator_for(schema), keywords)(schema)
            try:  # the format rules beyond the patterns as custom formats (an older jsonschema-rs: no shortcut)
                fast = importlib.import_module("jsonschema_rs").validator_for(
                    schema, validate_formats=True, formats=_FORMAT_RULES
                )
            except (ImportError, TypeError, ValueError):
                fast = None
            self._validators[key] = (fast, full)
        return self._validators[key]

    def check(self, message: object) -> list[Violation]:
        """Every plan violation of one Segment message (``{"type": "track", "event": ..., ...}``), with the
        codes and paths ``cdpctl validate`` reports: the Spec envelope of any message, then the plan's rules
        for the calls it governs."""
        if not isinstance(message, Mapping):
            text = "a message must be a JSON object (not an array, a string, a number, a boolean or null)"
            return [Violation("invalid_envelope", "error", None, None, "", text)]
        read, problems = _read_back(cast("Mapping[str, object]", message))
        document = cast("dict[str, Any]", read)  # a copy already (a message is a mapping)
        raw_type = document.get("type")
        call_type = raw_type if isinstance(raw_type, str) and raw_type in SPEC_CALL_TYPES else None
        name_key = _NAME_KEYS.get(call_type or "")
        name = document.get(name_key) if name_key else None
        event = name if isinstance(name, str) else None
        found: dict[tuple[str, str], Violation] = {}
        for path, text in problems:  # NaN, Infinity or a lone surrogate: not JSON, a malformed record
            found[("malformed_json", path)] = Violation("malformed_json", "error", call_type, event, path, text)
        envelope = _envelope_problems(document)
        for path, text in envelope:
            found[("invalid_envelope", path)] = Violation("invalid_envelope", "error", call_type, event, path, text)
        if call_type is None or call_type not in self._GOVERNED or any(path in ("type", "event") for path, _ in envelope):
            return list(found.values())
        if (call_type, event) not in self._SCHEMAS:
            shown = f"'{event}'" if event is not None else "without a name"
            text = f"{call_type} {shown} is not in the tracking plan"
            found[("unplanned_event", "")] = Violation("unplanned_event", "error", call_type, event, "", text)
            return list(found.values())
        field_key = _field_key(call_type)
        if call_type == "track" and event in self._DEPRECATED:
            text = f"'{event}' is deprecated in the tracking plan"
            found[("deprecated_event", "event")] = Violation("deprecated_event", "warning", call_type, event, "event", text)
        fast, full = self._validator(call_type, event)
        if self._fast and fast is not None and _says_valid(fast, document):
            return list(found.values())
        fields_ok = isinstance(document.get(field_key, {}), dict)
        for error in full.iter_errors(document):
            for code, path, text in _classify(error, field_key):
                if code == "invalid_envelope" and not path:
                    continue  # an id, the type, a name or a groupId missing: the envelope said it at its path
                if path.partition(".")[0] == field_key and not fields_ok:
                    continue  # not an object: the envelope said so, and nothing inside is planned
                found.setdefault((code, path), Violation(code, "error", call_type, event, path, text))
        mistyped = {path for code, path in found if code == "type_mismatch"}
        return [
            violation
            for (code, path), violation in found.items()
            if code not in ("value_not_allowed", "constraint_failed") or path not in mistyped
        ]

    def _send(
        self,
        call_type: str,
        name: str | None,
        fields: Mapping[str, Any] | None,
        *,
        extra: Mapping[str, Any] | None = None,
        user_id: str | int | None,
        anonymous_id: str | int | None,
        context: Mapping[str, Any] | None,
        timestamp: datetime | None,
        integrations: Mapping[str, Any] | None,
        message_id: str | None,
        group_id: str | int | None = None,
        category: str | None = None,
    ) -> object:
        if (user_id is None or user_id == "") and (anonymous_id is None or anonymous_id == ""):
            label = name if call_type == "track" else f"{call_type} {name}" if name else call_type
            raise ValueError(f"{label}: pass user_id or anonymous_id (a Segment message needs at least one)")
        payload: dict[str, Any] = dict(_jsonable(extra)) if extra else {}
        if fields is not None:
            payload.update({key: _jsonable(value) for key, value in fields.items() if value is not NOT_SENT})
        field_key = _field_key(call_type)
        sent_context: dict[str, Any] = _jsonable(context) if context else {}
        sent_integrations: dict[str, Any] = _jsonable(integrations) if integrations else {}
        if self._validate:
            message: dict[str, Any] = {"type": call_type}
            name_key = _NAME_KEYS.get(call_type)
            if name_key is not None and name is not None:
                message[name_key] = name
            envelope = (
                ("userId", user_id),
                ("anonymousId", anonymous_id),
                ("groupId", group_id),
                ("category", category),
                ("messageId", message_id),
                ("timestamp", _iso(timestamp) if timestamp is not None else None),
            )
            message.update({key: value for key, value in envelope if value is not None})
            message[field_key] = payload
            message["context"] = sent_context
            message["integrations"] = sent_integrations
            violations = self.check(message)
            if violations:
                self._on_violation(violations)
        arguments: dict[str, Any] = {
            "user_id": user_id,
            "anonymous_id": anonymous_id,
            field_key: payload,
            "context": sent_context,
            "timestamp": timestamp,
            "integrations": sent_integrations,
        }
        if call_type == "track":
            arguments["event"] = name
        elif call_type == "group":
            arguments["group_id"] = group_id
        elif call_type in ("page", "screen"):
            arguments["name"] = name
            arguments["category"] = category
        if message_id is not None:
            arguments["message_id"] = message_id
        method: Callable[..., Any] = getattr(self._client, call_type)
        return method(**arguments)
