"""Work that grew with the square of a plan's size: did-you-mean hints at load, rename pairing in diff."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cdpctl.diff.properties import pair_renames
from cdpctl.loader import load_plan_text
from cdpctl.loading import keys


def naive_pairs(removed: dict[str, str], added: dict[str, str]) -> list[tuple[str, str]]:
    """The definition: an old name pairs with a new one when each is the only one of its signature."""
    pairs = []
    for old_name, sig in removed.items():
        matches = [name for name, other in added.items() if other == sig]
        if len(matches) == 1 and sum(other == sig for other in removed.values()) == 1:
            pairs.append((old_name, matches[0]))
    return pairs


names = st.dictionaries(st.text("abc", max_size=3), st.sampled_from(["s1", "s2", "s3", "s4"]), max_size=8)


@given(names, names)
def test_rename_pairing_keeps_its_definition(removed: dict[str, str], added: dict[str, str]) -> None:
    assert pair_renames(removed, added) == naive_pairs(removed, added)


def test_hints_of_a_plan_index_its_names_once() -> None:
    """3,000 misspelt references to 3,000 types compared each word with every name (a minute; hours at the
    size cap); the names are indexed once, and the hint is still the closest name."""
    types = "".join(f"  Type{i:04d}Shape:\n    properties:\n      x: {{type: string}}\n" for i in range(3000))
    events = "".join(f"  E{i}:\n    properties:\n      p: {{type: Type{i:04d}Shap}}\n" for i in range(300))
    keys._suggester.cache_clear()
    try:
        load_plan_text(f"plan: P\nversion: 1.0.0\ntypes:\n{types}events:\n{events}", "big.yaml")
    except Exception as exc:  # noqa: BLE001 - the load error is what is read
        text = str(exc)
    else:  # pragma: no cover
        raise AssertionError("the plan loaded")
    assert "unknown type 'Type0007Shap' for property 'p' (did you mean 'Type0007Shape'?)" in text
    assert keys._suggester.cache_info().misses <= 2  # the type names once (and the shared library's)
