"""Did-you-mean for unplanned names: the closest planned name, found through a character-trigram index.

``difflib.get_close_matches`` compares a word with every choice: against a plan of
thousands of events, and a log of thousands of distinct unplanned names, that is
millions of comparisons.  :class:`Suggester` indexes the planned names by their
character trigrams once; a word is compared (with difflib's own ratio and cutoff)
only with the few names that share the most trigrams with it.  Trigrams that most
names share say nothing about which is closest and are skipped.  Small lists are
compared whole, as ``difflib`` does.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from heapq import nlargest

CUTOFF = 0.6
"""The least ``difflib`` ratio of a suggestion (as :func:`cdpctl.loader.did_you_mean`)."""

CANDIDATES = 24
"""Names compared with a word, those sharing the most trigrams with it."""

WHOLE = 64
"""Lists up to this long are compared whole (no index)."""


def trigrams(word: str) -> set[str]:
    """The character trigrams of a word, lowercased, padded so that short words have some."""
    padded = f"  {word.lower()} "
    return {padded[index : index + 3] for index in range(len(padded) - 2)}


class Suggester:
    """The closest of a fixed list of names to a word (``None`` when none is close)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(dict.fromkeys(names))
        self.lowered = {name.lower(): name for name in self.names}
        self.index: dict[str, list[int]] = {}
        if len(self.names) > WHOLE:
            for number, name in enumerate(self.names):
                for gram in trigrams(name):
                    self.index.setdefault(gram, []).append(number)
        self.common = max(WHOLE, len(self.names) // 8)
        """Trigrams held by more names than this are skipped (when the word has rarer ones)."""

    def candidates(self, word: str) -> list[str]:
        """The names worth comparing with ``word``: all of a short list, else those sharing the most trigrams."""
        if not self.index:
            return self.names
        postings = [self.index[gram] for gram in trigrams(word) if gram in self.index]
        rare = [posting for posting in postings if len(posting) <= self.common]
        shared: dict[int, int] = {}
        for posting in rare or sorted(postings, key=len)[:2]:
            for number in posting:
                shared[number] = shared.get(number, 0) + 1
        best = nlargest(CANDIDATES, shared, key=shared.__getitem__)
        return [self.names[number] for number in best]

    def suggest(self, word: str) -> str | None:
        """The closest name (``difflib`` ratio of at least :data:`CUTOFF`), or one differing only in case."""
        matches = difflib.get_close_matches(word, self.candidates(word), n=1, cutoff=CUTOFF)
        if matches:
            return matches[0]
        return self.lowered.get(word.lower())

    def hint(self, word: str) -> str:
        """`` (did you mean 'x'?)`` for the closest name, or an empty string."""
        match = self.suggest(word)
        return f" (did you mean '{match}'?)" if match is not None else ""
