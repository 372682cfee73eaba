"""Benchmark ``cdpctl generate python``: generation time, the generated module's cost, and per-call overhead.

Run: python benchmarks/generate_python.py [--events 500] [--calls 20000]

Prints, side by side with a baseline measured in the same run:
- end-to-end ``cdpctl generate python`` vs ``cdpctl compile`` on the same synthetic plan (both load the plan);
- importing the generated module vs starting Python with nothing to import;
- ``mypy --strict`` on the generated module (cold cache);
- one typed call through ``Tracker`` (validate off, validate on) vs calling the client's ``track`` directly.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


def synthetic_plan(events: int) -> dict[str, Any]:
    """A plan of ``events`` track events with enums, patterns, formats, nested product arrays."""
    plan: dict[str, Any] = {
        "plan": "Benchmark Shop",
        "version": "1.0.0",
        "properties": {
            "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"]},
            "order_id": {"type": "string", "min_length": 1},
        },
        "types": {
            "product": {
                "properties": {
                    "product_id": {"type": "string", "required": True},
                    "price": {"type": "number", "minimum": 0, "required": True},
                    "quantity": {"type": "integer", "minimum": 1},
                }
            }
        },
        "events": {},
        "identify": {"traits": {"email": {"type": "string", "format": "email"}}},
    }
    for index in range(events):
        plan["events"][f"Event Number {index}"] = {
            "description": f"Synthetic event {index}.",
            "properties": {
                "order_id": {"required": True},
                "currency": {"required": True},
                "total": {"type": "number", "minimum": 0, "required": True},
                "coupon": {"type": "string", "nullable": True},
                "products": {"type": "array", "items": "product", "min_items": 1},
                "placed_at": {"type": "string", "format": "date-time"},
                "code": {"type": "string", "pattern": "^[a-z]{3}$"},
                "settings": {"type": "object", "properties": {"level": {"type": "integer"}}},
            },
        }
    return plan


def best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def run(*command: str, cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)


class Client:
    def track(self, **kwargs: Any) -> Any:
        return kwargs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    cdpctl = str(Path(sys.executable).with_name("cdpctl"))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        plan_file = work / "plan.yaml"
        plan_file.write_text(yaml.safe_dump(synthetic_plan(args.events), sort_keys=False), encoding="utf-8")
        module = work / "bench_client.py"

        generate = best_of(3, lambda: run(cdpctl, "generate", "python", "--plan", str(plan_file), "--out", str(module), cwd=work))
        compile_ = best_of(3, lambda: run(cdpctl, "compile", str(plan_file), "--out", str(work / "schemas"), cwd=work))
        lines = len(module.read_text(encoding="utf-8").splitlines())
        size = module.stat().st_size
        print(f"plan: {args.events} events; generated module: {lines} lines, {size / 1024:.0f} KiB")
        print(f"cdpctl generate python (end to end)   {generate * 1000:8.0f} ms")
        print(f"cdpctl compile --out (baseline)        {compile_ * 1000:8.0f} ms   ratio {generate / compile_:.2f}x")

        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        imports = best_of(5, lambda: subprocess.run([sys.executable, "-c", "import bench_client"], cwd=work, env=env, check=True))
        bare = best_of(5, lambda: subprocess.run([sys.executable, "-c", "pass"], cwd=work, env=env, check=True))
        writes = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run([sys.executable, "-c", "import bench_client"], cwd=work, env=writes, check=True)  # __pycache__
        cached = best_of(5, lambda: subprocess.run([sys.executable, "-c", "import bench_client"], cwd=work, env=writes, check=True))
        print(f"python -c 'pass' (baseline)            {bare * 1000:8.0f} ms")
        print(f"python -c 'import bench_client'        {imports * 1000:8.0f} ms   first import, no bytecode: +{(imports - bare) * 1000:.0f} ms")
        print(f"  again, with __pycache__              {cached * 1000:8.0f} ms   usual import: +{(cached - bare) * 1000:.0f} ms")

        start = time.perf_counter()
        mypy = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(work / ".mypy"), "bench_client.py"],
            cwd=work, capture_output=True, text=True,
        )
        mypy_time = time.perf_counter() - start
        print(f"mypy --strict bench_client.py (cold)   {mypy_time * 1000:8.0f} ms   ({mypy.stdout.strip().splitlines()[-1]})")

        spec = importlib.util.spec_from_file_location("bench_client", module)
        assert spec is not None and spec.loader is not None
        generated = importlib.util.module_from_spec(spec)
        sys.modules["bench_client"] = generated
        spec.loader.exec_module(generated)
        client = Client()
        plain = generated.Tracker(client)
        checked = generated.Tracker(client, validate=True)
        products = [{"product_id": "p1", "price": 9.5, "quantity": 2}]
        calls = args.calls

        def direct() -> None:
            for _ in range(calls):
                client.track(
                    user_id="u1", event="Event Number 7",
                    properties={"order_id": "o-1", "currency": "EUR", "total": 12.5, "products": products, "code": "abc"},
                    context={}, timestamp=None, anonymous_id=None, integrations={},
                )

        def typed(tracker: Any) -> Callable[[], None]:
            def loop() -> None:
                for _ in range(calls):
                    tracker.event_number_7(user_id="u1", order_id="o-1", currency="EUR", total=12.5, products=products, code="abc")
            return loop

        checked.event_number_7(user_id="u1", order_id="o-1", currency="EUR", total=12.5, products=products, code="abc")
        base = best_of(3, direct) / calls
        typed_off = best_of(3, typed(plain)) / calls
        typed_on = best_of(3, typed(checked)) / calls
        print(f"client.track(...) direct (baseline)    {base * 1e6:8.2f} us/call   (a client that does nothing)")
        print(f"tracker.event_number_7(...)            {typed_off * 1e6:8.2f} us/call   ratio {typed_off / base:.1f}x")
        print(f"  with validate=True                   {typed_on * 1e6:8.2f} us/call   ratio {typed_on / base:.1f}x")
        try:
            from segment.analytics import Client as SegmentClient
        except ImportError:
            return
        sdk = SegmentClient(write_key="benchmark", send=False, sync_mode=True)
        through = generated.Tracker(sdk)

        def sdk_direct() -> None:
            for _ in range(calls // 4):
                sdk.track(
                    user_id="u1", event="Event Number 7",
                    properties={"order_id": "o-1", "currency": "EUR", "total": 12.5, "products": products, "code": "abc"},
                )

        def sdk_typed() -> None:
            for _ in range(calls // 4):
                through.event_number_7(user_id="u1", order_id="o-1", currency="EUR", total=12.5, products=products, code="abc")

        rounds = [(best_of(1, sdk_direct), best_of(1, sdk_typed)) for _ in range(5)]  # interleaved: noise hits both
        sdk_base = min(direct_time for direct_time, _ in rounds) / (calls // 4)
        sdk_wrapped = min(typed_time for _, typed_time in rounds) / (calls // 4)
        print(f"segment Client(send=False).track       {sdk_base * 1e6:8.2f} us/call   (the real SDK, baseline)")
        print(f"tracker.event_number_7 over that SDK   {sdk_wrapped * 1e6:8.2f} us/call   ratio {sdk_wrapped / sdk_base:.2f}x")


if __name__ == "__main__":
    main()
