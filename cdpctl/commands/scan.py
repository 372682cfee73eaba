"""``cdpctl scan``: find the tracking calls in source code, and check them against the plan."""

from __future__ import annotations

from typing import Optional

import typer

from cdpctl.commands._help import choices

FORMATS = ("text", "json", "github", "sarif", "markdown", "yaml")


def scan_command(
    sources: Optional[list[str]] = typer.Argument(None, metavar="SRC...", help="Source files and folders (default: the current folder).", show_default=False),
    plan: Optional[str] = typer.Option(None, "--plan", "-p", help="Check the calls against this plan file (only when given: scan reads no plan from the configuration).",
                                show_default=False),
    call: Optional[list[str]] = typer.Option(
        None, "--call", help="A wrapper function of yours, as 'myTrack(event, props)' (repeat the option; also scan.calls in the config).",
        show_default=False,
    ),
    output_format: Optional[str] = typer.Option(None, "--format", "-f", metavar=choices(FORMATS),
                                                help="Report format (default: text; github under GitHub Actions).", show_default=False),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write the report here instead of stdout.", show_default=False),
) -> None:
    """Find the tracking calls in Python and JavaScript/TypeScript code; with --plan, check them against the plan.

    Example: cdpctl scan src/ web/ --plan plans/acme-shop.yaml --format github
    """
    import sys

    from cdpctl.commands._common import choose_format, exit_with, handle_errors, refuse_overwriting, write_text

    fmt = choose_format(output_format, FORMATS)
    with handle_errors():
        from cdpctl.config import find_config
        from cdpctl.errors import UsageError
        from cdpctl.scan import scan_paths
        from cdpctl.scan.check import check_calls
        from cdpctl.scan.model import parse_wrapper
        from cdpctl.scan.render import render, skeleton

        configured = find_config().section("scan").get("calls") or []
        if not isinstance(configured, list) or not all(isinstance(c, str) for c in configured):
            raise UsageError("scan.calls in the configuration must be a list of call shapes such as 'myTrack(event, props)'")
        try:
            wrappers = [parse_wrapper(text) for text in [*configured, *(call or [])]]
        except ValueError as exc:
            raise UsageError(f"--call: {exc}") from None
        loaded = None
        if plan is not None:
            from cdpctl.commands._common import load_plan_arg

            loaded = load_plan_arg(plan)
        given = list(sources or ["."])
        from cdpctl.scan import source_files

        read = [("a file of the plan", str(file)) for file in (loaded.files if loaded is not None else [])]
        refuse_overwriting(output, [*read, *(("a scanned source file", str(path)) for path in source_files(given))])
        result = scan_paths(given, wrappers, loaded)
        findings = check_calls(result.calls, result.failures, loaded)
        from cdpctl.reporting.limits import json_command

        command = json_command("cdpctl scan", list(sources or []), plan)
        text = render(fmt, result, findings, skeleton(result) if fmt == "yaml" else None, command)
        if fmt == "yaml":
            from cdpctl.commands._infer_run import mark_lint_errors

            text = mark_lint_errors(text, output if output not in (None, "-") else "<stdout>")
        write_text(output, text)
        errors = sum(1 for f in findings if f.severity == "error")
        if fmt != "text":
            sys.stderr.write(f"cdpctl: scanned {result.files} files: {len(result.calls)} calls, {errors} errors\n")
        exit_with(1 if errors else 0)


def register(app: typer.Typer) -> None:
    app.command("scan")(scan_command)
