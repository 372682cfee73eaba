"""Every lint rule: its documented passing and failing examples, its options, and its edge cases."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cdpctl.errors import Pos
from cdpctl.lint.base import SEVERITIES, Finding, Rule
from cdpctl.lint.config import RuleSetting, build_config
from cdpctl.lint.explain import explain
from cdpctl.lint.registry import RETIRED_CODES, all_rules, find_rule
from cdpctl.lint.runner import lint_plan, run_rule
from cdpctl.lint.source import SourceIndex
from cdpctl.loader import load_plan_text

RULES = all_rules()


def run(rule_slug: str, text: str, **options: Any) -> list[Finding]:
    """Findings of one rule (default options overridden by ``options``) on a plan snippet."""
    rule = find_rule(rule_slug)
    assert rule is not None
    plan = load_plan_text(text, "plan.yaml", check_patterns=False)  # as cdpctl lint loads it
    setting = RuleSetting(rule, rule.severity, {**rule.default_options(), **options})
    return sorted(run_rule(setting, plan, SourceIndex(plan.sources)), key=Finding.sort_key)


def positions(findings: list[Finding]) -> list[tuple[int, int]]:
    return [(f.pos.line, f.pos.column) for f in findings]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.slug)
def test_passing_example_is_clean(rule: Rule) -> None:
    assert rule.passing.strip()
    assert run(rule.slug, rule.passing) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.slug)
def test_failing_example_reports_exactly_where_documented(rule: Rule) -> None:
    findings = run(rule.slug, rule.failing)
    assert findings, f"{rule.slug} reports nothing on its failing example"
    assert positions(findings) == sorted(rule.failing_at)
    assert {f.rule for f in findings} == {rule.slug}
    assert {f.code for f in findings} == {rule.code}
    for finding in findings:
        assert finding.pos.file == "plan.yaml"
        assert finding.message


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.slug)
def test_examples_are_about_the_rule_not_about_the_others(rule: Rule) -> None:
    """The passing example is clean under every recommended rule (it is a good plan to copy)."""
    plan = load_plan_text(rule.passing, "plan.yaml")
    config = build_config({"rules": {"unused-definition": "off"}})
    assert [(f.rule, f.message) for f in lint_plan(plan, config).findings] == []


def test_codes_and_slugs_are_unique_and_well_formed() -> None:
    codes = [rule.code for rule in RULES]
    slugs = [rule.slug for rule in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(slugs)) == len(slugs)
    assert not set(codes) & set(RETIRED_CODES)
    for rule in RULES:
        assert re.fullmatch(r"CP[1-9]\d\d", rule.code)
        assert re.fullmatch(r"[a-z]+(?:-[a-z]+)+", rule.slug)
        assert rule.severity in SEVERITIES
        assert rule.summary and len(rule.description) > 80
        for name, option in rule.options.items():
            assert re.fullmatch(r"[a-z_]+", name) and option.help
        assert set(rule.strict_options) <= set(rule.options)


def test_the_rules_the_issue_asks_for_exist() -> None:
    wanted = {
        "event-name-casing", "property-name-casing", "missing-description", "event-name-collision",
        "property-type-conflict", "unused-definition", "invalid-pattern", "enum-consistency",
        "reserved-property", "semantic-event", "dynamic-event-name", "deprecated-without-note",
    }
    assert wanted <= {rule.slug for rule in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.slug)
def test_explain_shows_docs_examples_and_the_real_findings(rule: Rule) -> None:
    text = explain(rule)
    assert text.startswith(f"{rule.code} {rule.slug}\n")
    assert rule.summary in text
    for name in rule.options:
        assert name in text
    assert "Passing example:" in text and "Failing example:" in text
    for line, column in rule.failing_at:
        assert f"example.yaml:{line}:{column}: {rule.slug} " in text


def test_find_rule_by_slug_or_code() -> None:
    assert find_rule("CP101") is find_rule("event-name-casing") is find_rule("cp101")
    assert find_rule("no-such-rule") is None


# -- event-name-casing ------------------------------------------------------------------------------

EVENTS = """\
events:
  {name}:
    description: Something happened.
