"""Speed of ``cdpctl import segment`` / ``export segment`` on a synthetic Segment Public API plan.

Prints, side by side, the import (conversion, extraction, YAML writing), the check that the result loads,
the export, and a baseline: ``json.loads`` of the source plus ``yaml.safe_dump`` of the parsed document
(the least any JSON -> YAML tool does).  Ratios matter more than absolute figures on a noisy machine.

    python benchmarks/interop_import.py [EVENTS]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import yaml

from cdpctl.interop.export import export_segment
from cdpctl.interop.importer import import_segment
from cdpctl.loader import load_plan_text


def synthetic_plan(events: int) -> dict[str, Any]:
    """``events`` track rules of 12 properties each: shared ones, nested objects, arrays, unions, enums."""
    rules = []
    for index in range(events):
        properties: dict[str, Any] = {
            "order_id": {"type": "string", "description": "Order id.", "minLength": 1},
            "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"], "description": "ISO 4217 code."},
            "total": {"type": "number", "minimum": 0},
            "coupon": {"type": ["string", "null"]},
            "value": {"type": ["string", "number"]},
            "products": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["product_id"],
                    "properties": {"product_id": {"type": "string"}, "price": {"type": "number", "minimum": 0}},
                },
            },
            "placed_at": {"type": "string", "format": "date-time"},
            "meta": {"type": "object", "properties": {"source": {"enum": ["web", "ios", None]}}},
        }
        for extra in range(4):
            properties[f"field_{index}_{extra}"] = {"type": "integer", "maximum": index + extra}
        schema = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {
                "context": {},
                "traits": {},
                "properties": {"type": "object", "required": ["order_id", "total"], "properties": properties},
            },
            "required": ["properties"],
        }
        rules.append({"key": f"Event {index} Happened", "type": "TRACK", "version": 1, "jsonSchema": schema})
    return {"id": "tp_bench", "name": "Benchmark", "rules": rules}


def best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    text = json.dumps(synthetic_plan(events))
    result = import_segment(json.loads(text), "bench.json")
    plan = load_plan_text(result.text, "bench.yaml")
    figures = {
        "baseline: json.loads + yaml.safe_dump": best_of(3, lambda: yaml.safe_dump(json.loads(text))),
        "import segment (convert, extract, write YAML)": best_of(3, lambda: import_segment(json.loads(text), "b.json")),
        "load the imported plan": best_of(3, lambda: load_plan_text(result.text, "bench.yaml")),
        "export segment": best_of(3, lambda: export_segment(plan)),
    }
    baseline = figures["baseline: json.loads + yaml.safe_dump"]
    print(
        f"{events} events, {len(text) // 1024} KiB of JSON -> {len(result.text) // 1024} KiB of YAML "
        f"({result.shared} shared properties)"
    )
    for label, seconds in figures.items():
        print(f"{label:48s} {seconds * 1000:8.1f} ms   {seconds / baseline:5.2f}x baseline")


if __name__ == "__main__":
    main()
