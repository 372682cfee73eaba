"""Running the collector: building it from options, serving it with uvicorn, shutting down cleanly.

:func:`run` is what ``cdpctl serve`` calls: it binds the socket itself (so a
busy port is a clear error and port 0 picks a free one), serves until SIGINT
or SIGTERM, lets uvicorn stop accepting and finish in-flight requests, drains
the forward queues, and returns the collector for the final report.  A second
SIGINT or SIGTERM during that shutdown interrupts it: in-flight requests and
the forward queues are abandoned, and the report is marked partial.
:class:`BackgroundServer` runs the same server in a thread, for test suites
and the benchmark.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any

import uvicorn

from cdpctl.serve.app import CollectorApp
from cdpctl.serve.capture import CaptureWriter
from cdpctl.serve.controls import Controls
from cdpctl.serve.forward import QUEUE_BYTES, Forwarder, RetryPolicy
from cdpctl.serve.intake import LIMITS, Limits
from cdpctl.serve.state import Collector

if TYPE_CHECKING:
    from cdpctl.model import Plan


class ServeError(Exception):
    """The collector cannot start (the port is taken, the capture file cannot be opened...)."""


@dataclass
class ServeOptions:
    """Everything ``cdpctl serve`` can be told."""

    host: str = "127.0.0.1"
    port: int = 8088
    write_key: str | None = None
    capture: str | None = None
    forward: str | None = None
    forward_blocked: str | None = None
    forward_write_key: str | None = None
    controls: Controls = field(default_factory=Controls)
    keep: int = 1000
    forward_retries: int = 5
    forward_backoff: float = 0.5
    forward_queue: int = 100_000
    forward_queue_bytes: int = QUEUE_BYTES
    limits: Limits = field(default_factory=lambda: LIMITS["segment"])
    drain_timeout: float = 10.0
    graceful_timeout: int = 10
    require_events: bool = False
    """Exit 2, not 0, when the session received no event."""


@dataclass
class Built:
    """A ready-to-serve collector: the ASGI app and its state."""

    app: CollectorApp
    collector: Collector
    forwarders: list[Forwarder]
    interrupt: Callable[[], None] = lambda: None
    """Cut the shutdown short (a second signal): the forward drain stops at once."""


def build(plan: Plan, options: ServeOptions) -> Built:
    """The collector for ``plan``; raises :class:`ServeError` if the capture file cannot be opened."""
    from cdpctl.validation import Validator

    validator = Validator(plan)
    capture = None
    if options.capture:
        try:
            capture = CaptureWriter.open(options.capture)
        except OSError as exc:
            raise ServeError(f"cannot open the capture file '{options.capture}': {exc.strerror or exc}") from exc
    retry = RetryPolicy(attempts=options.forward_retries, base=options.forward_backoff)
    forwarder = blocked = None
    if options.forward:
        forwarder = Forwarder(
            options.forward, options.forward_write_key, options.forward_queue, retry, max_bytes=options.forward_queue_bytes
        )
    if options.forward_blocked:
        blocked = Forwarder(
            options.forward_blocked,
            options.forward_write_key,
            options.forward_queue,
            retry,
            max_bytes=options.forward_queue_bytes,
        )
    collector = Collector(
        validator,
        capture=capture,
        controls=options.controls,
        forwarder=forwarder,
        blocked_forwarder=blocked,
        keep=options.keep,
    )
    forwarders = [f for f in (forwarder, blocked) if f is not None]
    app = CollectorApp(collector, write_key=options.write_key, limits=options.limits)
    tasks: list[tuple[Forwarder, asyncio.Task[None]]] = []
    stop: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def start_forwarders() -> None:
        stop.append((asyncio.get_running_loop(), asyncio.Event()))
        for item in forwarders:
            tasks.append((item, asyncio.create_task(item.run())))

    async def drain_forwarders() -> None:
        draining = asyncio.ensure_future(
            asyncio.gather(*(item.drain(task, options.drain_timeout) for item, task in tasks))
        )
        stopped = asyncio.ensure_future(stop[0][1].wait()) if stop else None
        await asyncio.wait([f for f in (draining, stopped) if f is not None], return_when=asyncio.FIRST_COMPLETED)
        if not draining.done():
            draining.cancel()
            with suppress(asyncio.CancelledError):
                await draining
            for item, task in tasks:
                item.abandon(task, "interrupted")
        if stopped is not None:
            stopped.cancel()
        tasks.clear()

    def interrupt() -> None:
        for loop, event in stop:
            loop.call_soon_threadsafe(event.set)

    app.on_startup.append(start_forwarders)
    app.on_shutdown.append(drain_forwarders)
    return Built(app, collector, forwarders, interrupt)


class _Server(uvicorn.Server):
    """uvicorn's server, handling SIGINT/SIGTERM as a graceful stop without re-raising them afterwards.

    The first signal stops it gracefully; a second one, while it is still shutting
    down, sets :attr:`interrupted` and cuts the shutdown short.
    """

    interrupted: int | None = None
    on_interrupt: Callable[[], None] | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            self.interrupted = sig
            self.force_exit = True
            if self.on_interrupt is not None:
                self.on_interrupt()
        super().handle_exit(sig, frame)

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one); raises :class:`ServeError`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot resolve host '{host}': {exc.strerror}") from exc
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.setblocking(False)
    return sock


def base_url(sock: socket.socket) -> str:
    address = sock.getsockname()
    host = address[0]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{address[1]}"


class _LogLine(logging.Formatter):
    """uvicorn's warnings and errors as cdpctl's one-line messages (an exception by its type and text)."""

    def format(self, record: logging.LogRecord) -> str:
        level = "error" if record.levelno >= logging.ERROR else "warning"
        text = record.getMessage().strip().replace("\n", " ")
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f": {type(exc).__name__}" + (f": {exc}" if str(exc) else "")
        return f"cdpctl: {level}: {text}"


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"()": _LogLine}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}
"""uvicorn's logging: warnings and errors only, each one line on stderr (no traceback)."""


