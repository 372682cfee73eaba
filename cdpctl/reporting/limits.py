"""Reports that fit where they are read: markdown under GitHub's comment size, annotations under its caps.

GitHub refuses a comment (and a step summary) over 65,536 characters, and shows at most
10 error and 10 warning annotations a step.  Every command's markdown goes through
:func:`fit_markdown` and every ``--format github`` through :func:`capped_annotations`:
the most important items first, then one line saying how many were left out and where
to see all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cdpctl.reporting.formats import GITHUB_LEVELS, Result, github_annotations, markdown_code

MARKDOWN_LIMIT = 60_000
"""Characters a markdown report may take (GitHub's limit is 65,536: room left for a wrapper)."""

ANNOTATION_CAP = 10
"""Annotations of each level (error, warning, notice) emitted per run (GitHub shows 10 of each a step)."""

_RANK = {"error": 0, "warning": 1, "notice": 2}


def fit_markdown(render: Callable[[int], str], total: int, limit: int = MARKDOWN_LIMIT) -> str:
    """The longest ``render(shown)`` (``shown`` rows of ``total``, worst first) that stays within ``limit``.

    ``render`` must say, when ``shown < total``, how many rows it left out and which command
    lists them all.  Should even ``render(0)`` be too long (thousands of headings), the text is
    cut at a line end and says so.
    """
    full = render(total)
    if len(full) <= limit:
        return full
    low, high = 0, total - 1  # the answer lies in [low, high] when render(low) fits
    if len(render(0)) > limit:
        return _cut(render(0), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if len(render(middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    return render(low)


def _cut(text: str, limit: int) -> str:
    note = "\n\n_The report was cut here: it would not fit in a GitHub comment. `--format json` has all of it._\n"
    head = text[: limit - len(note)]
    return head[: head.rfind("\n") + 1] + note if "\n" in head else head + note


def json_command(command: str, paths: Sequence[str], plan: str | None = None) -> str:
    """The command that shows everything a capped report left out: ``command`` (``cdpctl coverage``) on the
    same inputs (the first three, then ``…``) and plan, with ``--format json``, quoted as a shell reads it."""
    import shlex

    words = [command, *map(shlex.quote, paths[:3]), *(["…"] if len(paths) > 3 else [])]
    if plan:
        words.append(f"--plan {shlex.quote(plan)}")
    return " ".join([*words, "--format json"])


def left_out_line(left: int, total: int, noun: str, command: str) -> str:
    """The markdown line under a shortened table: how many rows are missing and the command that lists them."""
    return (
        f"_{left:,} of {total:,} {noun} not shown (the report stays under {MARKDOWN_LIMIT:,} characters); "
        f"{markdown_code(command)} lists all of them._"
    )


def _importance(result: Result) -> tuple[int, int]:
    count = result.properties.get("count") if result.properties else None
    level = GITHUB_LEVELS.get(result.level, "error")
    return _RANK.get(level, 2), -(count if isinstance(count, int) else 0)


def capped_annotations(
    results: Sequence[Result], where: str, cap: int = ANNOTATION_CAP, first: Sequence[Result] = ()
) -> str:
    """At most ``cap`` annotations of each level (errors first, the most frequent first), then one ``::notice``.

    ``first`` come before every other result and count within the same caps (what was not read
    or checked: it must not be the annotation GitHub drops).

    Notices (info-level results) get ``cap - 1`` places: the last notice says how many
    results were left out and ``where`` every one can be seen (the step summary, an
    artifact, a command).
    """
    ordered = [*first, *sorted(results, key=_importance)]
    room = {"error": cap, "warning": cap, "notice": cap - 1}
    shown: list[Result] = []
    left = dict.fromkeys(room, 0)
    for result in ordered:
        level = GITHUB_LEVELS.get(result.level, "error")
        if room[level] > 0:
            room[level] -= 1
            shown.append(result)
        else:
            left[level] += 1
    text = github_annotations(shown)
    missing = sum(left.values())
    if missing:
        names = {"error": "errors", "warning": "warnings", "notice": "notes"}
        parts = [f"{left[level]:,} {name}" for level, name in names.items() if left[level]]
        notice = Result(
            "more",
            "info",
            f"{missing:,} more ({', '.join(parts)}) not annotated: GitHub shows {cap} of each kind a step. {where}",
            title="cdpctl: more results",
        )
        text += github_annotations([notice])
    return text
