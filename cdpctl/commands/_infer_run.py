"""What ``cdpctl infer`` does once its arguments are parsed: infer, write, then load and lint what it wrote."""

from __future__ import annotations

import sys

from cdpctl.commands._common import require_plan_file, write_text
from cdpctl.infer import Inference, Options
from cdpctl.infer_update import ADDED
from cdpctl.model import Plan
from cdpctl.reporting.formats import counted, one_line

EMPTY = "empty"
"""No message was read (and that is not allowed): nothing is written."""
PARTIAL = "partial"
"""The plan is written but does not describe every message read (calls beyond the cap)."""


def run_infer(
    logs: list[str], out: str | None, update: str | None, name: str, options: Options, extract: bool, allow_empty: bool
) -> str | None:
    """Infer and write the plan; :data:`EMPTY` or :data:`PARTIAL` when the run must not end with an OK."""
    from cdpctl.errors import UsageError
    from cdpctl.infer import infer_sources, plan_document
    from cdpctl.interop.yamlwrite import dump_plan

    if update is not None:
        require_plan_file(update)  # before the logs are read: a misspelt name is said at once
    _refuse_writing_over_a_log(out, logs)
    inference = infer_sources(logs, options)
    if not inference.calls and not inference.unnamed and not allow_empty:
        return EMPTY
    if update is None:
        text = dump_plan(
            plan_document(inference, name, options, extract),
            header=["Inferred by cdpctl infer: review every definition, then add descriptions and owners."],
        )
        text = mark_lint_errors(text, out if out not in (None, "-") else "<stdout>")
        added: list[str] = []
        elsewhere: list[str] = []
    else:
        import yaml

        from cdpctl.infer_update import merge_into
        from cdpctl.interop.yamlcomments import file_comments
        from cdpctl.loader import load_plan, read_text_file

        plan = load_plan(update)  # the plan must load before it is rewritten
        if len(plan.files) > 1:
            raise UsageError(
                f"'{update}' includes other files; --update rewrites one file: merge with -o into a new file instead"
            )
        original = read_text_file(update)  # as the loader read it: UTF-8, or UTF-16 with its byte order mark
        original = original.replace("\r\n", "\n").replace("\r", "\n")  # as text mode read it: comments stay by line
        document = yaml.safe_load(original) or {}
        merged, comments, added, elsewhere = merge_into(document, plan_document(inference, name, options, extract=False, governing=True))
        kept = file_comments(original)  # the comments people wrote, right above the keys they belong to
        for path, notes in comments.items():
            kept.by_key[path] = [*notes, *kept.by_key.get(path, [])]
        text = dump_plan(merged, kept.by_key, header=kept.header, trailer=kept.trailer)
        # what the traffic added is kept as seen (marked as without --update); what people wrote is theirs
        text = mark_lint_errors(text, out if out not in (None, "-") else "<stdout>", only=added_lines(text))
    write_text(out, text, whole=True)  # a plan is never left half written
    plan = _report(inference, text, out, added, None if update is None else added_lines(text))
    for line in elsewhere:
        sys.stderr.write(f"cdpctl: note: not added: {one_line(line)}\n")
    return _unplanned_notes(inference, plan)


def _unplanned_notes(inference: Inference, plan: Plan) -> str | None:
    """Say what the plan leaves ungoverned or undescribed; :data:`PARTIAL` when messages read are not described."""
    from cdpctl.infer import MAX_CALLS
    for kind, count in sorted(inference.unnamed.items()):
        seen = f"{counted(count, kind + ' call')} without a name {'was' if count == 1 else 'were'} seen"
        if plan.governs(kind):  # --update of a plan that governs them: its author decided
            sys.stderr.write(f"cdpctl: note: the plan's {kind}s: section refuses them: {seen}\n")
        else:
            sys.stderr.write(
                f"cdpctl: note: no {kind}s: section: {seen}, which such a section refuses, so {kind}s stay "
                f"ungoverned (name every {kind} call, then run infer again to plan them)\n"
            )
    if inference.beyond_cap:
        sys.stderr.write(
            f"cdpctl: error: the plan does not describe {counted(inference.beyond_cap, 'message')}: more than "
            f"{MAX_CALLS:,} distinct calls were seen (event names built from data? cdpctl lint's dynamic-event-name "
            "names such names)\n"
        )
        return PARTIAL
    return None


