"""Shared by the ``serve`` tests: the collector as a real process, and upstreams that never answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
PLAN = str(ROOT / "plans" / "acme-shop.yaml")

VALID: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u1",
    "properties": {"order_id": "o1", "total": 3, "currency": "EUR", "products": [{"product_id": "p", "price": 3}]},
}
UNPLANNED: dict[str, Any] = {"type": "track", "event": "Not In The Plan", "userId": "u1"}


class Served:
    """A ``cdpctl serve`` process and its URL."""

    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url

    def send(self, sig: int) -> None:
        self.process.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        self.process.send_signal(sig)
        return self.wait()

    def wait(self) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=120)
        return self.process.returncode, out.decode(), err.decode()

    def post(self, messages: list[Any], **kwargs: Any) -> httpx.Response:
        return httpx.post(self.url + "/v1/batch", content=orjson.dumps({"batch": messages}), timeout=30, **kwargs)


def _read_url(stream: IO[bytes], process: subprocess.Popen[bytes]) -> str:
    seen = []
    while True:
        line = stream.readline().decode()
        if not line:
            process.wait(30)
            raise AssertionError(f"serve exited ({process.returncode}) before listening: {''.join(seen)}")
        seen.append(line)
        if "listening on " in line:
            return line.split("listening on ", 1)[1].split()[0]


@contextmanager
def serve_process(*args: str, preexec: Callable[[], None] | None = None) -> Iterator[Callable[..., Served]]:
    """``start(*more_args)`` runs ``cdpctl serve`` on a free port; every process is killed at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*more: str) -> Served:
        env = {**os.environ, "GITHUB_ACTIONS": "false"}
        process = subprocess.Popen(
            [sys.executable, "-m", "cdpctl", "serve", "--plan", PLAN, "--port", "0", "--no-live", *args, *more],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
            preexec_fn=preexec,
        )
        started.append(process)
        assert process.stderr is not None
        return Served(process, _read_url(process.stderr, process))

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=30)


class Blackhole:
    """A TCP listener that accepts connections and never answers: an upstream that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


def raw_request(url: str, head: bytes, body: bytes = b"", close_early: bool = False) -> bytes:
    """Send bytes as they are over a socket (headers httpx would refuse, bodies cut short); the answer.

    ``head`` should say ``Connection: close``: the answer is read until the server closes.
    """
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head + body)
        if close_early:
            return b""
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@contextmanager
def held_checker(srv: Any) -> Iterator[tuple[threading.Event, threading.Event]]:
    """``(entered, release)``: the checker stops on an event named ``Hold`` until ``release`` is set."""
    release = threading.Event()
    entered = threading.Event()
    validator = srv.collector.validator

    class Held:
        def check(self, message: Any) -> Any:
            if isinstance(message, dict) and message.get("event") == "Hold":
                entered.set()
                release.wait(60)
            return validator.check(message)

    srv.collector.validator = Held()  # type: ignore[assignment]
    try:
        yield entered, release
    finally:
        release.set()
