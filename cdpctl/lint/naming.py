"""Naming styles (Object Action, snake_case, camelCase, ...): checking a name and suggesting the fix."""

from __future__ import annotations

import re

MINOR_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "per", "the", "to", "via", "with"}
)
"""Words Title Case leaves in lower case inside a name (``Product Added to Wishlist``)."""

_TITLE_WORD = r"[A-Z0-9][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
_STYLE_PATTERNS: dict[str, re.Pattern[str]] = {
    "Object Action": re.compile(rf"^{_TITLE_WORD}(?: (?:{_TITLE_WORD}|[a-z]+))* {_TITLE_WORD}$"),
    "Title Case": re.compile(rf"^{_TITLE_WORD}(?: (?:{_TITLE_WORD}|[a-z]+))*$"),
    "Sentence case": re.compile(r"^[A-Z][a-z0-9]*(?: [a-z0-9]+)*$"),
    "snake_case": re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"),
    "camelCase": re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$"),
    "PascalCase": re.compile(r"^[A-Z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$"),
    "kebab-case": re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"),
}
STYLES = tuple(_STYLE_PATTERNS)
"""Every naming style, by its canonical name."""

_EXAMPLES = {
    "Object Action": "Order Completed",
    "Title Case": "Order Completed",
    "Sentence case": "Order completed",
    "snake_case": "order_completed",
    "camelCase": "orderCompleted",
    "PascalCase": "OrderCompleted",
    "kebab-case": "order-completed",
}


def _norm(style: str) -> str:
    return re.sub(r"[^a-z]", "", style.lower())


_BY_NORM = {_norm(style): style for style in STYLES}


def canonical_style(style: str) -> str | None:
    """The canonical name of ``style`` (``snake-case``, ``SNAKE_CASE`` -> ``snake_case``), or None."""
    return _BY_NORM.get(_norm(style))


def example(style: str) -> str:
    return _EXAMPLES[style]


def _shape(name: str, caseless: str) -> str:
    """``name`` with each letter written ``A`` (upper case), ``a`` (lower case) or ``caseless`` (a letter
    without case: CJK, Arabic...) and each digit ``0``: the ASCII patterns of the styles then judge any script
    (``Café Réservé`` is Title Case)."""
    return "".join(
        ("A" if char.isupper() else "a" if char.islower() else caseless) if char.isalpha()
        else "0" if char.isdigit() else char if char.isascii() else "?"
        for char in name
    )


def split_words(name: str) -> list[str]:
    """The words of a name in any style and script: ``orderID_value`` -> ``['order', 'ID', 'value']``."""
    words: list[str] = []
    shape = _shape(name, "a")
    for chunk in re.finditer(r"[Aa0]+", shape):
        start = chunk.start()
        for word in re.finditer(r"A+(?=Aa)|A?a+|A+|0+", chunk.group()):
            words.append(name[start + word.start() : start + word.end()])
    return words


def _title(word: str, acronyms: bool = True) -> str:
    """``word`` in Title Case; a word in capitals stays as it is (an acronym: ``API``) when ``acronyms``."""
    return word if acronyms and word.isupper() and len(word) > 1 else word[:1].upper() + word[1:].lower()


def _shouted(words: list[str]) -> bool:
    """Whether a name of two words or more has every cased word in capitals (``ORDER COMPLETED``): words in
    capitals are acronyms inside a name (``API Key Created``), not when they are all there is."""
    cased = [word for word in words if word.upper() != word.lower()]
    return len(cased) >= 2 and all(word.isupper() for word in cased)


def convert(name: str, style: str) -> str:
    """``name`` rewritten in ``style`` (best effort; empty when it has no words)."""
    words = split_words(name)
    if not words:
        return ""
    lower = [word.lower() for word in words]
    if style in ("Object Action", "Title Case"):
        acronyms = not _shouted(words)
        out = [_title(words[0], acronyms)]
        for index, word in enumerate(words[1:], start=1):
            last = index == len(words) - 1
            out.append(word.lower() if word.lower() in MINOR_WORDS and not last else _title(word, acronyms))
        return " ".join(out)
    if style == "Sentence case":
        return " ".join([_title(words[0]), *lower[1:]])
    if style == "snake_case":
        return "_".join(lower)
    if style == "kebab-case":
        return "-".join(lower)
    if style == "camelCase":
        return lower[0] + "".join(word.capitalize() for word in lower[1:])
    return "".join(word.capitalize() for word in lower)


def matches(name: str, style: str) -> bool:
    """Whether ``name`` follows ``style``; minor words of Title Case must be lower case inside a name."""
    pattern = _STYLE_PATTERNS[style]
    if not (pattern.match(_shape(name, "a")) or pattern.match(_shape(name, "A"))):
        return False
    if style in ("Object Action", "Title Case"):
        words = name.split(" ")
        if _shouted(words):
            return False
        for index, word in enumerate(words):
            inner = 0 < index < len(words) - 1
            if word.islower() and not (inner and word in MINOR_WORDS):
                return False
    return True


IRREGULAR_PAST = frozenset(
    ["begun", "bought", "brought", "built", "caught", "chosen", "come", "done", "drawn", "driven", "eaten", "fallen", "felt", "found", "forgotten", "given", "gone", "got", "gotten", "grown", "heard", "held", "hidden", "hit", "hung", "kept", "known", "laid", "lead", "led", "left", "lent", "let", "lost", "made", "meant", "met", "paid", "put", "quit", "read", "rebuilt", "redone", "reset", "resent", "ridden", "risen", "run", "said", "seen", "sent", "set", "shown", "shut", "sold", "sought", "spent", "split", "spread", "stood", "stuck", "swept", "taken", "taught", "thrown", "told", "understood", "undone", "unsubscribed", "upheld", "withdrawn", "won", "written"]
)


def is_past_tense(word: str) -> bool:
    """A rough check that an action word is in the past tense (``Completed``, ``Sent``)."""
    lowered = word.lower()
    return lowered.endswith("ed") or lowered in IRREGULAR_PAST