def _report(inference: object, text: str, out: str | None, added: list[str], only: set[int] | None) -> Plan:
    """Load and lint what was written, and return the plan loaded; name what lint says of the names it
    added (they are kept as seen; ``only``: the lines added to a plan, whose other lines are what people
    wrote)."""
    from cdpctl.lint.config import load_lint_config
    from cdpctl.lint.runner import lint_plan
    from cdpctl.loader import load_plan_text
    where = out if out not in (None, "-") else "<stdout>"
    plan = load_plan_text(text, where or "<stdout>")
    report = lint_plan(plan, load_lint_config())
    naming = [f for f in report.findings if f.code in ("CP101", "CP102", "CP103", "CP104")]
    suppressed = report.suppressed
    if only is not None:
        naming = [f for f in naming if f.pos.line in only]
        suppressed = [f for f in suppressed if f.pos.line in only]
    for finding in sorted([*naming, *suppressed], key=lambda f: f.sort_key()):
        sys.stderr.write(f"cdpctl: note: kept as seen: {finding.pos}: {finding.rule}: {one_line(finding.message)}\n")
    if suppressed:
        sys.stderr.write(
            f"cdpctl: note: {counted(len(suppressed), 'lint error')} the traffic itself has "
            f"{'is' if len(suppressed) == 1 else 'are'} kept as seen and marked '# cdpctl: disable=...' in the plan: "
            "review them\n"
        )
    skipped = getattr(inference, "skipped", {})
    for reason, count in sorted(skipped.items()):
        sys.stderr.write(f"cdpctl: note: {counted(count, 'message')} skipped: {reason}\n")
    calls = sum(1 for _ in plan.calls())
    summary = counted(len(added), "addition") if added else counted(calls, "call")
    read = counted(getattr(inference, "messages", 0), "message")
    sys.stderr.write(f"cdpctl: inferred {summary} from {read} to {one_line(where)}\n")
    return plan


def mark_lint_errors(text: str, where: str, only: set[int] | None = None) -> str:
    """``text`` with a ``# cdpctl: disable=RULE`` comment above each line lint finds an error on (of the
    lines ``only`` numbers, when given).

    The inferred plan describes the traffic as seen: a name the Spec reserves, or one name sent with two
    types, is what the apps send.  Kept as seen, it must not fail ``cdpctl lint``; the comment marks it
    for review, and :func:`_report` names it.
    """
    from cdpctl.lint.config import load_lint_config
    from cdpctl.lint.runner import lint_plan
    from cdpctl.loader import load_plan_text

    report = lint_plan(load_plan_text(text, where), load_lint_config())
    rules: dict[int, set[str]] = {}
    for finding in report.findings:
        at = finding.pos.line
        if finding.severity == "error" and finding.pos.file == where and at > 0 and (only is None or at in only):
            rules.setdefault(at, set()).add(finding.rule)
    if not rules:
        return text
    lines = text.split("\n")
    for number in sorted(rules, reverse=True):
        line = lines[number - 1]
        indent = line[: len(line) - len(line.lstrip(" "))]
        lines.insert(number - 1, f"{indent}# cdpctl: disable={','.join(sorted(rules[number]))}")
    return "\n".join(lines)


def added_lines(text: str) -> set[int]:
    """The numbers (from 1) of the lines ``infer --update`` added to a plan: each key under an
    ``# added by cdpctl infer`` comment, and every line nested under it."""
    marked: set[int] = set()
    block: int | None = None  # the indentation of the added key whose block is being read
    pending = False
    for number, line in enumerate(text.split("\n"), 1):
        body = line.lstrip(" ")
        if not body:
            continue
        indent = len(line) - len(body)
        if block is not None and indent > block:
            marked.add(number)
            continue
        if body.startswith("#"):
            block = None
            pending = pending or body[1:].strip() == ADDED
            continue
        block = indent if pending else None
        if pending:
            marked.add(number)
        pending = False
    return marked


def _refuse_writing_over_a_log(out: str | None, logs: list[str]) -> None:
    """Exit 2 when ``out`` is one of the logs read, given by name, in a folder or through a glob."""
    from cdpctl.commands._common import refuse_overwriting
    from cdpctl.validation.targets import logs_read

    if out is None or out == "-":
        return
    refuse_overwriting(out, logs_read(logs), "the plan (-o)")
