"""The loaded model: resolution, positions, includes, and safe handling of hostile YAML."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cdpctl.errors import PlanLoadError, Pos
from cdpctl.loader import load_plan, load_plan_text
from cdpctl.model import Plan
from cdpctl.yamlsrc import MAX_ALIAS_NODES, YMap, YScalar, parse_yaml, to_python

ROOT = Path(__file__).resolve().parents[1]


def plan_of(text: str, file: str = "plan.yaml") -> Plan:
    return load_plan_text(textwrap.dedent(text), file)


def test_acme_plan_is_resolved() -> None:
    plan = load_plan(ROOT / "plans" / "acme-shop.yaml")
    assert (plan.name, plan.version, plan.default_additional_properties) == ("Acme Shop", "1.0.0", False)
    order = plan.events["Order Completed"]
    assert (order.owner, order.tags, order.description) == ("checkout-team", ["revenue"], "The customer paid.")
    order_id = order.fields["order_id"]
    assert order_id.shared == "order_id" and order_id.required and order_id.constraints == {"min_length": 1}
    assert order_id.description == "Unique order id."
    products = order.fields["products"]
    assert products.type == "array" and products.items is not None
    assert products.items.ref == "product" and products.items.type == "object"
    price = products.items.properties["price"]
    assert price.shared == "price" and price.required and price.constraints == {"minimum": 0}
    assert plan.events["Legacy Thing Happened"].deprecated
    assert plan.events["Legacy Thing Happened"].additional_properties is True
    settings = plan.events["Chatbot Created"].fields["settings"]
    assert settings.additional_properties is True
    assert plan.pages is not None and list(plan.pages) == ["Pricing"]
    assert plan.screens is not None and list(plan.screens) == ["Home"]
    assert [call.label for call in plan.calls()] == [
        "Order Completed",
        "Chatbot Created",
        "Legacy Thing Happened",
        "identify",
        "group",
        "page Pricing",
        "screen Home",
    ]


def test_walk_yields_every_nested_path() -> None:
    plan = load_plan(ROOT / "plans" / "acme-shop.yaml")
    paths = [path for path, _ in plan.events["Order Completed"].walk()]
    assert "properties.products" in paths
    assert "properties.products[].price" in paths
    assert "properties.products[].product_id" in paths
    identify = plan.identify
    assert identify is not None
    assert [path for path, _ in identify.walk()] == ["traits.email", "traits.plan"]


def test_positions_of_calls_properties_and_keys() -> None:
    plan = plan_of(
        """\
        plan: T
        events:
          E:
            properties:
              a: {type: string, required: true}
        """
    )
    call = plan.events["E"]
    assert call.pos == Pos("plan.yaml", 3, 3)
    assert call.key_pos["properties"] == Pos("plan.yaml", 4, 5)
    prop = call.fields["a"]
    assert prop.pos == Pos("plan.yaml", 5, 7)
    assert prop.key_pos["required"] == Pos("plan.yaml", 5, 25)


def test_refinement_leaves_the_shared_definition_untouched() -> None:
    plan = plan_of(
        """\
        plan: T
        properties:
          tags: {type: array, items: {type: string, enum: [a, b]}}
        events:
          E:
            properties:
              tags: {required: true, max_items: 2}
        """
    )
    shared = plan.properties["tags"]
    used = plan.events["E"].fields["tags"]
    assert used.required and used.constraints == {"max_items": 2}
    assert not shared.required and shared.constraints == {}
    assert used.items is not None and shared.items is not None and used.items is not shared.items


def test_definition_order_does_not_matter() -> None:
    ordered = plan_of(
        """\
        plan: T
        properties:
          cart: {type: cart}
          money: {type: number, minimum: 0}
        types:
          cart:
            properties:
              money: {required: true}
        events:
          E:
            properties:
              cart: {}
        """
    )
    cart = ordered.events["E"].fields["cart"]
    assert cart.properties["money"].required and cart.properties["money"].constraints == {"minimum": 0}
    assert list(ordered.properties) == ["cart", "money"]


def test_timestamps_and_version_numbers_stay_strings() -> None:
    plan = plan_of(
        """\
        plan: T
        version: 2.0.0
        events:
          E:
            properties:
              day: {type: string, enum: [2024-01-01, 2024-01-02]}
        """
    )
    assert plan.events["E"].fields["day"].constraints["enum"] == ["2024-01-01", "2024-01-02"]


def test_x_extensions_are_kept_and_not_errors() -> None:
    plan = plan_of(
        """\
        plan: T
        x-team: growth
        events:
          E:
            x-jira: ANA-1
            properties:
              a: {type: string, x-pii: true}
        """
    )
    assert plan.extra == {"x-team": "growth"}
    assert plan.events["E"].extra == {"x-jira": "ANA-1"}
    assert plan.events["E"].fields["a"].extra == {"x-pii": True}


def test_include_merges_definitions_from_other_files(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "plan.yaml").write_text(
        "plan: Split\nversion: 1.0.0\ninclude: [parts/shared.yaml, parts/events.yaml]\n", encoding="utf-8"
    )
    (tmp_path / "parts" / "shared.yaml").write_text(
        "properties:\n  order_id: {type: string, min_length: 1}\n", encoding="utf-8"
    )
    (tmp_path / "parts" / "events.yaml").write_text(
        "events:\n  Order Completed:\n    properties:\n      order_id: {required: true}\n", encoding="utf-8"
    )
    plan = load_plan(tmp_path / "plan.yaml")
    assert plan.files == [
        str(tmp_path / "plan.yaml"),
        str(tmp_path / "parts" / "shared.yaml"),
        str(tmp_path / "parts" / "events.yaml"),
    ]
    order_id = plan.events["Order Completed"].fields["order_id"]
    assert order_id.required and order_id.constraints == {"min_length": 1}
    assert order_id.pos.file == str(tmp_path / "parts" / "events.yaml")
    assert set(plan.sources) == set(plan.files)


def test_plan_name_defaults_to_the_file_stem() -> None:
    plan = load_plan_text("events: {}\n", "checkout.yaml")
    assert (plan.name, plan.version) == ("checkout", "0.0.0")


def test_custom_reader_is_used(tmp_path: Path) -> None:
    texts = {"plan.yaml": "plan: From Reader\ninclude: b.yaml\n", "b.yaml": "events:\n  E: {}\n"}
    plan = load_plan("plan.yaml", read=lambda path: texts[path])
    assert plan.name == "From Reader" and list(plan.events) == ["E"]


# -- hostile YAML -----------------------------------------------------------------


def test_python_tags_are_never_constructed() -> None:
    text = "plan: !!python/object/apply:os.system ['echo hacked']\nevents: {}\n"
    with pytest.raises(PlanLoadError) as info:
        load_plan_text(text, "evil.yaml")
    messages = [str(issue) for issue in info.value.issues]
    assert messages == ["evil.yaml:1:7: 'plan' of the plan must be a string, not a list"]


def test_merge_keys_are_rejected() -> None:
    text = "plan: T\nbase: &b {type: string}\nevents:\n  E:\n    properties:\n      a: {<<: *b}\n"
    with pytest.raises(PlanLoadError) as info:
        load_plan_text(text, "plan.yaml")
    assert "plan.yaml:6:11: YAML merge keys ('<<') are not supported in plans" in [
        str(issue) for issue in info.value.issues
    ]


def test_alias_bomb_stops_with_one_problem() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    lines += ["events:", "  E:", "    properties:", "      p: {type: string, enum: *a8}"]
    with pytest.raises(PlanLoadError) as info:
        load_plan_text("\n".join(lines) + "\n", "bomb.yaml")
    assert len(info.value.issues) == 1
    assert f"YAML aliases expand the document by more than {MAX_ALIAS_NODES} nodes" in str(info.value.issues[0])


def test_self_referencing_alias_stops_with_one_problem() -> None:
    with pytest.raises(PlanLoadError) as info:
        load_plan_text("a: &a [*a, *a]\n", "loop.yaml")
    assert [str(issue) for issue in info.value.issues] == ["loop.yaml:1:4: the document is nested too deeply"]


def test_modest_aliases_still_work() -> None:
    root, issues = parse_yaml("a: &x {k: 1}\nb: *x\n", "f.yaml")
    assert issues == [] and isinstance(root, YMap)
    b = root.values["b"]
    assert isinstance(b, YMap) and isinstance(b.values["k"], YScalar) and b.values["k"].value == 1


def test_deep_nesting_is_reported_not_crashed() -> None:
    text = "a: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(PlanLoadError) as info:
        load_plan_text(text, "deep.yaml")
    assert len(info.value.issues) == 1
    assert str(info.value.issues[0]).startswith("deep.yaml:1:")


def test_types_nested_in_types_cannot_explode(monkeypatch: pytest.MonkeyPatch) -> None:
    from cdpctl.loading import definitions

    monkeypatch.setattr(definitions, "MAX_EXPANDED", 5_000)  # the same mechanism as the real limit, faster to reach
    lines = ["plan: T", "types:", "  t0:", "    properties:"]
    lines += [f"      p{j}: {{type: string}}" for j in range(10)]
    for i in range(1, 8):
        lines += [f"  t{i}:", "    properties:"] + [f"      p{j}: {{type: t{i - 1}}}" for j in range(10)]
    lines += ["events:", "  E:", "    properties:", "      x: {type: t7}"]
    with pytest.raises(PlanLoadError) as info:
        load_plan_text("\n".join(lines) + "\n", "typebomb.yaml")
    assert len(info.value.issues) == 1
    assert "the plan expands to more than 5000 properties" in str(info.value.issues[0])


def test_a_large_plan_stays_below_the_expansion_limit() -> None:
    lines = ["plan: T", "types:", "  product:", "    properties:"]
    lines += [f"      p{j}: {{type: string}}" for j in range(12)]
    lines += ["events:"]
    for n in range(2000):
        lines += [f"  Event {n}:", "    properties:", "      products: {type: array, items: product}"]
    plan = load_plan_text("\n".join(lines) + "\n", "big.yaml")
    assert len(plan.events) == 2000
    last = plan.events["Event 1999"].fields["products"].items
    assert last is not None and len(last.properties) == 12


def test_loading_keeps_no_state_between_plans() -> None:
    from cdpctl import yamlcompose

    for _ in range(3):
        load_plan(ROOT / "plans" / "insertchat.yaml")
    assert yamlcompose._SCALAR_CONSTRUCTOR.constructed_objects == {}


def test_yaml_scalars_resolve_as_yaml_1_1_safe_types() -> None:
    root, issues = parse_yaml("a: 0x1F\nb: 1_000\nc: yes\nd: ~\ne: 2.5\nf: '3'\ng: 2024-01-01\n", "f.yaml")
    assert issues == [] and isinstance(root, YMap)
    values = {key: node.value for key, node in root.values.items() if isinstance(node, YScalar)}
    assert values == {"a": 31, "b": 1000, "c": True, "d": None, "e": 2.5, "f": "3", "g": "2024-01-01"}


@pytest.mark.parametrize("kind", ["types", "shared", "inline", "arrays"])
def test_nesting_deeper_than_the_limit_is_one_problem_not_a_crash(kind: str) -> None:
    from cdpctl.loader import MAX_NESTING

    n = 300
    lines = ["plan: T"]
    if kind == "types":
        lines.append("types:")
        for i in range(n):
            lines += [
                f"  t{i}:",
                "    properties:",
                f"      next: {{type: t{i + 1}}}" if i < n - 1 else "      end: string",
            ]
        lines += ["events:", "  E:", "    properties:", "      x: {type: t0}"]
    elif kind == "shared":
        lines.append("properties:")
        for i in range(n):
            lines.append(
                f"  p{i}: {{type: object, properties: {{p{i + 1}: {{}}}}}}" if i < n - 1 else f"  p{i}: string"
            )
        lines += ["events:", "  E:", "    properties:", "      p0: {}"]
    elif kind == "inline":
        lines += [
            "events:",
            "  E:",
            "    properties:",
            "      a: " + "{type: object, properties: {a: " * 90 + "string" + "}}" * 90,
        ]
    else:
        lines += [
            "events:",
            "  E:",
            "    properties:",
            "      a: " + "{type: array, items: " * 90 + "string" + "}" * 90,
        ]
    with pytest.raises(PlanLoadError) as info:
        load_plan_text("\n".join(lines) + "\n", "deep.yaml")
    assert [issue.message for issue in info.value.issues] == [
        f"properties nest more than {MAX_NESTING} levels deep "
        "(counting objects, arrays, types and shared properties on the way)"
    ]


def test_nesting_up_to_a_dozen_levels_is_fine() -> None:
    text = (
        "plan: T\nevents:\n  E:\n    properties:\n      a: "
        + "{type: object, properties: {a: " * 12
        + "string"
        + "}}" * 12
    )
    plan = load_plan_text(text + "\n", "ok.yaml")
    assert max(path.count(".") for path, _ in plan.events["E"].walk()) == 13


def test_long_include_chains_are_one_problem_not_a_crash(tmp_path: Path) -> None:
    from cdpctl.loader import MAX_INCLUDE_DEPTH

    (tmp_path / "plan.yaml").write_text("plan: T\ninclude: f0.yaml\n", encoding="utf-8")
    for i in range(200):
        (tmp_path / f"f{i}.yaml").write_text(f"include: f{i + 1}.yaml\n", encoding="utf-8")
    with pytest.raises(PlanLoadError) as info:
        load_plan(tmp_path / "plan.yaml")
    last = tmp_path / f"f{MAX_INCLUDE_DEPTH - 1}.yaml"
    assert [str(issue) for issue in info.value.issues] == [
        f"{last}:1:10: includes nest more than {MAX_INCLUDE_DEPTH} files deep"
    ]


def test_an_alias_shares_its_anchor_and_reports_a_problem_inside_once() -> None:
    root, issues = parse_yaml("a: &x [1, {b: !!int q}]\nb: *x\nc: *x\n", "f.yaml")
    assert [str(issue) for issue in issues] == ["f.yaml:1:15: 'q' cannot be read as an integer (tag int)"]
    assert isinstance(root, YMap) and root.values["b"] is root.values["a"]


def test_an_anchor_inside_a_refused_key_still_reads_through_its_alias() -> None:
    root, issues = parse_yaml("? &q [1]\n: v\nw: *q\n", "f.yaml")
    assert [str(issue) for issue in issues] == ["f.yaml:1:3: a mapping key must be a plain string"]
    assert isinstance(root, YMap) and list(root.values) == ["w"]
    assert to_python(root.values["w"]) == [1]


def test_the_alias_budget_points_at_the_alias_that_exceeds_it() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    root, issues = parse_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert root is None and len(issues) == 1
    assert str(issues[0]).startswith("bomb.yaml:5:")
