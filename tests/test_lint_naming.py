"""Naming styles of the casing rules: any script's letters have their case (``Café Réservé`` is Title Case)."""

from __future__ import annotations

import pytest

from cdpctl.lint.naming import convert, matches, split_words


@pytest.mark.parametrize(
    ("name", "style", "expected"),
    [
        ("Café Réservé", "Object Action", True),
        ("Straße Gewählt", "Object Action", True),
        ("prénom", "snake_case", True),
        ("größe_gesamt", "snake_case", True),
        ("日本 Viewed", "Object Action", True),
        ("café réservé", "Object Action", False),
        ("Prénom", "snake_case", False),
        ("Order Completed", "Object Action", True),
        ("orderID_value", "snake_case", False),
        ("ORDER COMPLETED", "Object Action", False),
        ("ORDER COMPLETED", "Title Case", False),
        ("API Key Created", "Object Action", True),
        ("CTA Clicked", "Object Action", True),
        ("FAQ", "Title Case", True),
    ],
)
def test_styles_judge_letters_of_any_script(name: str, style: str, expected: bool) -> None:
    assert matches(name, style) is expected


def test_renames_keep_every_letter() -> None:
    """The suggested rename of a name with accents keeps them (it was 'Caf R Serv', 'pr_nom')."""
    assert split_words("caféRéservé_x") == ["café", "Réservé", "x"]
    assert convert("café réservé", "Object Action") == "Café Réservé"
    assert convert("Prénom Complet", "snake_case") == "prénom_complet"
    assert convert("orderID_value", "snake_case") == "order_id_value"


def test_a_name_all_in_capitals_is_not_title_case() -> None:
    """Words in capitals are acronyms inside a name (``API Key Created``), so ``ORDER COMPLETED`` passed as Title
    Case; a name of capitals only does not, and its rename is in Title Case (it was the name itself)."""
    assert convert("ORDER COMPLETED", "Object Action") == "Order Completed"
    assert convert("PRODUCT ADDED TO WISHLIST", "Title Case") == "Product Added to Wishlist"
    assert convert("API key created", "Object Action") == "API Key Created"
