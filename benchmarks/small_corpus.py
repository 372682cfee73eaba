"""Generate a small-message validation corpus: a plan of every governed call type and an NDJSON log of
200 to 400 byte messages (page, screen, identify, group, alias and short track calls), about 5% invalid.

    python benchmarks/small_corpus.py OUT_DIR --events 200000

writes OUT_DIR/plan.yaml and OUT_DIR/events.ndjson (deterministic for a given --seed).  Such logs (mobile
apps, page views, identifies) spend most of their time in what every message costs, not in its fields:
the figure beside that of :mod:`validate_corpus` (larger track messages) in ``validate_speed.py``.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from validate_corpus import write_corpus

PLAN = """\
plan: Small Messages
version: 1.0.0
defaults:
  additional_properties: false
properties:
  song_id: {type: string, pattern: "^s[0-9]{1,7}$"}
  source: {type: string, enum: [search, library, radio, share]}
  position: {type: integer, minimum: 0}
events:
  Song Played: {properties: {song_id: {required: true}, source: {required: true}, position: {}}}
  Song Liked: {properties: {song_id: {required: true}}}
  Search Performed: {properties: {query: {type: string, min_length: 1, max_length: 64, required: true}}}
  Button Tapped: {properties: {button: {type: string, max_length: 32, required: true}, screen: {type: string}}}
  Session Started: {properties: {cold_start: {type: boolean, required: true}}}
identify:
  traits:
    email: {type: string, format: email}
    plan: {type: string, enum: [free, pro, family]}
    age: {type: integer, minimum: 13, maximum: 120}
group:
  traits:
    name: {type: string, required: true}
    seats: {type: integer, minimum: 1}
pages:
  Home: {properties: {path: {type: string, required: true}, title: {type: string}}}
  Search: {properties: {path: {type: string, required: true}, title: {type: string}}}
screens:
  Player: {properties: {song_id: {}}}
  Library: {properties: {tab: {type: string, enum: [songs, albums, artists]}}}
  Settings: {}
"""

KINDS = {
    "track:Song Played": 20, "track:Song Liked": 5, "track:Search Performed": 6, "track:Button Tapped": 12,
    "track:Session Started": 4, "page": 18, "screen": 20, "identify": 8, "group": 3, "alias": 4,
}  # fmt: skip

LIBRARIES = [("analytics-ios", "4.1.8"), ("analytics-android", "4.10.4"), ("analytics.js", "next-1.64.0")]
WORDS = ["blue", "night", "summer", "rain", "gold", "river", "echo", "neon", "wild", "slow"]


class Maker:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.t0 = datetime(2024, 6, 1, tzinfo=timezone.utc)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rnd.getrandbits(128), version=4))

    def ts(self, i: int) -> str:
        return (self.t0 + timedelta(milliseconds=173 * i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def message(self, i: int, kind: str) -> dict[str, Any]:
        r = self.rnd
        call, _, event = kind.partition(":")
        name, version = r.choice(LIBRARIES)
        out: dict[str, Any] = {"type": call, "messageId": self.uid(), "timestamp": self.ts(i)}
        user = f"u{r.randint(1, 99999)}"
        if call != "alias" and r.random() < 0.3:
            out["anonymousId"] = self.uid()
        else:
            out["userId"] = user
        out["context"] = {"library": {"name": name, "version": version}, "locale": r.choice(["en-US", "de-DE", "pt-BR"])}
        if call == "track":
            out["event"] = event
            out["properties"] = self.track(event)
        elif call == "page":
            page = r.choice(["Home", "Search"])
            out["name"] = page
            out["properties"] = {"path": "/" if page == "Home" else "/search", "title": page}
        elif call == "screen":
            screen = r.choice(["Player", "Library", "Settings"])
            out["name"] = screen
            if screen == "Player":
                out["properties"] = {"song_id": f"s{r.randint(1, 10**6)}"}
            elif screen == "Library":
                out["properties"] = {"tab": r.choice(["songs", "albums", "artists"])}
        elif call == "identify":
            out["traits"] = {"email": f"{user}@example.com", "plan": r.choice(["free", "pro", "family"])}
        elif call == "group":
            out["groupId"] = f"g{r.randint(1, 999)}"
            out["traits"] = {"name": f"{r.choice(WORDS).title()} Band", "seats": r.randint(1, 6)}
        else:  # alias
            out["previousId"] = self.uid()
        return out

    def track(self, event: str) -> dict[str, Any]:
        r = self.rnd
        if event == "Song Played":
            return {"song_id": f"s{r.randint(1, 10**6)}", "source": r.choice(["search", "library", "radio"]), "position": r.randint(0, 300)}
        if event == "Song Liked":
            return {"song_id": f"s{r.randint(1, 10**6)}"}
        if event == "Search Performed":
            return {"query": " ".join(r.sample(WORDS, 2))}
        if event == "Button Tapped":
            return {"button": r.choice(["play", "pause", "next", "shuffle"]), "screen": "Player"}
        return {"cold_start": r.random() < 0.3}

    def break_it(self, message: dict[str, Any]) -> dict[str, Any]:
        """One realistic mistake: a wrong type, a bad enum or pattern, a missing or unplanned field, an unplanned
        name, a bad envelope field."""
        r = self.rnd
        fields = message.get("properties") or message.get("traits")
        choice = r.randrange(6)
        if choice == 0 and fields:
            key = r.choice(sorted(fields))
            fields[key] = 12345 if isinstance(fields[key], str) else str(fields[key])
        elif choice == 1 and fields:
            del fields[sorted(fields)[0]]
        elif choice == 2 and message["type"] != "alias":
            message.setdefault("properties" if message["type"] not in ("identify", "group") else "traits", {})["debug"] = True
        elif choice == 3 and message["type"] == "track":
            message["event"] = message["event"].lower()
        elif choice == 4 and fields and "song_id" in fields:
            fields["song_id"] = "song-1"
        else:
            message["timestamp"] = "yesterday"
        return message


def main() -> None:
    write_corpus(__doc__ or "", PLAN, Maker, KINDS)

if __name__ == "__main__":
    main()
