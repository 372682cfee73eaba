"""Load test of ``cdpctl serve``: batched clients over loopback, events per second and the count check.

Starts, each as its own process on a free loopback port:

* a bare ASGI sink under uvicorn that only reads each request body and answers
  200 (the floor: what the HTTP server alone costs), and
* ``cdpctl serve --capture`` (the collector validating, counting and capturing),

then drives each with the same pre-encoded batches from several client
threads (persistent connections, like SDKs), and prints both rates side by
side.  The count check: the collector's ``/summary`` counts exactly the
events sent, with the expected valid/invalid split, and the capture file
holds one line per event.

    python benchmarks/serve_load.py                 # 100,000 events, batches of 100, 4 clients
    python benchmarks/serve_load.py --events 20000 --batch 50 --clients 8 --sdk
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"

SINK = """
import asyncio, socket, sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"success":true}'})
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen(2048)
print("listening on http://127.0.0.1:%d" % sock.getsockname()[1], file=sys.stderr, flush=True)
server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, http="h11", lifespan="off"))
asyncio.run(server.serve(sockets=[sock]))
"""


def message(index: int, invalid: bool) -> dict[str, Any]:
    """An SDK-shaped message; ``invalid`` ones carry a type error or an unplanned event."""
    base: dict[str, Any] = {
        "messageId": str(uuid.UUID(int=index)),
        "timestamp": "2026-11-28T12:00:00.000+00:00",
        "userId": f"user-{index % 5000}",
        "context": {"library": {"name": "analytics-python", "version": "2.4.0"}, "ip": "10.0.0.1"},
        "integrations": {},
    }
    kind = index % 4
    if kind in (0, 1):
        products = [{"product_id": f"p{j}", "price": 9.99 + j, "quantity": 1 + j} for j in range(3)]
        properties: dict[str, Any] = {
            "order_id": f"o-{index}",
            "total": 39.97,
            "currency": "EUR",
            "products": products,
            "placed_at": "2026-11-28T12:00:00Z",
        }
        if invalid:
            properties["total"] = "39.97"
        return {**base, "type": "track", "event": "Order Completed", "properties": properties}
    if kind == 2:
        if invalid:
            return {**base, "type": "track", "event": "Unplanned Click", "properties": {"x": 1}}
        return {**base, "type": "page", "name": "Pricing", "properties": {"path": "/pricing"}}
    traits = {"email": f"user{index}@example.com", "plan": "pro"}
    if invalid:
        traits["plan"] = "platinum"
    return {**base, "type": "identify", "traits": traits}


def corpus(events: int, batch: int) -> tuple[list[bytes], int]:
    """Pre-encoded batch bodies and how many of their messages are invalid (1 in 20)."""
    bodies = []
    invalid = 0
    for start in range(0, events, batch):
        messages = []
        for index in range(start, min(start + batch, events)):
            bad = index % 20 == 7
            invalid += bad
            messages.append(message(index, bad))
        bodies.append(json.dumps({"batch": messages, "writeKey": "bench"}).encode())
    return bodies, invalid


def start(command: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stderr is not None
    while True:
        line = process.stderr.readline().decode()
        if not line:
            raise SystemExit(f"server did not start: {command}")
        if "listening on " in line:
            return process, line.split("listening on ", 1)[1].split()[0]


def drive(url: str, bodies: list[bytes], clients: int) -> tuple[float, int]:
    """Post every body from ``clients`` threads; seconds taken and non-200 answers."""
    errors = [0]
    lock = threading.Lock()
    chunks = [bodies[i::clients] for i in range(clients)]

    def worker(chunk: list[bytes]) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            for body in chunk:
                response = client.post("/v1/batch", content=body, headers={"Content-Type": "application/json"})
                if response.status_code != 200:
                    with lock:
                        errors[0] += 1

    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, errors[0]


def drive_sdk(url: str, events: int, clients: int, batch: int) -> tuple[float, int]:
    """The real segment-analytics-python SDK, ``clients`` clients each with its own upload thread."""
    from segment.analytics import Client

    failures = [0]
    sdk_clients = [
        Client(
            "bench",
            host=url,
            upload_size=batch,
            max_queue_size=events + 1,
            on_error=lambda e, b: failures.__setitem__(0, failures[0] + 1),
        )
        for _ in range(clients)
    ]
    began = time.perf_counter()
    for index in range(events):
        sdk = sdk_clients[index % clients]
        item = message(index, index % 20 == 7)
        if item["type"] == "track":
            sdk.track(item["userId"], item["event"], item["properties"])
        elif item["type"] == "page":
            sdk.page(item["userId"], None, item["name"], item["properties"])
        else:
            sdk.identify(item["userId"], item["traits"])
    for sdk in sdk_clients:
        sdk.flush()
    elapsed = time.perf_counter() - began
    for sdk in sdk_clients:
        sdk.join()
    return elapsed, failures[0]


def stop(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    process.terminate()
    out, _ = process.communicate(timeout=120)
    return process.returncode, out.decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--sdk", action="store_true", help="also drive the collector with the real Segment SDK")
    args = parser.parse_args()

    bodies, invalid = corpus(args.events, args.batch)
    size = sum(map(len, bodies))
    print(
        f"corpus: {args.events} events in {len(bodies)} batches of {args.batch} ({size / len(bodies) / 1024:.0f} KB each), "
        f"{invalid} invalid; {args.clients} client threads; {os.cpu_count()} cores"
    )

    sink, sink_url = start([sys.executable, "-c", SINK])
    sink_time, sink_errors = drive(sink_url, bodies, args.clients)
    stop(sink)

    ok = True
    rows = [("bare uvicorn sink (HTTP floor)", sink_time, sink_errors, "n/a")]
    with tempfile.TemporaryDirectory() as tmp:
        capture = Path(tmp) / "capture.ndjson"
        command = [
            sys.executable,
            "-m",
            "cdpctl",
            "serve",
            "--plan",
            str(PLAN),
            "--port",
            "0",
            "--no-live",
            "--capture",
            str(capture),
            "--format",
            "json",
        ]
        serve, serve_url = start(command)
        serve_time, serve_errors = drive(serve_url, bodies, args.clients)
        summary = httpx.get(serve_url + "/summary", timeout=60).json()
        code, _ = stop(serve)
        lines = capture.read_bytes().count(b"\n")
        expected = {"events": args.events, "valid": args.events - invalid, "invalid": invalid, "malformed": 0}
        got = {k: summary[k] for k in expected}
        check = got == expected and lines == args.events and serve_errors == 0 and code == 1
        ok &= check
        rows.append(
            (
                "cdpctl serve --capture",
                serve_time,
                serve_errors,
                f"{'OK' if check else 'FAILED'}: summary {got}, capture {lines} lines, exit {code}",
            )
        )
        if args.sdk:
            serve, serve_url = start(command[:-4] + ["--format", "json"])
            sdk_events = min(args.events, 20_000)
            sdk_time, sdk_errors = drive_sdk(serve_url, sdk_events, args.clients, args.batch)
            summary = httpx.get(serve_url + "/summary", timeout=60).json()
            stop(serve)
            check = summary["events"] == sdk_events and sdk_errors == 0
            ok &= check
            rows.append(
                (
                    f"cdpctl serve, {args.clients} SDK clients ({sdk_events} events)",
                    sdk_time,
                    sdk_errors,
                    f"{'OK' if check else 'FAILED'}: {summary['events']} counted",
                )
            )

    print(f"\n{'target':<44} {'seconds':>8} {'events/s':>10} {'vs floor':>9}  count check")
    for name, seconds, errors, note in rows:
        events = args.events if "SDK" not in name else min(args.events, 20_000)
        rate = events / seconds
        print(
            f"{name:<44} {seconds:>8.2f} {rate:>10,.0f} {sink_time / seconds * (events / args.events):>8.2f}x  "
            f"{note}{'' if not errors else f' ({errors} failed requests)'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
