"""Safe, deterministic file-name slugs for event names, whatever characters they hold."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 80


WINDOWS_RESERVED = frozenset(
    ("con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10)))
)
"""Device names Windows reserves whatever the extension (``con.json`` is the console there)."""


def slugify(name: str) -> str:
    """``Order Completed`` -> ``order-completed``; never empty, never a path, at most 80 characters,
    never a Windows device name (``CON`` -> ``con-event``); lower case, so no two differ only by case."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NON_ALNUM.sub("-", ascii_name.lower()).strip("-")
    if not slug:
        slug = "event-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    if len(slug) > MAX_SLUG:
        slug = slug[: MAX_SLUG - 9].rstrip("-") + "-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    if slug in WINDOWS_RESERVED:
        slug += "-event"
    return slug


def unique_slugs(names: list[str]) -> dict[str, str]:
    """Slug each name; later names whose slug is taken get ``-2``, ``-3`` ... in order."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in names:
        base = slugify(name)
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        result[name] = slug
    return result
