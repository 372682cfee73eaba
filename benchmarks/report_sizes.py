"""Sizes of CI reports on large inputs: markdown characters and GitHub annotations, capped and uncapped.

Usage: python benchmarks/report_sizes.py [--groups 3000]

Builds a log with ``--groups`` violation groups (unplanned events with long names) and
two plans whose diff has as many breaking changes (long event and property names),
then prints, for validate, diff and lint, what the markdown report and ``--format
github`` hold with the limits (what cdpctl writes) and without them (every row, every
annotation), so the ratio shows what the limits keep out of a PR comment.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cdpctl.reporting import limits  # noqa: E402

PLAN = ROOT / "plans" / "acme-shop.yaml"
LONG = "Checkout Step Viewed With A Rather Long And Descriptive Name Number"


def annotations(text: str) -> str:
    levels = re.findall(r"^::(error|warning|notice)\b", text, flags=re.MULTILINE)
    return ", ".join(f"{levels.count(level)} {level}" for level in ("error", "warning", "notice"))


def uncapped(render: object) -> tuple[str, str]:
    """What ``render()`` gives with the limits lifted (the size it would have without them)."""
    saved = limits.fit_markdown.__defaults__, limits.capped_annotations.__defaults__
    limits.fit_markdown.__defaults__ = (10**12,)
    # Only ``cap`` (the first default) is lifted: the others (``first``) keep their values.
    limits.capped_annotations.__defaults__ = (10**9, *(saved[1] or ())[1:])
    try:
        return render()  # type: ignore[operator, no-any-return]
    finally:
        limits.fit_markdown.__defaults__, limits.capped_annotations.__defaults__ = saved


def validate_reports(folder: Path, groups: int) -> tuple[str, str]:
    from cdpctl.loader import load_plan
    from cdpctl.validation import Validator
    from cdpctl.validation.inputs import Source
    from cdpctl.validation.render import render_github, render_markdown
    from cdpctl.validation.runner import validate_sources

    log = folder / "events.ndjson"
    log.write_text("".join(json.dumps({"type": "track", "event": f"{LONG} {i:05d}", "userId": "u"}) + "\n" for i in range(groups)))
    report = validate_sources(Validator(load_plan(str(PLAN))), [Source(str(log))]).report
    return render_markdown(report), render_github(report)


def diff_reports(folder: Path, changes: int) -> tuple[str, str]:
    from cdpctl.diff import compare
    from cdpctl.diff.render import render_github, render_markdown
    from cdpctl.loader import load_plan_text

    prefix = "Very Long Event Name For A Product Surface That Keeps Going"
    old = ["plan: Big", "version: 1.0.0", "events:"]
    new = ["plan: Big", "version: 2.0.0", "events:"]
    for i in range(changes):
        old += [f"  {prefix} {i:05d}:", "    properties:", f"      a_rather_long_property_name_that_explains_itself_{i}: {{type: string}}"]
        new += [f"  {prefix} {i:05d}: {{}}"]
    report = compare(load_plan_text("\n".join(old) + "\n", "old.yaml"), load_plan_text("\n".join(new) + "\n", "new.yaml"), "old.yaml", "new.yaml")
    return render_markdown([report], "both"), render_github([report], "both")


def lint_reports(folder: Path, events: int) -> tuple[str, str]:
    from cdpctl.lint.config import load_lint_config
    from cdpctl.lint.output import render_github, render_markdown
    from cdpctl.lint.runner import lint_plan
    from cdpctl.loader import load_plan_text

    text = "".join(f"  event_number_{i}:\n    properties:\n      someProp{i}: {{type: string}}\n" for i in range(events))
    report = lint_plan(load_plan_text(f"plan: Lint\nversion: 1.0.0\nevents:\n{text}", "plan.yaml"), load_lint_config())
    return render_markdown(report, "error"), render_github(report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=3000)
    args = parser.parse_args()
    out = io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        for name, noun, build in (
            ("validate", "violation groups", validate_reports),
            ("diff", "breaking changes", diff_reports),
            ("lint", "badly named events", lint_reports),
        ):
            markdown, github = build(Path(folder), args.groups)
            full_markdown, full_github = uncapped(lambda build=build: build(Path(folder), args.groups))
            out.write(
                f"{name:<9} {args.groups:,} {noun}: markdown {len(markdown):>7,} characters "
                f"(uncapped {len(full_markdown):>9,}: {len(full_markdown) / len(markdown):.1f}x); "
                f"github {annotations(github)} (uncapped {annotations(full_github)})\n"
            )
    sys.stdout.write(out.getvalue())


if __name__ == "__main__":
    main()
