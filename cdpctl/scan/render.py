"""``cdpctl scan`` output: text, json, github annotations, SARIF, markdown, and ``yaml`` (a plan skeleton)."""

from __future__ import annotations

from typing import Any

from cdpctl.scan import ScanResult
from cdpctl.scan.check import CODES, Finding

FORMATS = ("text", "json", "github", "sarif", "markdown", "yaml")


def summary(result: ScanResult, findings: list[Finding]) -> dict[str, Any]:
    counts = {"error": 0, "warning": 0}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return {"files": result.files, "calls": len(result.calls), "dynamic": sum(c.dynamic for c in result.calls),
            "parse_errors": len(result.failures), "errors": counts["error"], "warnings": counts["warning"],
            "skipped": result.skipped}


def _line(f: Finding) -> str:
    where = f"{f.file}:{f.line}:{f.column}: " if f.file else ""
    return f"{where}{f.severity}: {f.message} [{f.code}]"


def _call_line(c: Any) -> str:
    """``FILE:LINE:COL: SDK TYPE 'Name' {prop: type, ...}`` (``...``: properties the scan cannot see)."""
    fields = [p.name + (": " + p.type if p.type else "") for p in c.properties if not p.by_sdk] + ([] if c.complete else ["..."])
    name = repr(c.event) if c.event is not None else "<dynamic>" if c.dynamic else ""
    added = [p.name for p in c.properties if p.by_sdk]
    parts = (f"{c.file}:{c.line}:{c.column}:", c.sdk, c.call_type, name, f"{{{', '.join(fields)}}}",
             f"+ {', '.join(added)} (added by the SDK)" if added else "")
    return " ".join(part for part in parts if part)


def render_text(result: ScanResult, findings: list[Finding]) -> str:
    """One line a call, then one a finding (names from the code shown escaped: no terminal escapes, one line)."""
    from cdpctl.reporting.formats import one_line

    lines = [one_line(_call_line(c)) for c in result.calls]
    if findings:
        lines += ["", *(one_line(_line(f)) for f in findings)]
    s = summary(result, findings)
    lines += ["", f"{'FAIL' if s['errors'] else 'OK'}  {s['calls']:,} calls in {s['files']:,} files: {s['errors']:,} errors, "
              f"{s['warnings']:,} warnings, {s['parse_errors']:,} files did not parse"]
    lines += [f"skipped: {one_line(note)}" for note in result.skipped]
    return "\n".join(lines) + "\n"


def _results(findings: list[Finding]) -> list[Any]:
    from cdpctl.reporting import Result

    out = []
    for f in findings:  # a call no code sends is placed where the plan defines it
        at = f.planned_at
        file, line, column = (f.file, f.line, f.column) if at is None else (at.file, at.line, at.column)
        out.append(Result(f.code, f.severity, f.message, file, line, column, f"cdpctl scan: {f.code}"))
    return out


SKIPPED_RULE = "skipped_file"
"""The rule of a file not scanned (over the size limit, found in a folder) in SARIF and GitHub annotations: a note."""


def _skipped_results(result: ScanResult) -> list[Any]:
    """Each file skipped for its size, as a note on that file (``FILE: larger than 2 MB`` in ``result.skipped``)."""
    from cdpctl.reporting import Result

    out = []
    for note in result.skipped:
        file, _, why = note.rpartition(": ")
        out.append(Result(SKIPPED_RULE, "info", f"not scanned: {why}", file or None, title="cdpctl scan: file skipped"))
    return out