"""


@pytest.mark.parametrize(
    "name",
    ["Order Completed", "Product Added to Wishlist", "CTA Clicked", "Sign-Up Completed", "Wishlist Product Added to Cart"],
)
def test_object_action_accepts(name: str) -> None:
    assert run("event-name-casing", EVENTS.format(name=name)) == []


@pytest.mark.parametrize(
    ("name", "fixed"),
    [
        ("order completed", "Order Completed"),
        ("OrderCompleted", "Order Completed"),
        ("Completed", None),
        ("Order  Completed", "Order Completed"),
    ],
)
def test_object_action_rejects_with_a_fix(name: str, fixed: str | None) -> None:
    findings = run("event-name-casing", EVENTS.format(name=f'"{name}"'))
    assert positions(findings) == [(2, 3)]
    if fixed is not None and fixed != name:
        assert f"rename to '{fixed}'" in findings[0].message


@pytest.mark.parametrize(
    ("style", "good", "bad"),
    [
        ("snake_case", "order_completed", "Order Completed"),
        ("camelCase", "orderCompleted", "order_completed"),
        ("PascalCase", "OrderCompleted", "orderCompleted"),
        ("kebab-case", "order-completed", "order_completed"),
        ("Sentence case", "Order completed", "Order Completed"),
        ("Title Case", "Checkout", "checkout"),
    ],
)
def test_other_event_styles(style: str, good: str, bad: str) -> None:
    assert run("event-name-casing", EVENTS.format(name=f'"{good}"'), style=style) == []
    findings = run("event-name-casing", EVENTS.format(name=f'"{bad}"'), style=style)
    assert positions(findings) == [(2, 3)] and style in findings[0].message


def test_event_casing_custom_pattern_and_past_tense() -> None:
    text = EVENTS.format(name="Order Complete")
    assert run("event-name-casing", text) == []
    findings = run("event-name-casing", text, past_tense=True)
    assert len(findings) == 1 and "past tense" in findings[0].message
    assert run("event-name-casing", EVENTS.format(name="Message Sent"), past_tense=True) == []
    # the action need not be the last word: the Spec's own names (strict failed ecommerce-v2 on them)
    for name in ("Product Added to Wishlist", "Signed Up", "Email Marked as Spam", "Account Added User"):
        assert run("event-name-casing", EVENTS.format(name=name), past_tense=True) == [], name
    findings = run("event-name-casing", text, pattern=r"[A-Z][a-z]+ [A-Z][a-z]+d")
    assert len(findings) == 1 and "pattern" in findings[0].message


def test_event_casing_checks_pages_only_when_asked() -> None:
    text = "pages:\n  pricing_page:\n    description: Prices.\n"
    assert run("event-name-casing", text) == []
    assert positions(run("event-name-casing", text, calls=["track", "page"])) == [(2, 3)]


# -- property-name-casing ---------------------------------------------------------------------------


def test_property_casing_traits_style_and_allow() -> None:
    text = """\
types:
  item:
    description: An item.
    properties:
      itemName: {type: string}
identify:
  traits:
    firstName: {type: string}
    last_name: {type: string}
"""
    findings = run("property-name-casing", text)
    assert positions(findings) == [(5, 7), (8, 5)]
    assert "type 'item'" in findings[0].message
    findings = run("property-name-casing", text, traits_style="camelCase")
    assert positions(findings) == [(5, 7), (9, 5)]
    assert run("property-name-casing", text, traits_style="camelCase", allow=["itemName", "last_name"]) == []


def test_property_casing_reports_a_type_used_by_many_events_once() -> None:
    text = """\
types:
  item:
    description: An item.
    properties:
      itemName: {type: string}
