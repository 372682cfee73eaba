"""Notes about an import or export: what was kept as raw JSON Schema, what could not be represented."""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("info", "warning")


@dataclass(frozen=True)
class Note:
    """One remark about the conversion, at a JSON pointer into the source document.

    ``warning``: something could not be represented and was left out (the message says what);
    ``info``: something was kept in a form worth a look (a raw JSON Schema escape hatch).
    """

    pointer: str
    message: str
    severity: str = "warning"

    def __str__(self) -> str:
        """One line: control characters from names in the source (newlines...) are shown escaped."""
        return _one_line(f"{self.severity}: {self.pointer or '/'}: {self.message}")


def _one_line(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else repr(char)[1:-1] for char in text)


def pointer_join(base: str, *tokens: str | int) -> str:
    """``base`` extended by each token, escaped per RFC 6901 (``~`` -> ``~0``, ``/`` -> ``~1``)."""
    parts = [base]
    for token in tokens:
        parts.append("/" + str(token).replace("~", "~0").replace("/", "~1"))
    return "".join(parts)
