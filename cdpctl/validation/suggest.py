"""Did-you-mean for unplanned names: the closest planned name, found through a character-trigram index.

``difflib.get_close_matches`` compares a word with every choice: against a plan of
thousands of events, and a log of thousands of distinct unplanned names, that is
millions of comparisons.  :class:`Suggester` indexes the planned names by their
character trigrams once; a word is scored only against the few names that share
the most of its rarest trigrams (trigrams that many names share say little about
which is closest), with rapidfuzz's normalized Indel similarity (``fuzz.ratio``,
difflib's ratio computed exactly and in C) and the same cutoff, 60%.  Small lists
are scored whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import chain

CUTOFF = 60.0
"""The least similarity (percent) of a suggestion (the 0.6 of :func:`cdpctl.loader.did_you_mean`)."""

CANDIDATES = 16
"""Names scored against a word: those sharing the most of its rarest trigrams."""

RARE = 8
"""The word's trigrams looked up in the index: the rarest in the plan."""

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
        self.longest = max((len(name) for name in self.names), default=0)
        self.index: dict[str, list[int]] = {}
        if len(self.names) > WHOLE:
            for number, name in enumerate(self.names):
                for gram in trigrams(name):
                    self.index.setdefault(gram, []).append(number)

    def candidates(self, word: str) -> list[str]:
        """The names worth comparing with ``word``: all of a short list, else those sharing the most trigrams."""
        if not self.index:
            return self.names
        index = self.index
        postings = sorted((index[gram] for gram in trigrams(word) if gram in index), key=len)[:RARE]
        shared = Counter(chain.from_iterable(postings))  # counted in C
        names = self.names
        return [names[number] for number, _ in shared.most_common(CANDIDATES)]

    def suggest(self, word: str) -> str | None:
        """The closest name (similarity of at least :data:`CUTOFF`), or one differing only in case."""
        if len(word) * CUTOFF > self.longest * (200 - CUTOFF):
            # too long to reach the cut-off with any name (ratio <= 2 * longest / (longest + len(word))):
            # a 30 MB name costs nothing to rule out
            return self.lowered.get(word.lower())
        from rapidfuzz import fuzz, process  # only when an unplanned name is met: start-up time

        match = process.extractOne(word, self.candidates(word), scorer=fuzz.ratio, score_cutoff=CUTOFF)
        if match is not None:
            return str(match[0])
        return self.lowered.get(word.lower())

    def hint(self, word: str) -> str:
        """`` (did you mean 'x'?)`` for the closest name, or an empty string."""
        match = self.suggest(word)
        return f" (did you mean '{match}'?)" if match is not None else ""
