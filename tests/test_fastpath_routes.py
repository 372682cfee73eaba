"""The route of a line (which union of whole messages decodes it) is a guess read from its bytes: cut at any
byte, written with any key order or spacing, a line gets the verdict the reference path gives, never an
exception."""

from __future__ import annotations

import json

from cdpctl.loader import load_plan_text
from cdpctl.validation import Validator, validate_lines
from cdpctl.validation.fastpath_whole import route_index

PLAN = """
plan: Routes
version: 1.0.0
events:
  Song Played: {properties: {song_id: {type: string, pattern: "^s[0-9]+$", required: true}}}
identify: {traits: {email: {type: string, format: email}}}
pages:
  Home: {properties: {path: {type: string}}}
"""

MESSAGES = [
    {"type": "track", "event": "Song Played", "userId": "u", "properties": {"song_id": "s1"}},
    {"type": "identify", "userId": "u", "traits": {"email": "a@b.co"}},
    {"type": "page", "name": "Home", "anonymousId": "a", "properties": {"path": "/"}},
    {"type": "alias", "userId": "u", "previousId": "p"},
    {"type": "screen", "name": "Any", "userId": "u"},
    {"type": "group", "groupId": "g", "userId": "u"},
]


def test_every_cut_of_a_line_is_one_malformed_record_or_its_verdict() -> None:
    validator = Validator(load_plan_text(PLAN))
    for message in MESSAGES:
        raw = json.dumps(message, separators=(",", ":")).encode()
        for end in range(1, len(raw) + 1):
            cut = raw[:end]
            route_index(cut)
            for utf8 in (True, False):
                report = validate_lines(validator, [(cut + b"\n", "f", 1)], utf8=utf8)
                if end < len(raw):
                    assert (report.malformed, report.invalid) == (1, 0), cut
                else:
                    assert (report.events, report.invalid, report.malformed) == (1, 0, 0), cut


def test_a_wrong_guess_is_never_a_verdict() -> None:
    validator = Validator(load_plan_text(PLAN))
    lines = [
        b'{"type":"trackx","event":"Song Played","userId":"u","properties":{"song_id":"s1"}}',  # no such type
        b'{"type":"pages","name":"Home","userId":"u"}',
        b'{"context":{"device":{"type":"page"}},"type":"track","event":"Song Played","userId":"u",'
        b'"properties":{"song_id":"s1"}}',  # a nested "type" first: the track is valid
        b'{"properties":{"song_id":"s1","type":"identify"},"type":"track","event":"Song Played","userId":"u"}',
        b'{ "type" : "identify" , "userId" : "u" , "traits" : { "email" : "nope" } }',
    ]
    for line in lines:
        reference = [v for v in validator.check_reference(json.loads(line)) if v.severity == "error"]
        for utf8 in (True, False):
            report = validate_lines(validator, [(line + b"\n", "f", 1)], utf8=utf8)
            assert (report.events, report.invalid) == (1, 1 if reference else 0), line
    assert not validator.check_reference(json.loads(lines[2]))  # the guess was wrong, the message right