events:
  A Viewed: {description: a, properties: {item: {type: item}}}
  B Viewed: {description: b, properties: {item: {type: item}}}
"""
    assert positions(run("property-name-casing", text)) == [(5, 7)]


# -- event-name-collision ---------------------------------------------------------------------------


def test_collision_variants_and_separate_namespaces() -> None:
    text = """\
events:
  Order Completed: {description: a}
  order-completed: {description: b}
  OrderCompleted: {description: c}
pages:
  Order Completed: {description: a page may share an event's name}
  order completed: {description: but not another page's}
"""
    findings = run("event-name-collision", text)
    assert positions(findings) == [(3, 3), (4, 3), (7, 3)]
    assert "'Order Completed' (line 2)" in findings[0].message


# -- dynamic-event-name -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("L" * 100_000, None),
        ("a" * 100_000 + "@", None),  # every start of the run tried to reach an '@': quadratic, 30 s a run
        ("a." * 50_000 + "@acme.com", ("an email address", 0)),
        ("1" * 100_000, ("a concatenated id", 100_000 - 32)),  # its last 32 digits read as a UUID
        ("a-" + "1" * 100_000, ("a concatenated id", 2)),
    ],
    ids=["letters", "no-at", "email", "digits", "digits-after-dash"],
)
def test_dynamic_name_detectors_read_a_huge_name_once(name: str, found: tuple[str, int] | None) -> None:
    """A plan is untrusted: the detectors start a match only where one can start (linear time)."""
    from cdpctl.lint.rules.dynamic_event_name import find_dynamic_part

    result = find_dynamic_part(name, False)
    assert (result[:2] if result else None) == found


@pytest.mark.parametrize(
    ("name", "what", "column"),
    [
        ('"Signed Up 2024-05-01"', "a date", 14),
        ("Order 5f2b1c9e-8d4a-4b6e-9f1a-2c3d4e5f6a7b Viewed", "a UUID", 9),
        ("User usr93x1k2 Deleted", "an id", 8),
        ("user_deleted_usr93x1k2_done", "an id", 16),
        ("Visited https://acme.com/x", "a URL", 11),
        ("Step 3 Completed", "a number", 8),
    ],
)
def test_dynamic_names(name: str, what: str, column: int) -> None:
    findings = run("dynamic-event-name", EVENTS.format(name=name))
    assert positions(findings) == [(2, column)]
    assert what in findings[0].message


@pytest.mark.parametrize(
    ("name", "text", "column"),
    [
        ('"Screen Viewed ${name}"', "${name}", 18),
        ('"Screen Viewed {name}"', "{name}", 18),
        ('"Screen Viewed {{ name }}"', "{{ name }}", 18),
        ('"Screen Viewed %s"', "%s", 18),
        ('"Screen Viewed %(name)s"', "%(name)s", 18),
        ('"Screen Viewed <name>"', "<name>", 18),
        ('"Screen :name Viewed"', ":name", 11),
        ('"/products/:id Viewed"', ":id", 14),
    ],
)
def test_dynamic_names_template_placeholders(name: str, text: str, column: int) -> None:
    """Every template syntax is caught, even with allow_numbers, at the placeholder's column."""
    for allow_numbers in (False, True):
        findings = run("dynamic-event-name", EVENTS.format(name=name), allow_numbers=allow_numbers)
        assert positions(findings) == [(2, column)]
        assert f"embeds a template placeholder ('{text}')" in findings[0].message


@pytest.mark.parametrize(
    ("name", "what", "text"),
    [
        ("Screen Viewed_42", "a concatenated id", "42"),
        ("Screen Viewed#7", "a concatenated id", "7"),
        ("Screen Viewed 1234", "a concatenated id", "1234"),
        ("Screen Viewed5f2b1c9e8d4a4b6e9f1a2c3d4e5f6a7b", "a concatenated id", "5f2b1c9e8d4a4b6e9f1a2c3d4e5f6a7b"),
        ("Screen Viewed 5f2b1c9e-8d4a-4b6e-9f1a-2c3d4e5f6a7b", "a UUID", "5f2b1c9e-8d4a-4b6e-9f1a-2c3d4e5f6a7b"),
    ],
)
def test_dynamic_names_concatenated_ids_even_with_allow_numbers(name: str, what: str, text: str) -> None:
    findings = run("dynamic-event-name", EVENTS.format(name=name), allow_numbers=True)
    assert len(findings) == 1 and f"embeds {what} ('{text}')" in findings[0].message


@pytest.mark.parametrize(
    "name",
    [
        "Order Completed",
        '"Error: Payment Failed"',
        "Video:Play Clicked",
        "Checkout Step 2 Viewed",
        "Version 2.0 Installed",
        "signup_step_2_done",
        "checkout-step-10-viewed",
    ],
)
def test_dynamic_names_that_are_fixed_names_pass_with_allow_numbers(name: str) -> None:
    assert run("dynamic-event-name", EVENTS.format(name=name), allow_numbers=True) == []


def test_dynamic_names_options() -> None:
    assert run("dynamic-event-name", EVENTS.format(name="Step 3 Completed"), allow_numbers=True) == []
    assert run("dynamic-event-name", EVENTS.format(name="Web3 Wallet Connected"), allow=[r"Web3 .*"]) == []
    findings = run("dynamic-event-name", EVENTS.format(name='"Signed Up 2024-05-01"'), allow_numbers=True)
    assert len(findings) == 1 and "a date" in findings[0].message


# -- missing-description ----------------------------------------------------------------------------


def test_missing_description_blank_and_options() -> None:
    text = """\
events:
  Order Completed:
    description: "   "
    properties:
      total: {type: number}
pages:
  Pricing: {}
"""
    assert positions(run("missing-description", text)) == [(2, 3)]
    findings = run("missing-description", text, pages_and_screens=True, properties=True)
    assert positions(findings) == [(2, 3), (5, 7), (7, 3)]
    assert run("missing-description", text, events=False) == []


# -- deprecated-without-note ------------------------------------------------------------------------


def test_deprecated_note_strict_mode_and_properties() -> None:
    text = """\
events:
  Order Completed:
    description: The customer paid.
    properties:
      legacy_total: {type: number, deprecated: true}
  Checkout Finished:
    description: Old checkout event.
    deprecated: true
  Purchase Made:
    description: Send Order Completed.
    deprecated: true
  Cart Emptied:
    deprecated: true
    x-replaced-by: Order Completed
"""
    assert positions(run("deprecated-without-note", text)) == [(5, 36)]
    findings = run("deprecated-without-note", text, require_replacement=True, properties=False)
    assert positions(findings) == [(8, 5)]
    assert "does not say what replaces it" in findings[0].message


def test_a_deprecated_page_is_replaced_by_a_page_and_named_as_one() -> None:
    """A page replaced by a page was "names no event of the plan" (only events were looked up), and every
    message called pages and screens events."""
    text = """\
events:
  Pricing Viewed: {description: Saw prices.}
pages:
  Old Pricing: {deprecated: true, x-replaced-by: Pricing}
  Pricing: {description: The pricing page.}
screens:
  Legacy Home: {deprecated: true}
  Start: {deprecated: true, x-replaced-by: Pricing Viewed}
"""
    findings = run("deprecated-without-note", text)
    assert [f.message for f in findings] == [
        "screen 'Legacy Home' is deprecated without a note: say in its description what replaces it "
        "(or set 'x-replaced-by: Screen Name')",
        "'x-replaced-by' of deprecated screen 'Start' names no screen of the plan: 'Pricing Viewed'",
    ]


def test_reserved_names_of_the_shared_library_are_read_where_they_are_used() -> None:
    """A shared property used only inside objects was checked as top level ('value' of a filter is a string
    in the Spec; 'event' inside an object is no envelope field); one a page or screen uses at its top level is
    checked against the page and screen tables (an integer 'title' passed when it was inherited)."""
    nested = """\
properties:
  value: {type: string, description: The filter value.}
  event: {type: string, description: Calendar event name.}
types:
  filter:
    description: A filter.
    properties:
      type: {type: string}
      value: {}
events:
  Product List Filtered:
    description: Filtered.
    properties:
      filters: {type: array, items: filter}
      calendar: {type: object, properties: {event: {}}}
"""
    assert run("reserved-property", nested) == []
    pages = """\
properties:
  title: {type: integer, description: Title number.}
pages:
  Home: {description: Home., properties: {title: {}}}
"""
    (finding,) = run("reserved-property", pages)
    assert "'title' in page 'Home' is integer, but the Segment Spec defines 'title' as a string" in finding.message


# -- property-type-conflict -------------------------------------------------------------------------


def test_type_conflict_nested_items_refs_and_traits() -> None:
    text = """\
types:
  product:
    description: A product.
    properties:
      price: {type: number}
events:
  Cart Viewed:
    description: a
    properties:
      products: {type: array, items: product}
      price: {type: string}
  Order Viewed:
    description: b
    properties:
      products: {type: array, items: {type: string}}
identify:
  traits:
    price: {type: boolean}
"""
    findings = run("property-type-conflict", text)
    assert positions(findings) == [(11, 15), (15, 18)]
    assert "array of string" in findings[1].message and "array of product" in findings[1].message
    assert positions(run("property-type-conflict", text, nested=False)) == [(15, 18)]
    assert positions(run("property-type-conflict", text, ignore=["price", "products"])) == []


def test_type_conflicts_the_segment_spec_itself_defines_are_accepted_unless_strict() -> None:
    text = """\
properties:
  position: {type: integer, description: Position in the product list.}
events:
  Product Clicked: {description: a, properties: {position: {}}}
  Promotion Clicked: {description: b, properties: {position: {type: string}}}
  Order Viewed: {description: c, properties: {position: {type: boolean}}}
"""
    assert positions(run("property-type-conflict", text)) == [(6, 58)]
    assert positions(run("property-type-conflict", text, allow_spec_conflicts=False)) == [(5, 63), (6, 58)]


def test_type_conflict_ignores_any_and_enum_option() -> None:
    text = """\
events:
  A Viewed: {description: a, properties: {size: {type: string, enum: [S, M]}, extra: {type: any}}}
  B Viewed: {description: b, properties: {size: {type: string, enum: [M, S]}, extra: {type: string}}}
  C Viewed: {description: c, properties: {size: {type: string, enum: [XL]}}}
"""
    findings = run("property-type-conflict", text)
    assert positions(findings) == [(4, 64)]
    assert run("property-type-conflict", text, enums=False) == []


# -- enum-consistency -------------------------------------------------------------------------------


def test_enum_consistency_numbers_and_options() -> None:
    text = """\
events:
  A Viewed:
    description: a
    properties:
      level: {type: number, enum: [1, 2, 1.0]}
      size: {type: string, enum: [Small, small]}
"""
    findings = run("enum-consistency", text)
    assert positions(findings) == [(5, 42), (6, 42)]
    assert positions(run("enum-consistency", text, case_insensitive=False)) == [(5, 42)]


def test_enum_of_a_shared_property_is_reported_where_written() -> None:
    text = """\
properties:
  size: {type: string, enum: [S, S], description: Size.}
events:
  A Viewed: {description: a, properties: {size: {required: true}}}
  B Viewed: {description: b, properties: {size: {}}}
"""
    assert positions(run("enum-consistency", text)) == [(2, 34)]


# -- invalid-pattern --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "column", "words"),
    [
        ("(?P<id>[0-9]+)", 38, "Python named group"),
        ("x(?>ab)c", 39, "atomic group"),
        ("a*+b", 40, "possessive"),
        ("a{2,3}+", 44, "possessive"),
        ("[a-z]\\\\Z", 43, "\\Z"),
        ("\\\\d\\\\d(?i:abc)", 44, "inline flags"),
        ("(?#note)abc", 38, "comment group"),
    ],
)
def test_non_ecma_constructs(pattern: str, column: int, words: str) -> None:
    # the pattern is written in double quotes starting at column 37: escapes count as one character
    text = f'events:\n  A Viewed:\n    description: a\n    properties:\n      code: {{type: string, pattern: "{pattern}"}}\n'
    findings = run("invalid-pattern", text)
    assert len(findings) == 1, findings
    assert words in findings[0].message
    assert positions(findings) == [(5, column)]


@pytest.mark.parametrize(
    "pattern",
    [r"^[a-z]+(?:-[a-z]+)*$", r"(?<id>a)", r"[(?<=)]", r"a+?b*?c??", r"\(\?i\)", r"x{2}", r"\p{Letter}\cA"],
)
def test_ecma_constructs_are_accepted(pattern: str) -> None:
    text = "events:\n  A Viewed:\n    description: a\n    properties:\n      code: {type: string, pattern: 'PAT'}\n"
    assert run("invalid-pattern", text.replace("PAT", pattern)) == []


@pytest.mark.parametrize("dialect", ["ecma-262", "re2"])
def test_lookahead_and_backreferences_are_reported_in_both_dialects(dialect: str) -> None:
    # ECMA-262, but cdpctl's engine runs in linear time: other commands refuse the plan, lint points inside
    text = "events:\n  A Viewed:\n    description: a\n    properties:\n      code: {type: string, pattern: '(a)(?=b)\\1'}\n"
    findings = run("invalid-pattern", text, dialect=dialect)
    assert positions(findings) == [(5, 41), (5, 46)]
    assert "lookahead" in findings[0].message and "back-reference" in findings[1].message


def test_counts_over_the_engine_limit_and_syntax_errors_are_reported() -> None:
    text = "events:\n  A Viewed:\n    description: a\n    properties:\n      code: {type: string, pattern: 'PAT'}\n"
    (huge,) = run("invalid-pattern", text.replace("PAT", "a{4294967296}"))
    assert positions([huge]) == [(5, 39)] and "above 1000" in huge.message
    (broken,) = run("invalid-pattern", text.replace("PAT", "([a-z"))
    assert positions([broken]) == [(5, 39)] and "does not compile: missing ']'" in broken.message


# -- reserved-property ------------------------------------------------------------------------------


def test_reserved_properties_nested_shared_and_pages() -> None:
    text = """\
properties:
  price: {type: string, description: Price as text (wrong).}
events:
  Order Completed:
    description: a
    properties:
      price: {required: true}
      id: {type: string}
      details:
        type: object
        properties:
          price: {type: boolean}
          type: {type: string}
          value: {type: string}
pages:
  Pricing:
    properties:
      url: {type: integer}
group:
  traits:
    employees: {type: boolean}
"""
    findings = run("reserved-property", text)
    assert positions(findings) == [(2, 11), (8, 7), (12, 19), (18, 13), (21, 17)]
    assert positions(run("reserved-property", text, forbidden_names=[])) == [(2, 11), (12, 19), (18, 13), (21, 17)]


def test_reserved_names_and_traits_follow_the_spec_pages_each_for_its_own_call() -> None:
    """Spec: Identify and Spec: Group each have their own reserved traits; Spec events name properties
    'type' (B2B SaaS Signed Up, the video ad events); page and screen calls define 'name'."""
    text = """\
events:
  Signed Up:
    description: a
    properties:
      type: {type: string}
group:
  traits:
    employees: {type: string}
    title: {type: integer}
    plan: {type: integer}
identify:
  traits:
    plan: {type: integer}
    industry: {type: integer}
    title: {type: integer}
pages:
  Docs:
    properties:
      name: {type: integer}
      keywords: {type: array, items: {type: integer}}
screens:
  Home:
    properties:
      name: {type: boolean}
      keywords: {type: array, items: {type: integer}}
"""
    findings = run("reserved-property", text)
    assert [(f.pos.line, f.message.split(" but ")[0]) for f in findings] == [
        (10, "trait 'plan' in group traits is integer,"),
        (15, "trait 'title' in identify traits is integer,"),
        (19, "property 'name' in page 'Docs' is integer,"),
        (20, "the items of property 'keywords' in page 'Docs' are integer,"),
        (24, "property 'name' in screen 'Home' is boolean,"),
    ]
    assert "defines 'keywords' as an array of strings" in findings[3].message
    assert run("reserved-property", "common:\n  traits:\n    employees: {type: boolean}\nevents: {}\n")


# -- unused-definition ------------------------------------------------------------------------------


def test_unused_definition_counts_use_by_types_shared_and_traits() -> None:
    text = """\
properties:
  email: {type: string, description: Email.}
  address: {type: location, description: Where.}
  currency: {type: string, description: Currency.}
types:
  location:
    description: A place.
    properties:
      city: {type: string}
  money:
    description: An amount.
    properties:
      currency: {}
      amount: {type: number}
identify:
  traits:
    email: {}
"""
    findings = run("unused-definition", text)
    # address is unused; location is used by address; money is unused but uses currency
    assert positions(findings) == [(3, 3), (10, 3)]
    assert run("unused-definition", text, ignore=["address", "money"]) == []
    assert positions(run("unused-definition", text, types=False)) == [(3, 3)]


def test_a_redefinition_does_not_count_as_use() -> None:
    text = """\
properties:
  total: {type: number, description: Total.}
events:
  A Viewed: {description: a, properties: {total: {type: string}}}
"""
    assert positions(run("unused-definition", text)) == [(2, 3)]


# -- semantic-event ---------------------------------------------------------------------------------


def test_semantic_event_other_casing_and_required_option() -> None:
    text = """\
events:
  product_viewed:
    description: a
    properties:
      sku: {type: string}
  Products Searched:
    description: b
    properties:
      query: {type: string}
"""
    findings = run("semantic-event", text)
    assert positions(findings) == [(2, 3)] and "'product_id'" in findings[0].message
    assert run("semantic-event", text, match_other_casing=False) == []
    findings = run("semantic-event", text, required=True)
    assert positions(findings) == [(2, 3), (9, 7)]


def test_findings_are_deduplicated_per_position() -> None:
    rule = find_rule("property-name-casing")
    assert rule is not None
    plan = load_plan_text(
        "types:\n  t:\n    description: x\n    properties:\n      badName: {type: string}\n"
        "events:\n  A Viewed: {description: a, properties: {x: {type: t}, y: {type: t}}}\n",
        "plan.yaml",
    )
    findings = run_rule(RuleSetting(rule, "warning", rule.default_options()), plan, SourceIndex(plan.sources))
    assert [f.pos for f in findings] == [Pos("plan.yaml", 5, 7)]


def test_common_rules_are_linted_and_count_as_use() -> None:
    text = """\
properties:
  tenant_id: {type: string, description: Tenant.}
common:
  properties:
    tenantId: {type: string}
    tenant_id: {}
events:
  Signup Completed: {description: x}
"""
    assert positions(run("property-name-casing", text)) == [(5, 5)]
    assert run("unused-definition", text) == []


def test_common_rules_in_every_lint_rule_that_reads_properties() -> None:
    text = """\
properties:
  tenant_id: {type: string, description: Tenant.}
types:
  app_info:
    description: The app.
    properties:
      name: {type: string}
common:
  properties:
    total: {type: string}
    id: {type: string}
    order_id: {type: integer, required: true}
  traits:
    firstName: {type: string}
  context:
    app: {type: app_info}
    tenant_id: {}
events:
  Order Completed:
    description: x
    properties:
      order_id: {type: string}
      products: {type: array}
"""
    # a shared property or type used only by common context rules is used
    assert run("unused-definition", text) == []
    # common traits are linted for casing (context keys follow Segment's own camelCase names: not linted)
    assert positions(run("property-name-casing", text)) == [(14, 5)]
    # a common property is checked against the Spec's types and the envelope's names
    reserved = run("reserved-property", text)
    assert positions(reserved) == [(10, 13), (11, 5)]
    assert "common properties" in reserved[0].message
    # one name, one type: a common rule and an event property conflict
    conflict = run("property-type-conflict", text)
    assert positions(conflict) == [(22, 18)]
    assert "the common properties" in conflict[0].message


def test_semantic_event_key_properties_have_the_types_of_the_ecommerce_page() -> None:
    """ecommerce/v2: order_id and the other ids are strings, products an array of product objects, step a
    number, query a string or an object."""
    text = """\
events:
  Order Completed:
    description: a
    properties:
      order_id: {type: boolean}
      products: {type: array, items: {type: string}}
  Products Searched:
    description: b
    properties:
      query: {type: object}
  Checkout Step Viewed:
    description: c
    properties:
      step: {json_schema: {type: [string, "null"]}}
  Product Viewed:
    description: d
    properties:
      product_id: {json_schema: {type: [string, integer]}}
"""
    findings = run("semantic-event", text)
    assert [(f.pos.line, f.message.split(";")[0]) for f in findings] == [
        (5, "key property 'order_id' of semantic event 'Order Completed' is boolean"),
        (6, "the items of key property 'products' of semantic event 'Order Completed' are string"),
        (14, "key property 'step' of semantic event 'Checkout Step Viewed' is string by its JSON Schema"),
    ]


def test_semantic_event_counts_common_properties() -> None:
    common = """\
common:
  properties:
    order_id: {type: string, required: true}
events:
  Order Completed:
    properties:
      products: {type: array, required: true}
"""
    assert run("semantic-event", common) == []
    assert run("semantic-event", common, required=True) == []
    optional = common.replace("order_id: {type: string, required: true}", "order_id: {type: string}")
    assert positions(run("semantic-event", optional, required=True)) == [(3, 5)]
    without = "events:\n  Order Completed:\n    properties:\n      products: {type: array}\n"
    assert "'order_id'" in run("semantic-event", without)[0].message


def test_reserved_property_reads_json_schema_types() -> None:
    text = """\
events:
  Order Completed:
    properties:
      total: {json_schema: {type: string}}
      revenue: {json_schema: {type: [number, "null"]}}
      tax: {json_schema: {anyOf: [{type: number}, {type: string}]}}
      currency: {json_schema: {type: integer}}
"""
    found = run("reserved-property", text)
    assert positions(found) == [(4, 15), (7, 18)]
    assert "is string by its JSON Schema" in found[0].message


def test_type_is_reserved_except_where_the_spec_defines_it() -> None:
    """The lint contract lists ``type`` among the envelope names; the Spec's Signed Up and video ad events define
    one, so there it passes, as a shared property used only by them does."""
    head = "plan: S\nversion: 1.0.0\n"
    shared = "properties:\n  type: {type: string, description: the kind}\n"
    spec_only = head + shared + "events:\n  Signed Up:\n    properties:\n      type: {required: true}\n"
    assert run("reserved-property", spec_only) == []
    local = head + "events:\n  Video Ad Started:\n    properties:\n      type: {type: string}\n"
    assert run("reserved-property", local) == []
    other = spec_only + "  Order Done:\n    properties:\n      type: {}\n"
    assert [(f.pos.line, "'type'" in f.message) for f in run("reserved-property", other)] == [(4, True), (11, True)]
