"""The fast path's timestamp rule (remembered days and tails, a clock match) agrees with the ``date-time``
format whatever came before: leap seconds, impossible dates, odd separators and offsets included."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec import UNSET

from cdpctl.formats import matches_format
from cdpctl.validation.fastpath_envelope import BadEnvelope, envelope_module
from cdpctl.validation.fastpath_source import envelope_check

DAYS = st.sampled_from(["2024-06-01", "2024-02-29", "2023-02-29", "2024-02-30", "2024-13-01", "0000-01-01", "2024-6-01"])
SEPARATORS = st.sampled_from(["T", "t", " ", "x", ""])
HOURS = st.sampled_from(["00", "09", "19", "23", "24", "2a"])
MINUTES = st.sampled_from(["00", "59", "60", "5"])
SECONDS = st.sampled_from(["00", "30", "59", "60", "61"])
TAILS = st.sampled_from(["Z", "z", ".173Z", ".1234567891Z", "+01:00", "-00:00", "+24:00", "", "Z\n", "+0100", ".Z", "+00:01"])


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
