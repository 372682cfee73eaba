"""Writes the catalog: a self-contained static site (no server, no CDN) that works from ``file://``.

Four files: ``index.html`` (the shell, with a Content-Security-Policy that allows only the site's own
script and style), ``app.js`` and ``style.css`` (fixed assets shipped with cdpctl) and ``data.js``
(the catalog data as one JSON value assigned to a global; every ``<``, ``>``, ``&`` and line separator
is escaped, so plan text can never close or inject a script).  No file is built by pasting plan text
into HTML or code; the output is byte-for-byte deterministic.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from cdpctl.atomic import replace_file
from cdpctl.errors import CdpctlError

FILES = ("index.html", "app.js", "style.css", "data.js")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'"
)

INDEX = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cdpctl docs">
<title>Tracking plan catalog</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="#/" id="plan-name">Tracking plan</a>
  <span class="version" id="plan-version"></span>
</header>
<div class="layout">
  <nav class="side" aria-label="Catalog">
    <form class="search" role="search" id="search-form">
      <label for="q">Search events, properties and descriptions</label>
      <input id="q" type="search" autocomplete="off" placeholder="Search">
      <label for="f-tag">Tag</label>
      <select id="f-tag"><option value="">All tags</option></select>
      <label for="f-owner">Owner</label>
      <select id="f-owner"><option value="">All owners</option></select>
      <label for="f-status">Status</label>
      <select id="f-status"><option value="">Any status</option><option value="active">Active</option><option value="deprecated">Deprecated</option></select>
    </form>
    <ul id="links" class="links"></ul>
  </nav>
  <main id="main" tabindex="-1"><noscript><p>This catalog needs JavaScript to render.</p></noscript></main>
</div>
<script src="data.js"></script>
<script src="app.js"></script>
</body>
</html>
"""


class CatalogError(CdpctlError):
    """The catalog cannot be written (exit status 2)."""


def data_script(data: dict[str, Any]) -> str:
    """The data file: ``window.CDPCTL_CATALOG = {...};`` with markup characters escaped (through ``JSON.parse``
    when a key is ``__proto__``, which an object literal would take for the object's prototype)."""
    try:
        raw = orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    except (TypeError, orjson.JSONEncodeError):  # integers beyond 64 bits
        raw = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()
    for char, escape in ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"), ("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029")):
        raw = raw.replace(char, escape)
    text = raw.decode("utf-8")
    if '"__proto__"' in text:  # an object literal reads that key as the prototype; JSON.parse keeps it a key
        return "window.CDPCTL_CATALOG = JSON.parse(" + json.dumps(text) + ");\n"
    return "window.CDPCTL_CATALOG = " + text + ";\n"


def _asset(name: str) -> str:
    return resources.files("cdpctl.catalog").joinpath("assets").joinpath(name).read_text(encoding="utf-8")


def site_files(data: dict[str, Any]) -> dict[str, str]:
    """Every file of the site by name."""
    return {
        "index.html": INDEX.format(csp=CSP),
        "app.js": _asset("app.js"),
        "style.css": _asset("style.css"),
        "data.js": data_script(data),
    }


def write_site(data: dict[str, Any], out: str | os.PathLike[str], protected: list[str] | None = None) -> list[Path]:
    """Write the site into ``out`` (created if needed); never over a file named in ``protected``."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise CatalogError(f"'{folder}' exists and is not a folder")
    from cdpctl.validation.targets import same_file

    written = []
    files = site_files(data)
    for name in FILES:  # the same file, not only the same name: a hard link in --out names the plan too
        if any(same_file(str(folder / name), str(path)) for path in protected or []):
            raise CatalogError(f"writing '{folder / name}' would overwrite an input; choose another --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogError(f"cannot write the catalog to '{folder}': {exc.strerror or exc}") from exc
    for name in FILES:
        target = folder / name
        try:
            replace_file(target, files[name])
        except OSError as exc:
            raise CatalogError(f"cannot write '{target}': {exc.strerror or exc}") from exc
        written.append(target)
    return written