def render(
    fmt: str, result: ScanResult, findings: list[Finding], plan_document: dict[str, Any] | None = None,
    command: str = "cdpctl scan --format json",
) -> str:
    """The report in ``fmt``; ``command`` is what lists everything a capped format leaves out."""
    if fmt == "json":
        import orjson

        payload = {"summary": summary(result, findings), "calls": [c.to_json() for c in result.calls],
                   "findings": [f.to_json() for f in findings]}
        return orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "github":
        from cdpctl.reporting.limits import capped_annotations

        return capped_annotations(_results(findings), f"Run {command} for all of them.", first=_skipped_results(result))
    if fmt == "sarif":
        from cdpctl.reporting import RuleInfo, sarif_text

        def name(code: str) -> str:  # SARIF wants a rule's name apart from its id: parse_error -> ParseError
            return "".join(part.capitalize() for part in code.split("_"))

        rules = [RuleInfo(code, name(code), text, default_level=severity) for code, (severity, text) in CODES.items()]
        if result.skipped:
            rules.append(RuleInfo(SKIPPED_RULE, name(SKIPPED_RULE), "A file was not scanned (larger than the size limit).", default_level="info"))
        return sarif_text(rules, [*_skipped_results(result), *_results(findings)])
    if fmt == "markdown":
        return _markdown(result, findings, command)
    if fmt == "yaml":
        from cdpctl.interop.yamlwrite import dump_plan

        return dump_plan(plan_document or {}, header=["A plan skeleton from cdpctl scan: add types, descriptions and owners."])
    return render_text(result, findings)


def _markdown(result: ScanResult, findings: list[Finding], command: str) -> str:
    from cdpctl.reporting.formats import markdown_escape
    from cdpctl.reporting.limits import fit_markdown, left_out_line

    s = summary(result, findings)
    ordered = sorted(findings, key=lambda f: f.severity != "error")

    def render_rows(shown: int) -> str:
        out = [f"## {':x:' if s['errors'] else ':white_check_mark:'} Tracking calls in code: {s['errors']:,} errors, {s['warnings']:,} warnings",
               "", f"{s['calls']:,} calls in {s['files']:,} files ({s['dynamic']:,} with a dynamic name).", ""]
        if result.skipped:
            out += [f"Not scanned: {markdown_escape(note)}." for note in result.skipped[:20]]
            if len(result.skipped) > 20:
                out += [f"... and {len(result.skipped) - 20} more files not scanned (`{command}` lists them)."]
            out += [""]
        if ordered:
            out += ["| severity | where | finding |", "|---|---|---|"]
            out += [f"| {f.severity} | {markdown_escape(f'{f.file}:{f.line}' if f.file else '-')} | {markdown_escape(f.message)} |"
                    for f in ordered[:shown]]
            if shown < len(ordered):
                out += ["", left_out_line(len(ordered) - shown, len(ordered), "findings", command)]
        return "\n".join(out) + "\n"

    return fit_markdown(render_rows, len(ordered))


def skeleton(result: ScanResult) -> dict[str, Any]:
    """A plan document of the calls found: events, pages, screens and traits with the property types seen."""
    document: dict[str, Any] = {"plan": "Scanned plan", "version": "0.1.0", "description": "Skeleton written by cdpctl scan."}
    sections: dict[str, dict[str, Any]] = {"events": {}, "identify": {}, "group": {}, "pages": {}, "screens": {}}
    key = {"track": "events", "page": "pages", "screen": "screens", "identify": "identify", "group": "group"}
    for call in sorted(result.calls, key=lambda c: (c.call_type, c.event or "")):
        if call.dynamic or (call.event is None and call.call_type not in ("identify", "group")):
            continue
        if call.event is not None and not call.event.strip():  # a plan has no blank name (lint names the call)
            continue
        section = sections[key[call.call_type]]
        fields_key = "traits" if call.call_type in ("identify", "group") else "properties"
        body = section if call.call_type in ("identify", "group") else section.setdefault(call.event or "", {})
        fields = body.setdefault(fields_key, {})
        for prop in call.properties:
            known = fields.get(prop.name, {})
            kind = prop.type if prop.type not in (None, "null") else None
            if kind and known.get("type", kind) != kind:
                kind = "number" if {kind, known.get("type")} == {"integer", "number"} else "any"
            fields[prop.name] = {"type": kind or known.get("type") or "any"}
    for name in ("events", "identify", "group", "pages", "screens"):
        if sections[name]:
            document[name] = sections[name]
    from cdpctl.infer import Options, harmonise

    harmonise(document, Options())  # one name, one type across the calls, as infer's plans
    return document
