"""``cdpctl scan``: static analysis of source code for tracking calls, checked against the plan.

:func:`scan_paths` walks the sources (Python with ``ast``; JavaScript, TypeScript, JSX and TSX with
tree-sitter's grammars), :func:`cdpctl.scan.check.check_calls` compares what it found with the plan,
and :mod:`cdpctl.scan.render` prints it in the shared formats.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cdpctl.errors import UsageError
from cdpctl.model import Plan
from cdpctl.scan.imports import FileNames, Index
from cdpctl.scan.model import FoundCall, ParseFailure, Wrapper, as_sent

LANGUAGES = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
             ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx"}
SKIPPED_FOLDERS = {"node_modules", ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "dist", "build", ".next",
                   ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages", "bower_components", "coverage"}
MAX_FILE_BYTES = 2 * 1024 * 1024
"""Larger source files (bundles, generated code) are skipped and named."""


@dataclass
class ScanResult:
    calls: list[FoundCall] = field(default_factory=list)
    failures: list[ParseFailure] = field(default_factory=list)
    files: int = 0
    skipped: list[str] = field(default_factory=list)


def source_files(paths: list[str]) -> list[Path]:
    """The source files under ``paths`` (files as given; folders walked, skipping vendored and build folders),
    each once: a file reached again (through a symbolic link, a folder named twice) keeps its first name."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            if path.suffix.lower() not in LANGUAGES:
                raise UsageError(f"'{given}' is not a Python, JavaScript or TypeScript file")
            found.append(path)
        elif path.is_dir():
            for root, folders, files in os.walk(path):
                folders[:] = sorted(f for f in folders if f not in SKIPPED_FOLDERS and not f.startswith("."))
                found.extend(Path(root) / name for name in sorted(files) if Path(name).suffix.lower() in LANGUAGES)
        elif path.exists():  # a FIFO, socket or device: never read, a parse_error of its own (scan_paths)
            found.append(path)
        else:
            raise UsageError(f"cannot read '{given}': no such file or folder")
    seen: set[str] = set()
    unique: list[Path] = []
    for path in found:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append(path)
    return unique


def _not_regular(path: Path) -> str:
    """Why ``path`` is not read: it is not a regular file (empty when it is one)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return ""
    if stat.S_ISREG(mode):
        return ""
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"not a regular file ({kind})"


def read_source(path: Path) -> bytes | None:
    """The bytes of a source file, read up to :data:`MAX_FILE_BYTES` (``None`` when it is larger): a file
    that grows while it is read, or a device that never ends, is never read whole into memory."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    return None if len(data) > MAX_FILE_BYTES else data


def python_text(data: bytes) -> tuple[str | None, str]:
    """The text of a Python source, decoded as Python decodes it (a BOM, a PEP 263 ``coding:`` cookie, else
    UTF-8), or None and why it cannot be."""
    import io
    import tokenize

    encoding = "utf-8"
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        return data.decode(encoding), ""
    except SyntaxError as exc:  # an unknown encoding in the cookie, a cookie that contradicts the BOM
        if exc.msg.startswith("invalid or missing encoding declaration"):
            return None, "is not UTF-8 and declares no other encoding (a '# -*- coding: ... -*-' line)"
        return None, f"cannot be decoded: {exc.msg}"
    except UnicodeDecodeError as exc:
        return None, f"is not {'UTF-8' if encoding.startswith('utf-8') else encoding}: {exc.reason}"


def generated_methods(plan: Plan | None) -> dict[str, tuple[str, str | None, dict[str, str]]] | None:
    """The methods of the cdpctl-generated client of ``plan``: name -> (call type, event, keyword -> property)."""
    if plan is None:
        return None
    from cdpctl.codegen.python import argument_names, method_names

    methods: dict[str, tuple[str, str | None, dict[str, str]]] = {}
    for (call_type, name), method in method_names(plan).items():
        call = plan.find_call(call_type, name)
        fields = call.fields if call is not None else {}
        methods[method] = (call_type, name, {arg: prop for prop, arg in argument_names(call_type, fields).items()})
    for call_type in ("identify", "group"):
        call = plan.find_call(call_type, None)
        if call is not None:
            methods[call_type] = (call_type, None, {arg: prop for prop, arg in argument_names(call_type, call.fields).items()})
    return methods


def _imported_names(calls: list[FoundCall], offered: list[FileNames]) -> None:
    """Give a call whose name is a constant of another scanned file that name (it was dynamic)."""
    pending = [call for call in calls if call.dynamic and call.name_ref]
    if not pending:
        return
    index = Index(offered)
    for call in pending:
        value = index.resolve(call.file, call.name_ref)
        if value is not None:
            call.event, call.dynamic, call.expression = as_sent(value), False, ""


def scan_paths(paths: list[str], wrappers: list[Wrapper] | None = None, plan: Plan | None = None) -> ScanResult:
    """Every tracking call in the source files under ``paths``; files that do not parse are named, never fatal.
    Raises :class:`UsageError` when ``paths`` hold no source file to scan (an empty folder, only bundles)."""
    from cdpctl.scan.js_source import scan_js
    from cdpctl.scan.python_source import scan_python

    result = ScanResult()
    wrappers = wrappers or []
    generated = generated_methods(plan)
    named = {Path(given) for given in paths}
    offered: list[FileNames] = []
    for path in source_files(paths):
        name = str(path)
        odd = _not_regular(path)
        if odd:  # found in a folder: a FIFO would wait for ever, a device never end
            result.failures.append(ParseFailure(name, 1, 1, f"cannot read: {odd}"))
            continue
        try:
            data = read_source(path)
        except OSError as exc:
            result.failures.append(ParseFailure(name, 1, 1, f"cannot read: {exc.strerror or exc}"))
            continue
        if data is None:
            too_large = f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"
            if path in named:  # asked for by name and not scanned: never an OK
                result.failures.append(ParseFailure(name, 1, 1, f"not scanned: {too_large}"))
            else:  # a bundle found in a folder: named, as documented
                result.skipped.append(f"{name}: {too_large}")
            continue
        result.files += 1
        language = LANGUAGES[path.suffix.lower()]
        if language == "python":
            text, why = python_text(data)
            if text is None:
                result.failures.append(ParseFailure(name, 1, 1, why))
                continue
            calls, failures, names = scan_python(text, name, wrappers, generated)
        else:
            calls, failures, names = scan_js(data, name, language, wrappers)
        result.calls.extend(calls)
        result.failures.extend(failures)
        if names is not None:
            offered.append(names)
    _imported_names(result.calls, offered)
    if not result.files and not result.failures:  # nothing was read: never an "OK 0 calls in 0 files"
        shown = ", ".join(f"'{given}'" for given in paths)
        skipped = f" ({len(result.skipped)} skipped: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB)" if result.skipped else ""
        raise UsageError(f"no Python, JavaScript or TypeScript source file to scan in {shown}{skipped}")
    return result
