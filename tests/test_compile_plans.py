"""`cdpctl compile` on the shipped plans: valid schemas, index.json, determinism, safe file names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.compiler import compile_plan, dumps, write_compiled
from cdpctl.errors import PlanLoadError, UsageError
from cdpctl.loader import load_plan, load_plan_text
from cdpctl.slug import slugify, unique_slugs

ROOT = Path(__file__).resolve().parents[1]
PLANS = sorted((ROOT / "plans").glob("*.yaml"))
runner = CliRunner()


def test_the_three_example_plans_ship() -> None:
    names = {path.name for path in PLANS}
    assert {"acme-shop.yaml", "insertchat.yaml", "ecommerce-v2.yaml"} <= names


@pytest.mark.parametrize("plan_path", PLANS, ids=lambda p: p.name)
@pytest.mark.parametrize(("draft", "validator"), [("07", Draft7Validator), ("2020-12", Draft202012Validator)])
def test_every_example_plan_compiles_to_schemas_that_pass_the_metaschema(
    plan_path: Path, draft: str, validator: Any
) -> None:
    compiled = compile_plan(load_plan(plan_path), draft)
    assert compiled.schemas
    for item in compiled.schemas:
        validator.check_schema(item.schema)
        assert item.schema["$schema"] == validator.META_SCHEMA["$schema"]


def test_insertchat_plan_covers_its_product() -> None:
    plan = load_plan(ROOT / "plans" / "insertchat.yaml")
    for event in ("Chatbot Created", "Chatbot Deployed", "Conversation Started", "Message Sent", "Handoff Requested"):
        assert event in plan.events
    assert plan.identify is not None and plan.identify.fields
    assert plan.group is not None and plan.group.fields
    compiled = compile_plan(plan)
    sent = compiled.for_call("track", "Message Sent")
    assert sent is not None
    message: dict[str, Any] = {
        "type": "track",
        "event": "Message Sent",
        "userId": "u1",
        "properties": {
            "chatbot_id": "cb_ab12cd34",
            "conversation_id": "123e4567-e89b-12d3-a456-426614174000",
            "message_id": "123e4567-e89b-12d3-a456-426614174001",
            "sender": "bot",
            "length": 42,
            "latency_ms": None,
        },
    }
    assert Draft7Validator(sent.schema).is_valid(message)
    message["properties"]["conversation_id"] = "not-a-uuid"
    assert not Draft7Validator(sent.schema).is_valid(message)


ECOMMERCE_EVENTS = [
    "Products Searched",
    "Product List Viewed",
    "Product List Filtered",
    "Promotion Viewed",
    "Promotion Clicked",
    "Product Clicked",
    "Product Viewed",
    "Product Added",
    "Product Removed",
    "Cart Viewed",
    "Checkout Started",
    "Checkout Step Viewed",
    "Checkout Step Completed",
    "Payment Info Entered",
    "Order Completed",
    "Order Updated",
    "Order Refunded",
    "Order Cancelled",
    "Coupon Entered",
    "Coupon Applied",
    "Coupon Denied",
    "Coupon Removed",
    "Product Added to Wishlist",
    "Product Removed from Wishlist",
    "Wishlist Product Added to Cart",
    "Product Shared",
    "Cart Shared",
    "Product Reviewed",
]


def test_ecommerce_plan_follows_the_v2_spec() -> None:
    plan = load_plan(ROOT / "plans" / "ecommerce-v2.yaml")
    assert list(plan.events) == ECOMMERCE_EVENTS
    product = plan.types["product"]
    assert set(product.properties) == {
        "product_id",
        "sku",
        "category",
        "name",
        "brand",
        "variant",
        "price",
        "quantity",
        "coupon",
        "position",
        "url",
        "image_url",
    }
    completed = plan.events["Order Completed"].fields
    for name in ("checkout_id", "order_id", "affiliation", "subtotal", "total", "revenue", "shipping", "tax"):
        assert name in completed
    assert completed["products"].items is not None and completed["products"].items.ref == "product"
    schema = compile_plan(plan).for_call("track", "Order Completed")
    assert schema is not None
    spec_example: dict[str, Any] = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u1",
        "properties": {
            "checkout_id": "fksdjfsdjfisjf9sdfjsd9f",
            "order_id": "50314b8e9bcf000000000000",
            "affiliation": "Google Store",
            "total": 27.5,
            "subtotal": 22.5,
            "revenue": 25.0,
            "shipping": 3,
            "tax": 2,
            "discount": 2.5,
            "coupon": "hasbros",
            "currency": "USD",
            "products": [
                {"product_id": "507f1f77bcf86cd799439011", "sku": "45790-32", "price": 19, "quantity": 1},
                {"product_id": "505bd76785ebb509fc183733", "name": "Uno Card Game", "price": 3, "quantity": 2},
            ],
        },
    }
    assert Draft7Validator(schema.schema).is_valid(spec_example)
    spec_example["properties"]["products"][0]["price"] = "19"
    assert not Draft7Validator(schema.schema).is_valid(spec_example)


def test_index_lists_every_governed_call_with_safe_files(tmp_path: Path) -> None:
    compiled = compile_plan(load_plan(ROOT / "plans" / "acme-shop.yaml"))
    write_compiled(compiled, tmp_path)
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert index == {
        "plan": "Acme Shop",
        "version": "1.0.0",
        "schemas": [
            {"type": "track", "event": "Order Completed", "file": "track/order-completed.json"},
            {"type": "track", "event": "Chatbot Created", "file": "track/chatbot-created.json"},
            {"type": "track", "event": "Legacy Thing Happened", "file": "track/legacy-thing-happened.json"},
            {"type": "identify", "file": "identify.json"},
            {"type": "group", "file": "group.json"},
            {"type": "page", "event": "Pricing", "file": "page/pricing.json"},
            {"type": "screen", "event": "Home", "file": "screen/home.json"},
        ],
    }
    for entry in index["schemas"]:
        schema = json.loads((tmp_path / entry["file"]).read_text(encoding="utf-8"))
        Draft7Validator.check_schema(schema)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.json"))
    assert len(written) == len(index["schemas"]) + 1


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("plan_path", PLANS, ids=lambda p: p.name)
def test_recompilation_is_byte_identical(plan_path: Path, tmp_path: Path) -> None:
    for run in ("a", "b"):
        write_compiled(compile_plan(load_plan(plan_path)), tmp_path / run)
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert first and first == second
    assert dumps(compile_plan(load_plan(plan_path)).bundle()) == dumps(compile_plan(load_plan(plan_path)).bundle())


def test_recompilation_in_separate_processes_is_byte_identical(tmp_path: Path) -> None:
    plan = ROOT / "plans" / "insertchat.yaml"
    for run in ("a", "b"):
        done = subprocess.run(
            [sys.executable, "-m", "cdpctl", "compile", str(plan), "--out", str(tmp_path / run)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_cli_compile_writes_files_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    result = runner.invoke(app, ["compile", str(ROOT / "plans" / "acme-shop.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote 7 schemas and index.json to {out}" in result.output
    assert (out / "track" / "order-completed.json").is_file()
    schema = json.loads((out / "track" / "order-completed.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["properties"]["event"] == {"const": "Order Completed"}


def test_cli_compile_prints_one_bundle_without_out() -> None:
    result = runner.invoke(app, ["compile", str(ROOT / "plans" / "acme-shop.yaml"), "--draft", "2020-12"])
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.stdout)
    assert bundle["plan"] == "Acme Shop" and bundle["version"] == "1.0.0"
    assert [entry["file"] for entry in bundle["schemas"]][:2] == [
        "track/order-completed.json",
        "track/chatbot-created.json",
    ]
    for entry in bundle["schemas"]:
        Draft202012Validator.check_schema(entry["schema"])
        assert entry["schema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_cli_compile_rejects_an_unknown_draft() -> None:
    result = runner.invoke(app, ["compile", str(ROOT / "plans" / "acme-shop.yaml"), "--draft", "04"])
    assert result.exit_code == 2
    assert "unknown JSON Schema draft '04'; choose 07 or 2020-12" in result.output


def test_cli_compile_reports_an_unwritable_out_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = runner.invoke(app, ["compile", str(ROOT / "plans" / "acme-shop.yaml"), "--out", str(blocker)])
    assert result.exit_code == 2
    assert f"cannot write to '{blocker}'" in result.output


def test_draft_aliases() -> None:
    plan = load_plan(ROOT / "plans" / "acme-shop.yaml")
    assert compile_plan(plan, "7").draft == "07"
    assert compile_plan(plan, "draft-07").draft == "07"
    assert compile_plan(plan, "2020").draft == "2020-12"
    with pytest.raises(UsageError):
        compile_plan(plan, "2019-09")


HOSTILE = [
    "../../etc/passwd",
    "/absolute/path",
    "..",
    ".",
    "C:\\Windows\\system32",
    "Order Completed",
    "order-completed",
    "ORDER COMPLETED!!",
    "😀🎉",
    "🔥",
    "名前",
    "tab\tand\nnewline",
    "nul\x00byte",
    "x" * 300,
    "x" * 301,
    "index",
    "-leading and trailing-",
]


def test_hostile_event_names_give_safe_unique_slugs(tmp_path: Path) -> None:
    text = "plan: Hostile\nversion: 1.0.0\nevents:\n" + "".join(
        f"  {json.dumps(name, ensure_ascii=False)}: {{}}\n" for name in HOSTILE
    )
    plan = load_plan_text(text, "hostile.yaml")
    assert list(plan.events) == HOSTILE
    compiled = compile_plan(plan)
    files = [item.file for item in compiled.schemas]
    assert len(set(files)) == len(HOSTILE)
    for file in files:
        folder, name = file.split("/")
        assert folder == "track"
        stem = name.removesuffix(".json")
        assert stem and len(stem) <= 80 and all(c.isascii() and (c.isalnum() or c == "-") for c in stem), stem
        assert not stem.startswith("-") and not stem.endswith("-")
    out = tmp_path / "out"
    written = write_compiled(compiled, out)
    for path in written:
        assert path.resolve().is_relative_to(out.resolve())
    assert len(list((out / "track").iterdir())) == len(HOSTILE)
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [entry["event"] for entry in index["schemas"]] == HOSTILE


def test_slugs_are_deterministic_and_readable() -> None:
    assert slugify("Order Completed") == "order-completed"
    assert slugify("Café Ordered") == "cafe-ordered"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("😀") == slugify("😀") and slugify("😀").startswith("event-")
    assert slugify("😀") != slugify("🔥")
    assert unique_slugs(["A b", "a-b", "A  B"]) == {"A b": "a-b", "a-b": "a-b-2", "A  B": "a-b-3"}


def test_empty_event_names_are_rejected() -> None:
    with pytest.raises(PlanLoadError) as info:
        load_plan_text('plan: T\nevents:\n  "": {}\n  "  ": {}\n', "plan.yaml")
    assert [str(issue) for issue in info.value.issues] == [
        "plan.yaml:3:3: a name in 'events' must not be empty",
        "plan.yaml:4:3: a name in 'events' must not be empty",
    ]
