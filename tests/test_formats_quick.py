"""The quick patterns of formats accept only values the format's whole grammar accepts."""

from __future__ import annotations

import re

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
