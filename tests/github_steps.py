"""Run GitHub Actions ``run:`` steps the way a runner does, for the tests of what cdpctl ships for CI.

A step runs under ``bash --noprofile --norc -eo pipefail`` (GitHub's ``shell: bash``) with the
``GITHUB_*`` variables a pull_request run sets, and its ``${{ ... }}`` expressions filled in from a
context (``github.base_ref``, ``inputs.command``, ...); ``uses:`` steps are actions the test stands in for.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

BIN = str(Path(sys.executable).parent)
"""The interpreter's scripts folder: ``cdpctl`` and ``python`` as a job finds them on PATH."""

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, timeout=60,
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def clean_env() -> dict[str, str]:
    """This process's environment without the variables of a CI run it may itself be in."""
    return {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "RUNNER_"))}


def github_env(workspace: Path, context: Mapping[str, str], files: Path) -> dict[str, str]:
    """The variables GitHub Actions sets for a step (the ones cdpctl or the steps read)."""
    env = clean_env()
    env.update(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_EVENT_NAME": context.get("github.event_name", "pull_request"),
            "GITHUB_BASE_REF": context.get("github.base_ref", ""),
            "GITHUB_HEAD_REF": context.get("github.head_ref", ""),
            "GITHUB_REF": "refs/pull/1/merge",
            "GITHUB_REPOSITORY": "acme/shop",
            "GITHUB_STEP_SUMMARY": str(files / "summary.md"),
            "GITHUB_OUTPUT": str(files / "output.txt"),
            "GITHUB_ACTION_PATH": context.get("github.action_path", ""),
            "RUNNER_TEMP": str(files),
            "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        }
    )
    return env


def expand(text: str, context: Mapping[str, str]) -> str:
    """``${{ github.base_ref }}``, ``${{ inputs.plan }}``, ... -> their values from ``context``."""

    def value(match: re.Match[str]) -> str:
        assert match.group(1) in context, f"the test does not know ${{{{ {match.group(1)} }}}}"
        return context[match.group(1)]

    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", value, text)


def condition(expression: str, context: Mapping[str, str]) -> bool:
    """``if:`` expressions ``github.NAME == 'value'`` and ``success() || failure()`` (every earlier step ran)."""
    if expression.strip() == "success() || failure()":
        return True
    match = re.fullmatch(r"([\w.]+)\s*==\s*'([^']*)'", expression.strip())
    assert match is not None, f"the test cannot evaluate 'if: {expression}'"
    return context[match.group(1)] == match.group(2)


def run_step(step: Mapping[str, Any], workspace: Path, context: Mapping[str, str], files: Path) -> subprocess.CompletedProcess[str]:
    """One ``run:`` step, its ``env:`` expanded, in ``workspace``; ``files`` holds the summary and outputs."""
    env = github_env(workspace, context, files)
    env.update({key: expand(str(value), context) for key, value in step.get("env", {}).items()})
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", expand(step["run"], context)],
        cwd=workspace, capture_output=True, text=True, timeout=300, env=env,
    )
