"""Run every cdpctl command from an installed wheel, outside the source tree.

Usage: python wheel_smoke.py WORKDIR   (with the wheel's virtual environment first on PATH)

Every command and subcommand the CLI registers answers --help; then a user's first session runs
for real: init, lint, compile, validate, diff, generate python (and imports the module), export,
import, schema, docs, coverage, infer, scan, serve (a message posted to it over HTTP), version.
Package data (the plan-format schema, templates) and lazily imported modules are exercised that way.
Exits 1 naming every command that failed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

EVENT = {
    "type": "track",
    "event": "Report Exported",
    "properties": {"report_id": "r1", "file_format": "csv"},
    "messageId": "m1",
    "timestamp": "2024-05-01T10:00:00Z",
    "userId": "u1",
}

failures: list[str] = []


def run(*args: str, ok: tuple[int, ...] = (0,), cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["cdpctl", *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    if done.returncode not in ok:
        failures.append(f"cdpctl {' '.join(args)}: exit {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done


def command_paths() -> list[list[str]]:
    """Every registered command and subcommand, from the installed CLI itself."""
    import typer

    from cdpctl.cli import build_app

    root = typer.main.get_command(build_app())
    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(root, [])
    return paths


def serve_once(work: Path) -> None:
    proc = subprocess.Popen(
        ["cdpctl", "serve", "--port", "0", "--format", "json", "--output", "serve-report.json"],
        cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        port = None
        deadline = time.monotonic() + 60
        assert proc.stderr is not None
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            for word in line.replace("/", " ").split():
                if word.startswith("127.0.0.1:") and word.rsplit(":", 1)[1].isdigit():
                    port = int(word.rsplit(":", 1)[1])
        if port is None:
            failures.append("cdpctl serve: no listening address on stderr")
            return
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/track", data=json.dumps(EVENT).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            if answer.status != 200:
                failures.append(f"cdpctl serve: POST /v1/track answered {answer.status}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            failures.append("cdpctl serve: did not stop on SIGINT")
    if not (work / "serve-report.json").is_file():
        failures.append("cdpctl serve: no shutdown report written")


def main() -> int:
    work = Path(sys.argv[1]).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ.pop("GITHUB_ACTIONS", None)
    import cdpctl

    if Path(cdpctl.__file__).resolve().is_relative_to(Path(__file__).resolve().parents[1]):
        failures.append(f"cdpctl is imported from the source tree ({cdpctl.__file__}), not from the wheel")
    paths = command_paths()
    for path in paths:
        run(*path, "--help", cwd=work)
    run("--version", cwd=work)
    run("version", "--json", cwd=work)
    run("init", "--yes", "--name", "Smoke", cwd=work)
    plan = "plans/tracking-plan.yaml"
    (work / "events.ndjson").write_text(json.dumps(EVENT) + "\n", encoding="utf-8")
    (work / "app.py").write_text('analytics.track("u1", "Report Exported", {"report_id": "r1"})\n', encoding="utf-8")
    run("lint", cwd=work)
    run("compile", plan, "--out", "schemas", cwd=work)
    run("validate", "events.ndjson", cwd=work)
    run("diff", plan, plan, cwd=work)
    run("generate", "python", plan, "-o", "tracking.py", cwd=work)
    imported = subprocess.run([sys.executable, "-c", "import tracking"], cwd=work, capture_output=True, text=True)
    if imported.returncode != 0:
        failures.append(f"generated module does not import: {imported.stderr[-2000:]}")
    run("export", "segment", plan, "-o", "rules.json", cwd=work)
    run("export", "jsonschema", plan, cwd=work)
    run("import", "segment", "rules.json", "-o", "imported.yaml", cwd=work)
    run("schema", cwd=work)
    run("docs", plan, "--out", "site", cwd=work)
    run("coverage", plan, "events.ndjson", ok=(0, 1), cwd=work)
    run("infer", "events.ndjson", "-o", "inferred.yaml", cwd=work)
    run("scan", "app.py", "--plan", plan, ok=(0, 1), cwd=work)
    serve_once(work)
    ran = {" ".join(path) for path in paths}
    print(f"wheel smoke: {len(ran)} commands answer --help; a session of every command ran; {len(failures)} failures")
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
