"""``cdpctl coverage``: which planned calls and properties traffic actually uses, and what it sends unplanned.

:func:`coverage_report` turns :class:`~cdpctl.observe.Observations` into the report (a plain dict, the
JSON contract of ``--format json``); :func:`render_text` and :func:`render_markdown` print it.  The
share of planned calls seen is what ``--fail-under`` compares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cdpctl.model import Call, Plan
from cdpctl.observe import MAX_KEYS, OTHER, CallStats, Observations
from cdpctl.observe_nested import Node, Path, path_name, planned_tree
from cdpctl.reporting.formats import counted, one_line

UNPLANNED_TYPES = ("track", "page", "screen")


def _label(kind: str, name: str | None) -> str:
    if kind == "track" and name is not None:
        return name
    return kind if name is None else f"{kind} {name}"


def _planned_below(node: Node | None, path: Path) -> Iterator[Path]:
    """The paths of the fields the plan declares under a property (:func:`~cdpctl.observe_nested.planned_tree`),
    parents first."""
    if node is None:
        return
    if node.items is not None:
        yield from _planned_below(node.items, (*path, None))
    for name, inner in node.fields.items():
        here = (*path, name)
        yield here
        yield from _planned_below(inner, here)


def _row(name: str, planned: bool, count: int, null: int) -> dict[str, Any]:
    return {"name": name, "planned": planned, "sent": count, "null": null,
            "never_sent": planned and count == 0, "always_null": count > 0 and null == count}


def _properties(call: Call, stats: CallStats | None) -> list[dict[str, Any]]:
    """The call's planned properties (its own, then the plan's ``common:`` ones it does not define itself,
    marked ``common``), each followed by the fields the plan declares inside it (``address.city``,
    ``products[].sku``: ``parent`` names the top-level property) and the unplanned ones sent inside it;
    then the unplanned properties sent, by volume."""
    stats = stats or CallStats()
    sent, null, nested_sent, nested_null = stats.sent, stats.null, stats.nested_sent, stats.nested_null
    rows = []
    planned = [(name, False) for name in call.fields]
    planned += [(name, True) for name in call.common_fields if name not in call.fields]
    tree = planned_tree(call)
    extra: dict[str, list[Path]] = {}
    for path in stats.extra_sent:
        extra.setdefault(str(path[0]), []).append(path)
    for name, common in planned:
        row = _row(name, True, sent.get(name, 0), null.get(name, 0))
        rows.append({**row, "common": True} if common else row)
        for path in _planned_below(tree.get(name), (name,)):
            row = {**_row(path_name(path), True, nested_sent.get(path, 0), nested_null.get(path, 0)), "parent": name}
            rows.append({**row, "common": True} if common else row)
        for path in sorted(extra.get(name, ()), key=lambda p: (-stats.extra_sent[p], path_name(p))):
            count = stats.extra_sent[path]
            rows.append({**_row(path_name(path), False, count, stats.extra_null.get(path, 0)), "parent": name})
    known_names = {name for name, _common in planned}
    unplanned = sorted(((n, c) for n, c in sent.items() if n not in known_names), key=lambda item: (-item[1], item[0]))
    for name, count in unplanned:
        rows.append(_row(name, False, count, null.get(name, 0)))
    return rows


def coverage_report(plan: Plan, seen: Observations, since: str | None = None, until: str | None = None) -> dict[str, Any]:
    """The coverage report: per planned call, never-seen calls, unplanned calls; all counts exact."""
    calls: list[dict[str, Any]] = []
    never_seen: list[str] = []
    planned = set()
    for call in plan.calls():
        planned.add((call.type, call.name))
        stats = seen.calls.get((call.type, call.name))
        if stats is None or stats.volume == 0:
            never_seen.append(call.label)
            calls.append({"type": call.type, "name": call.name, "label": call.label, "volume": 0, "valid": 0,
                          "valid_share": None, "first_seen": None, "last_seen": None,
                          "properties": _properties(call, None)})
            continue
        calls.append({
            "type": call.type, "name": call.name, "label": call.label, "volume": stats.volume, "valid": stats.valid,
            "valid_share": round(stats.valid / stats.volume, 6), "first_seen": stats.first, "last_seen": stats.last,
            "properties": _properties(call, stats),
        })
    unplanned: list[dict[str, Any]] = [
        {"type": kind, "name": name, "label": _label(kind, name), "volume": stats.volume}
        for (kind, name), stats in seen.calls.items()
        if (kind, name) not in planned and kind in UNPLANNED_TYPES and (kind == "track" or plan.governs(kind))
    ]
    unplanned.sort(key=lambda item: (-item["volume"], item["type"], item["label"]))
    listed = planned | {(item["type"], item["name"]) for item in unplanned}
    other: list[dict[str, Any]] = [  # alias, calls the plan does not govern, messages of no Spec type
        {"type": kind, "name": name, "label": _label(kind, name), "volume": stats.volume}
        for (kind, name), stats in seen.calls.items()
        if (kind, name) not in listed
    ]
    other.sort(key=lambda item: (-item["volume"], item["type"], item["label"]))
    total = len(calls)
    seen_count = total - len(never_seen)
    return {
        "summary": {
            "records": seen.records,
            "malformed": seen.malformed,
            "outside_window": seen.outside,
            "since": since,
            "until": until,
            "planned_calls": total,
            "planned_calls_seen": seen_count,
            "coverage": round(100.0 * seen_count / total, 2) if total else 100.0,
            "unplanned_calls": sum(1 for item in unplanned if item["name"] != OTHER),  # the bucket is no call
            "other_messages": sum(item["volume"] for item in other),
            "other_bucket": any(name == OTHER for (_kind, name) in seen.calls),
            "unreadable": len(seen.unreadable),
        },
        "calls": calls,
        "never_seen": never_seen,
        "unplanned": unplanned,
        "other_calls": other,
        "input_errors": list(seen.unreadable),
    }


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _seen(call: dict[str, Any]) -> str:
    if call["first_seen"] is None:
        return "-"
    return f"{call['first_seen'][:19]}Z .. {call['last_seen'][:19]}Z"


def _under(name: str, parents: list[str]) -> bool:
    return any(name.startswith(parent) and name[len(parent):len(parent) + 1] in ".[" for parent in parents)


def _property_notes(call: dict[str, Any]) -> str:
    """``never sent: ...; always null: ...; unplanned: ...``; a nested field whose parent is named already
    (never sent, or always null) is left out."""
    never: list[str] = []
    null: list[str] = []
    for row in call["properties"]:
        if row["planned"] and not _under(row["name"], never + null):
            if row["never_sent"]:
                never.append(row["name"])
            elif row["always_null"]:
                null.append(row["name"])
    extra = [p["name"] for p in call["properties"] if not p["planned"]]
    notes = []
    if call["volume"] and never:
        notes.append("never sent: " + ", ".join(never))
    if null:
        notes.append("always null: " + ", ".join(null))
    if extra:
        notes.append("unplanned: " + ", ".join(extra))
    return "; ".join(notes)


def verdict(report: dict[str, Any], fail_under: float | None) -> tuple[bool, str]:
    """Whether the run passes (every input read to its end, and ``--fail-under``), and the line that says so."""
    summary = report["summary"]
    left_out = [f"{count:,} {what}" for count, what in
                ((summary["malformed"], "malformed"), (summary["outside_window"], "outside the window")) if count]
    seen, total = summary["planned_calls_seen"], summary["planned_calls"]
    exact = 100.0 * seen / total if total else 100.0
    ok = fail_under is None or seen * 100 >= fail_under * total  # the exact share, not its rounding
    shown = f"{exact:.1f}"
    if not ok and float(shown) >= (fail_under or 0):  # rounded up to the threshold: enough digits to differ
        shown = f"{exact:.6g}"
    line = (f"{shown}% of planned calls seen ({seen:,} of {total:,}); {summary['unplanned_calls']:,} unplanned calls; "
            f"{summary['records']:,} records read"
            + (f" ({', '.join(left_out)})" if left_out else ""))
    unread = summary.get("unreadable", 0)
    if unread:
        line = f"{unread} input{'s' if unread != 1 else ''} not read to the end; " + line
    if fail_under is None:
        return not unread, ("FAIL: " if unread else "COVERAGE ") + line
    line += f", {'at least' if ok else 'under'} --fail-under {fail_under:g}%"
    return ok and not unread, ("OK: " if ok and not unread else "FAIL: ") + line


def _unread_lines(report: dict[str, Any], bullet: str) -> list[str]:
    return [f"{bullet}not read to the end: {one_line(error)}" for error in report.get("input_errors", [])]


def render_text(report: dict[str, Any], fail_under: float | None = None, columns: int | None = None) -> str:
    """A plain-text table per call (sorted by volume), then the never-seen and unplanned lists; ``columns``:
    the terminal's width, which the table's lines fit (names shortened first, then the notes under them)."""
    rows = sorted(report["calls"], key=lambda c: (-c["volume"], c["label"]))
    width = min(max([len("Call"), *(len(c["label"]) for c in rows)]), 40)
    if columns is not None:  # the volume, valid share and two dates take 64 cells
        width = max(len("Call"), min(width, columns - 64))

    def fit(line: str) -> str:
        return line if columns is None or len(line) <= columns else line[: columns - 1] + "…"

    lines = [f"{'Call':<{width}}  {'Volume':>9}  {'Valid':>5}  Seen", "-" * min(width + 60, columns or width + 60)]
    for call in rows:
        label = one_line(call["label"])
        label = label if len(label) <= width else label[: width - 1] + "…"
        lines.append(fit(f"{label:<{width}}  {call['volume']:>9,}  {_share(call['valid_share']):>5}  {_seen(call)}"))
        notes = one_line(_property_notes(call))
        if notes:
            lines.append(fit(f"{'':<{width}}  {notes}"))
    if report["never_seen"]:
        lines += ["", f"Planned but never seen ({len(report['never_seen'])}): " + ", ".join(map(one_line, report["never_seen"]))]
    named, bucket = _named_and_bucket(report["unplanned"])
    if named:
        lines += ["", "Unplanned calls by volume: " + _by_volume(named, one_line, 20, " (--format json lists all)")]
    if bucket:
        lines += ["", bucket]
    if report.get("other_calls"):
        lines += ["", "Not governed by the plan: " + _by_volume(report["other_calls"], one_line, 20, "")]
    lines += ["", *_unread_lines(report, ""), verdict(report, fail_under)[1]]
    return "\n".join(lines) + "\n"


def render_markdown(report: dict[str, Any], fail_under: float | None = None, command: str = "cdpctl coverage --format json") -> str:
    """A pull-request comment: the verdict, the calls by volume, never-seen and unplanned calls; under the cap."""
    from cdpctl.reporting.formats import CELL_LIMIT, markdown_escape, shorten
    from cdpctl.reporting.limits import fit_markdown, left_out_line

    def cell(text: str) -> str:
        return markdown_escape(shorten(text, CELL_LIMIT))

    rows = sorted(report["calls"], key=lambda c: (-c["volume"], c["label"]))

    def render(shown: int) -> str:
        unread = [f"- {markdown_escape(line)}" for line in _unread_lines(report, "")]
        out = ["## Tracking plan coverage", "", verdict(report, fail_under)[1], "", *unread, *([""] if unread else [])]
        out += ["| call | volume | valid | first and last seen | properties |", "|---|---:|---:|---|---|"]
        out += [f"| {cell(c['label'])} | {c['volume']:,} | {_share(c['valid_share'])} | {_seen(c)} | {cell(_property_notes(c))} |"
                for c in rows[:shown]]
        if shown < len(rows):
            out += ["", left_out_line(len(rows) - shown, len(rows), "calls", command)]
        if report["never_seen"]:
            names, more = report["never_seen"][:200], len(report["never_seen"]) - 200
            out += ["", f"**Planned but never seen** ({len(report['never_seen'])}): " + ", ".join(cell(n) for n in names)
                    + (f" and {more:,} more (`{command}` lists all)" if more > 0 else "")]
        named, bucket = _named_and_bucket(report["unplanned"])
        if named:
            out += ["", f"**Unplanned calls** ({len(named)}, by volume): "
                    + _by_volume(named, cell, 100, f" (`{command}` lists all)")]
        if bucket:
            out += ["", bucket]
        if report.get("other_calls"):
            out += ["", "**Not governed by the plan**: " + _by_volume(report["other_calls"], cell, 20, "")]
        return "\n".join(out) + "\n"

    return fit_markdown(render, len(rows))


def _named_and_bucket(unplanned: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """The unplanned calls kept by name, and the line that says what was counted together beyond
    :data:`~cdpctl.observe.MAX_KEYS` distinct calls (empty when nothing was)."""
    named = [item for item in unplanned if item["name"] != OTHER]
    beyond = sum(item["volume"] for item in unplanned if item["name"] == OTHER)
    if not beyond:
        return named, ""
    return named, (f"{counted(beyond, 'message')} of further unplanned calls counted together as '{OTHER}': beyond "
                   f"{MAX_KEYS:,} distinct calls, their names are not kept")


def _by_volume(calls: list[dict[str, Any]], show: Callable[[str], str], limit: int, more: str | None) -> str:
    """``Order Complete (12), alias (2)``: the first ``limit`` calls (already by volume), each label through
    ``show``; then ``and N more`` followed by ``more`` (``None``: the rest left unsaid)."""
    text = ", ".join(f"{show(call['label'])} ({call['volume']:,})" for call in calls[:limit])
    return text + (f" and {len(calls) - limit} more{more}" if more is not None and len(calls) > limit else "")
