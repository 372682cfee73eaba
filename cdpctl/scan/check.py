"""The findings of ``cdpctl scan``: calls compared with the plan, and files that did not parse.

Codes (public contract): ``parse_error`` (error), ``unplanned_event``, ``unplanned_property``,
``required_missing``, ``type_mismatch``, ``value_not_allowed`` (errors, with ``--plan``),
``dynamic_event_name`` (warning) and ``no_call_site`` (warning: a planned call no scanned code sends).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from cdpctl.errors import Pos
from cdpctl.model import Call, Plan, Property
from cdpctl.scan.model import NOT_LITERAL, FoundCall, FoundProperty, ParseFailure

CODES = {
    "parse_error": ("error", "A source file could not be parsed; it was not scanned."),
    "unplanned_event": ("error", "A call sends an event (page, screen) the plan does not define."),
    "unplanned_property": ("error", "A call sends a property the plan does not define, where unplanned properties are not allowed."),
    "required_missing": ("error", "A call does not send a property the plan requires (its properties are all known)."),
    "type_mismatch": ("error", "A literal (or typed) value has a type the plan does not allow."),
    "value_not_allowed": ("error", "A literal value is outside the property's enum or const."),
    "dynamic_event_name": ("warning", "The event name is computed at run time: the plan cannot be checked here."),
    "no_call_site": ("warning", "A planned call is sent by none of the scanned code."),
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    file: str | None
    line: int | None
    column: int | None
    event: str | None = None
    planned_at: Pos | None = field(default=None, compare=False)
    """Where the plan defines the call of a ``no_call_site`` finding (its place in SARIF and annotations)."""

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "file": self.file,
                "line": self.line, "column": self.column, "event": self.event}


def _finding(code: str, message: str, call: FoundCall | None = None) -> Finding:
    severity = CODES[code][0]
    if call is None:
        return Finding(code, severity, message, None, None, None)
    return Finding(code, severity, message, call.file, call.line, call.column, call.event)


def _type_ok(found: FoundProperty, planned: Property) -> bool:
    if found.type is None or planned.type == "any" or "json_schema" in planned.extra:
        return True
    if found.type == "null":
        return planned.nullable
    if found.type == "integer" and planned.type == "number":
        return True
    if found.type == "number" and planned.type == "integer":  # JSON Schema: 1.0 is an integer
        return found.may_be_whole or (isinstance(found.value, float) and found.value.is_integer())
    return found.type == planned.type


def _planned_call(plan: Plan, call: FoundCall) -> Call | None:
    return plan.find_call(call.call_type, call.event)


def _check_properties(call: FoundCall, planned: Call) -> list[Finding]:
    """The call's properties against the planned call's own and the plan's ``common:`` ones: a name in either
    is planned, a value must pass both where both have the name, and either may require it."""
    out: list[Finding] = []
    fields, common = planned.fields, planned.common_fields
    noun = "trait" if planned.field_key == "traits" else "property"
    sent = {p.name for p in call.properties}
    for found in call.properties:
        rules = [prop for prop in (fields.get(found.name), common.get(found.name)) if prop is not None]
        if not rules:
            if not planned.additional_properties and not found.by_sdk:  # the SDK's own: the plan's business at validate
                out.append(_finding("unplanned_property", f"{noun} '{found.name}' of {planned.label} is not in the tracking plan", call))
            continue
        for prop in rules:
            out.extend(f for f in _check_value(call, found, prop, f"{noun} '{found.name}' of {planned.label}") if f not in out)
    if call.complete:
        for name, prop in [*fields.items(), *common.items()]:
            missing = _finding("required_missing", f"required {noun} '{name}' of {planned.label} is not sent", call)
            if prop.required and name not in sent and missing not in out:
                out.append(missing)
    return out


def _check_value(call: FoundCall, found: FoundProperty, prop: Property, label: str) -> list[Finding]:
    """One property's type and literal value against one planned definition of it."""
    if not _type_ok(found, prop):
        expected = prop.type + (" or null" if prop.nullable else "")
        added = " (the SDK adds it to the call)" if found.by_sdk else ""
        return [_finding("type_mismatch", f"{label}: expected {expected}, got {found.type}{added}", call)]
    if found.value is NOT_LITERAL or found.value is None:
        return []
    out = []
    allowed = prop.constraints.get("enum")
    if allowed is not None and found.value not in allowed:
        shown = ", ".join(repr(v) for v in allowed[:10])
        out.append(_finding("value_not_allowed", f"{label}: {found.value!r} is not one of {shown}", call))
    const = prop.constraints.get("const")
    if "const" in prop.constraints and found.value != const:
        out.append(_finding("value_not_allowed", f"{label}: {found.value!r} is not {const!r}", call))
    return out


def check_calls(calls: list[FoundCall], failures: list[ParseFailure], plan: Plan | None) -> list[Finding]:
    """Every finding, in file and line order, then the planned calls without a call site."""
    findings = [Finding("parse_error", "error", f.message, f.file, f.line, f.column) for f in failures]
    sent: set[tuple[str, str | None]] = set()
    for call in calls:
        if call.dynamic:
            findings.append(_finding("dynamic_event_name", f"{call.call_type} name is computed at run time ({call.expression}): "
                                     "use a literal or a constant", call))
        if plan is None:
            continue
        if call.call_type in ("identify", "group"):
            sent.add((call.call_type, None))
        elif call.event is not None:
            sent.add((call.call_type, call.event))
        if call.dynamic or (call.call_type not in ("identify", "group") and call.event is None):
            continue
        if not plan.governs(call.call_type):
            continue
        planned = _planned_call(plan, call)
        if planned is None:
            label = call.event if call.call_type == "track" else f"{call.call_type} '{call.event}'"
            from cdpctl.loader import did_you_mean

            names = list(plan.events) if call.call_type == "track" else list((plan.pages if call.call_type == "page" else plan.screens) or {})
            findings.append(_finding("unplanned_event", f"{label} is not in the tracking plan{did_you_mean(call.event or '', names)}", call))
            continue
        findings.extend(_check_properties(call, planned))
    if plan is not None:
        for planned in plan.calls():
            if (planned.type, planned.name) not in sent:
                found = _finding("no_call_site", f"{planned.label} is planned but no scanned code sends it")
                findings.append(replace(found, planned_at=planned.pos))
    order = {code: index for index, code in enumerate(CODES)}
    findings.sort(key=lambda f: (f.file is None, f.file or "", f.line or 0, f.column or 0, order[f.code]))
    return findings