def make_server(app: CollectorApp, options: ServeOptions) -> _Server:
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=LOG_CONFIG,
        log_level="warning",
        access_log=False,
        http="h11",
        ws="none",
        timeout_graceful_shutdown=options.graceful_timeout,
        timeout_keep_alive=30,
        server_header=False,
    )
    return _Server(config)


def run(
    built: Built,
    sock: socket.socket,
    options: ServeOptions,
    background: Callable[[_Server], Any] | None = None,
) -> int | None:
    """Serve on ``sock`` until SIGINT/SIGTERM; ``background(server)`` may return a coroutine to run alongside.

    Returns the signal that interrupted the shutdown (a second SIGINT/SIGTERM), else None;
    when interrupted, the report is marked partial and what was not forwarded counts as failed.
    """
    server = make_server(built.app, options)
    server.on_interrupt = built.interrupt

    async def main() -> None:
        extra = None
        if background is not None:
            coroutine = background(server)
            if coroutine is not None:
                extra = asyncio.create_task(coroutine)
        try:
            await server.serve(sockets=[sock])
        finally:
            if extra is not None:
                extra.cancel()
                with suppress(asyncio.CancelledError):
                    await extra

    try:
        asyncio.run(main())
    finally:
        built.app.close()
        if built.collector.capture is not None:
            built.collector.capture.close()
    if server.interrupted is not None:
        built.collector.report.partial = True
        for forwarder in built.forwarders:
            forwarder.abandon(None, "interrupted")
    return server.interrupted


class BackgroundServer:
    """The collector served in a thread on a loopback port: ``with BackgroundServer(plan) as srv: srv.url``."""

    def __init__(self, plan: Plan, options: ServeOptions | None = None) -> None:
        self.options = options or ServeOptions(port=0)
        self.built = build(plan, self.options)
        self.sock = bind(self.options.host, self.options.port)
        self.url = base_url(self.sock)
        self.server = make_server(self.built.app, self.options)
        self._thread = threading.Thread(target=self._serve, name="cdpctl-serve", daemon=True)
        self.error: BaseException | None = None

    @property
    def collector(self) -> Collector:
        return self.built.collector

    def _serve(self) -> None:
        try:
            asyncio.run(self.server.serve(sockets=[self.sock]))
        except BaseException as exc:  # surfaced by stop()
            self.error = exc

    def start(self) -> BackgroundServer:
        self._thread.start()
        while not self.server.started and self._thread.is_alive():
            self._thread.join(0.01)
        if not self.server.started:
            raise ServeError(f"the collector did not start: {self.error!r}")
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop as SIGTERM would: stop accepting, finish in-flight requests, drain forwarding."""
        self.server.should_exit = True
        self._thread.join(timeout)
        if self.built.collector.capture is not None:
            self.built.collector.capture.close()
        if self.error is not None and not isinstance(self.error, SystemExit):
            raise self.error

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
