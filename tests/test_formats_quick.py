"""The quick patterns of formats accept only values the format's whole grammar accepts."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdpctl.formats import _QUICK, _QUICK_PATTERNS, FORMAT_PATTERNS, matches_format


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_a_value_the_quick_uri_pattern_accepts_is_an_rfc_3986_uri(data: st.DataObject) -> None:
    value = data.draw(st.from_regex(_QUICK_PATTERNS["uri"], fullmatch=True))
    assert re.fullmatch(FORMAT_PATTERNS["uri"][1:-1], value), value


def test_common_uris_take_the_quick_pattern_and_the_rest_the_whole_grammar() -> None:
    assert _QUICK["uri"].fullmatch("https://www.example.com/products/shoes?color=red&size=9#reviews")
    assert not _QUICK["uri"].fullmatch("https://user@example.com/a%20b")
    assert matches_format("uri", "https://user@example.com/a%20b")  # valid: decided by the whole grammar
    assert not matches_format("uri", "https://example.com/a%2")  # a broken percent-escape
    assert not matches_format("uri", "/relative/path")
    assert not matches_format("uri", "https://exa mple.com")


SAMPLES = [
    "", "x", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z\n", "2016-12-31T23:59:60Z", "2024-05-01", "10:00:00Z",
    "a@b.co", "a@xn--bcher-kva.example", "a@xn--ab--c.example", "https://example.com/a?b#c", "https://user@h/a%20b",
    "urn:isbn:0451450523", "550e8400-e29b-41d4-a716-446655440000", "550E8400-E29B-41D4-A716-44665544000Z",
    "192.168.0.1", "::1", "example.com", "-bad-.com", "^a+$", "(", "/a/b~0", "P1D", "ü@ex.com",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SAMPLES), st.text(max_size=12)), min_size=1, max_size=10))
def test_the_fast_paths_format_search_agrees_with_matches_format(values: list[str]) -> None:
    from cdpctl.formats import CHECKED_FORMATS, format_search

    for name in CHECKED_FORMATS:
        search = format_search(name)
        for value in values:
            assert (search(value) is not None) == matches_format(name, value), (name, value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("2024-06-05T10:00:00", "no zone: add Z or an offset such as +00:00"),
        ("2024-06-05 10:00:00", "write a T between date and time, and add its zone"),
        ("2024-06-05 10:00:00Z", "write a T between date and time, not a space"),
        ("2024-06-05T10:00:00+0200", "write the offset with a colon: +02:00"),
        (1717581600, "a number, maybe epoch time"),
        ("yesterday", ""),
        (True, ""),
    ],
)
def test_a_date_time_mistake_is_named(value: object, hint: str) -> None:
    from cdpctl.formats import date_time_hint

    found = date_time_hint(value)
    assert (hint in found) if hint else found == ""
    from cdpctl.spec import envelope_problems

    message = {"type": "track", "event": "E", "userId": "u", "timestamp": value}
    assert [text for _, text in envelope_problems(message)][0].endswith(found)
