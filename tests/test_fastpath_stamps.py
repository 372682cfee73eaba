"""The fast path's timestamp rule (remembered days and tails, a clock match) agrees with the ``date-time``
format whatever came before: leap seconds, impossible dates, odd separators, offsets with and without
their colon and escaped characters included, alone and end to end through the bytes of a message."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec import UNSET

from cdpctl.formats import matches_format
from cdpctl.loader import load_plan
from cdpctl.validation import Validator, validate_lines
from cdpctl.validation.fastpath import Accepted
from cdpctl.validation.fastpath_envelope import BadEnvelope, envelope_module
from cdpctl.validation.fastpath_source import envelope_check

DAYS = st.sampled_from(["2024-06-01", "2024-02-29", "2023-02-29", "2024-02-30", "2024-13-01", "0000-01-01", "2024-6-01"])
SEPARATORS = st.sampled_from(["T", "t", " ", "x", ""])
HOURS = st.sampled_from(["00", "09", "19", "23", "24", "2a"])
MINUTES = st.sampled_from(["00", "59", "60", "5"])
SECONDS = st.sampled_from(["00", "30", "59", "60", "61"])
TAILS = st.sampled_from(
    ["Z", "z", ".173Z", ".1234567891Z", "+01:00", "-00:00", "+00:00", "+24:00", "", "Z\n", "+0100", "-0530", "+0000",
     "-0000", ".5+0000", ".Z", "+00:01", "+01", "+01:0", "+01:000"]
)  # fmt: skip


@st.composite
def stamps(draw: st.DrawFn) -> str:
    day, separator, tail = draw(DAYS), draw(SEPARATORS), draw(TAILS)
    return f"{day}{separator}{draw(HOURS)}:{draw(MINUTES)}:{draw(SECONDS)}{tail}"


def accepted(check: object, stamp: str, field: str) -> bool:
    fields = {"userId": "u", "anonymousId": None, "timestamp": UNSET, "sentAt": UNSET, "originalTimestamp": UNSET, "receivedAt": UNSET}
    fields[field] = stamp
    try:
        check(SimpleNamespace(**fields))  # type: ignore[operator]
    except BadEnvelope:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(stamps(), st.sampled_from(["timestamp", "sentAt", "receivedAt"])), min_size=1, max_size=40))
def test_the_remembered_parts_never_change_a_verdict(sequence: list[tuple[str, str]]) -> None:
    check = envelope_check(envelope_module())  # a fresh memory for each sequence
    for stamp, field in sequence:
        assert accepted(check, stamp, field) == matches_format("date-time", stamp), (stamp, sequence)


def test_a_leap_second_is_decided_by_the_whole_rule_each_time() -> None:
    check = envelope_check(envelope_module())
    assert accepted(check, "2016-12-31T23:59:60Z", "timestamp")
    assert accepted(check, "2016-12-31T23:59:59+01:00", "timestamp")  # remembers the day and the tail
    assert not accepted(check, "2016-12-31T23:59:60+01:00", "timestamp")  # 22:59:60 UTC
    assert accepted(check, "2016-12-31T23:59:59Z", "timestamp")
    assert not accepted(check, "2016-12-31T12:00:60Z", "timestamp")


# --- end to end: the bytes of a message through the fast path and the reference path ---

FIELDS = st.sampled_from(["timestamp", "sentAt", "originalTimestamp", "receivedAt"])


@st.composite
def stamps(draw: st.DrawFn) -> str:
    day, separator, tail = draw(DAYS), draw(SEPARATORS), draw(TAILS)
    return f"{day}{separator}{draw(HOURS)}:{draw(MINUTES)}:{draw(SECONDS)}{tail}"


def escaped(text: str, which: str) -> str:
    """``text`` as a JSON string, with the characters in ``which`` written as ``\\uXXXX`` escapes."""
    return '"' + "".join(f"\\u{ord(char):04x}" if char in which else json.dumps(char)[1:-1] for char in text) + '"'


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Validator:
    path = tmp_path_factory.mktemp("stamps") / "plan.yaml"
    path.write_text("events:\n  Signed Up:\n    properties:\n      plan: {type: string}\n", encoding="utf-8")
    return Validator(load_plan(str(path)))


def line(stamps_by_field: dict[str, str], which: str = "") -> bytes:
    parts = ['"type":"track"', '"event":"Signed Up"', '"userId":"u1"', '"properties":{"plan":"pro"}']
    parts += [f'"{field}":{escaped(stamp, which)}' for field, stamp in stamps_by_field.items()]
    return ("{" + ",".join(parts) + "}").encode()


def assert_agrees(validator: Validator, raw: bytes) -> None:
    reference = validator.check_reference(json.loads(raw))
    fast = validator.check_bytes(raw)
    assert fast is not None
    assert sorted(map(repr, fast)) == sorted(map(repr, reference)), raw
    wrong = bool([v for v in reference if v.severity == "error"])
    if isinstance(validator.examine(raw), Accepted):
        assert not wrong, raw
    assert validate_lines(validator, [(raw, "f", 1)], utf8=True).invalid == int(wrong), raw  # the loop's own route


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(FIELDS, stamps(), min_size=1, max_size=4), st.sampled_from(["", "+", "-0", ":", "Z", "0123456789"]))
def test_the_fast_path_decides_timestamps_as_the_reference_path(validator: Validator, stamped: dict[str, str], which: str) -> None:
    """Written plainly or with escapes, alone or beside others, in any of the four fields."""
    assert_agrees(validator, line(stamped, which))


@pytest.mark.parametrize(
    ("stamp", "right"),
    [
        ("2024-06-01T10:00:00Z", True),
        ("2024-06-01T10:00:00+00:00", True),
        ("2024-06-01T10:00:00-00:00", True),
        ("2024-06-01T10:00:00.123+05:30", True),
        ("2024-06-01T10:00:00+0000", False),  # RFC 3339 wants the colon
        ("2024-06-01T10:00:00-0000", False),
        ("2024-06-01T10:00:00+0530", False),
        ("2016-12-31T23:59:60Z", True),  # a leap second, at 23:59 UTC only
        ("2016-12-31T12:00:60Z", False),
        ("0000-01-01T00:00:00Z", True),
    ],
)
@pytest.mark.parametrize("which", ["", "+-", "0"])
def test_written_offsets(validator: Validator, stamp: str, right: bool, which: str) -> None:
    assert matches_format("date-time", stamp) == right
    for field in ("timestamp", "receivedAt"):
        raw = line({field: stamp}, which)
        assert_agrees(validator, raw)
        assert isinstance(validator.examine(raw), Accepted) == right
    together = line({"timestamp": "2024-06-01T10:00:00Z", "sentAt": stamp, "receivedAt": "2024-06-01T10:00:01.5+02:00"}, which)
    assert_agrees(validator, together)
