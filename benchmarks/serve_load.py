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
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
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
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json"), (b"content-length", b"16")]})
    await send({"type": "http.response.body", "body": b'{"success":true}'})
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc), 0.0 where unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc), 0.0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


async def _client(host: str, port: int, requests: list[bytes], statuses: list[int]) -> None:
    """One keep-alive connection posting its requests one after another (like one SDK upload thread)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for request in requests:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line = head.split(b"\r\n", 1)[0]
            try:
                statuses.append(int(status_line.split()[1]))
            except (IndexError, ValueError):
                raise SystemExit(f"unexpected response: {head[:200]!r}") from None
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
    finally:
        writer.close()


def drive(url: str, bodies: list[bytes], clients: int) -> tuple[float, int]:
    """Post every body over ``clients`` keep-alive connections; seconds taken and non-200 answers.

    The client is a few lines of asyncio writing pre-encoded requests, so the
    measurement is of the server, not of an HTTP client library.
    """
    host, port = url.removeprefix("http://").rsplit(":", 1)
    requests = [
        (
            f"POST /v1/batch HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: Basic YmVuY2g6\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        for body in bodies
    ]
    statuses: list[int] = []

    async def run() -> None:
        await asyncio.gather(*(_client(host, int(port), requests[i::clients], statuses) for i in range(clients)))

    began = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - began
    return elapsed, sum(1 for status in statuses if status != 200) + len(bodies) - len(statuses)


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


@dataclass
class Row:
    name: str
    events: int
    seconds: float
    cpu: float
    errors: int
    note: str


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
        f"corpus: {args.events} events in {len(bodies)} batches of {args.batch} "
        f"({size / len(bodies) / 1024:.0f} KB each), {invalid} invalid; {args.clients} keep-alive client "
        f"connections; {os.cpu_count()} cores"
    )
    ok = True
    sink_process, sink_url = start([sys.executable, "-c", SINK])
    before = cpu_seconds(sink_process.pid)
    seconds, errors = drive(sink_url, bodies, args.clients)
    sink = Row(
        "bare uvicorn sink (HTTP floor)", args.events, seconds, cpu_seconds(sink_process.pid) - before, errors, ""
    )
    stop(sink_process)
    rows = [sink]
    with tempfile.TemporaryDirectory() as tmp:
        capture = Path(tmp) / "capture.ndjson"
        base = [sys.executable, "-m", "cdpctl", "serve", "--plan", str(PLAN), "--port", "0", "--no-live"]
        process, url = start([*base, "--capture", str(capture), "--format", "json"])
        before = cpu_seconds(process.pid)
        half = len(bodies) // 2
        first, errors = drive(url, bodies[:half], args.clients)
        rss_half = rss_mb(process.pid)
        second, more_errors = drive(url, bodies[half:], args.clients)
        rss_end = rss_mb(process.pid)
        seconds, errors = first + second, errors + more_errors
        cpu = cpu_seconds(process.pid) - before
        summary = httpx.get(url + "/summary", timeout=60).json()
        code, _ = stop(process)
        lines = capture.read_bytes().count(b"\n")
        expected = {"events": args.events, "valid": args.events - invalid, "invalid": invalid, "malformed": 0}
        got = {k: summary[k] for k in expected}
        check = got == expected and lines == args.events and errors == 0 and code == 1
        ok &= check
        note = f"{'OK' if check else 'FAILED'}: /summary {got}; capture {lines} lines; exit {code}"
        memory = f"collector memory: {rss_half:.0f} MB after {half * args.batch:,} events, {rss_end:.0f} MB after {args.events:,}"
        rows.append(Row("cdpctl serve --capture", args.events, seconds, cpu, errors, note))
        if args.sdk:
            sdk_events = min(args.events, 20_000)
            process, url = start([*base, "--format", "json"])
            before = cpu_seconds(process.pid)
            seconds, errors = drive_sdk(url, sdk_events, args.clients, args.batch)
            cpu = cpu_seconds(process.pid) - before
            summary = httpx.get(url + "/summary", timeout=60).json()
            stop(process)
            check = summary["events"] == sdk_events and errors == 0
            ok &= check
            note = f"{'OK' if check else 'FAILED'}: {summary['events']} of {sdk_events} counted"
            rows.append(
                Row(f"cdpctl serve, {args.clients} Segment SDK clients", sdk_events, seconds, cpu, errors, note)
            )

    print(
        f"\n{'target':<36} {'events':>7} {'wall s':>7} {'events/s':>9} {'server CPU s':>12} {'events/CPU-s':>12}  count check"
    )
    for row in rows:
        per_cpu = f"{row.events / row.cpu:>12,.0f}" if row.cpu else f"{'n/a':>12}"
        failed = f" ({row.errors} failed requests)" if row.errors else ""
        print(
            f"{row.name:<36} {row.events:>7} {row.seconds:>7.2f} {row.events / row.seconds:>9,.0f} "
            f"{row.cpu:>12.2f} {per_cpu}  {row.note}{failed}"
        )
    print(f"\n{memory}")
    serve_row = rows[1]
    if serve_row.cpu and sink.cpu:
        print(
            f"cdpctl serve costs {serve_row.cpu / sink.cpu:.2f}x the CPU of the bare HTTP sink; one core sustains "
            f"{serve_row.events / serve_row.cpu:,.0f} events/s (target: 5,000)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
