"""MkDocs hook: adds the reference pages generated from the code (see ``cdpctl.docsref``)."""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files


def on_files(files: Files, config: Any) -> Files:
    from cdpctl.docsref import reference_pages

    for path, text in reference_pages().items():
        files.append(File.generated(config, path, content=text))
    return files
