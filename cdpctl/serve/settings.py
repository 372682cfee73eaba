"""``cdpctl serve`` options: command-line values over the ``serve`` section of the project config.

Every option has a config key of the same name (snake_case): a team can keep
``port``, ``write_key``, ``capture``, ``forward`` or ``block`` in
``cdpctl.yaml`` / ``[tool.cdpctl.serve]`` and CI lines stay short.  Values
are checked here; a wrong one is a usage error (exit 2), never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdpctl.errors import ConfigError, UsageError
from cdpctl.serve.controls import BLOCK_CHOICES, Controls
from cdpctl.serve.forward import QUEUE_BYTES
from cdpctl.serve.intake import LIMITS, make_limits
from cdpctl.serve.runner import ServeOptions

KEYS: dict[str, type | tuple[type, ...]] = {
    "host": str,
    "port": int,
    "write_key": str,
    "capture": str,
    "forward": str,
    "forward_blocked": str,
    "forward_write_key": str,
    "block": (list, str),
    "omit_unplanned_properties": bool,
    "forward_retries": int,
    "forward_queue_bytes": int,
    "limits": str,
    "max_message_bytes": int,
    "max_batch_bytes": int,
    "drain_timeout": (int, float),
    "keep": int,
    "require_events": bool,
    "format": str,
    "output": str,
}
DEFAULTS: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 8088,
    "block": [],
    "omit_unplanned_properties": False,
    "forward_retries": 5,
    "forward_queue_bytes": QUEUE_BYTES,
    "limits": "segment",
    "drain_timeout": 10.0,
    "keep": 1000,
    "require_events": False,
}


@dataclass
class Settings:
    """The resolved options, plus the shutdown report's format and destination."""

    options: ServeOptions
    format: str | None
    output: str | None


MAX_KEEP = 10_000_000
"""The most recent messages ``/events`` may keep (a larger count was an overflow; memory stays bounded)."""


def _http_url(url: str) -> bool:
    import httpx

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


def _checked(section: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in section.items():
        expected = KEYS.get(key)
        if expected is None:  # (the project configuration's keys are checked as it is read: a section given here)
            from cdpctl.loader import did_you_mean

            raise ConfigError(f"unknown 'serve' setting '{key}'{did_you_mean(key, KEYS)}; its settings are: {', '.join(KEYS)}")
        if value is None:
            continue
        if isinstance(value, bool) and expected is not bool:
            raise ConfigError(f"serve.{key} must not be true/false")
        if not isinstance(value, expected):
            raise ConfigError(f"serve.{key} has the wrong type ({type(value).__name__})")
        if key in ("capture", "output") and not value:  # as --capture '' and -o '': no file is named
            raise ConfigError(f"serve.{key} is empty: an empty path names no file (leave the setting out)")
        out[key] = value
    return out


def resolve(cli: Mapping[str, Any], section: Mapping[str, Any]) -> Settings:
    """Merge command-line values (None: not given) over config values over defaults, and check them."""
    values = {**DEFAULTS, **_checked(section)}
    values.update({key: value for key, value in cli.items() if value is not None and value != []})
    block = values["block"]
    blocks = [block] if isinstance(block, str) else list(block)
    for choice in blocks:
        if choice not in BLOCK_CHOICES:
            raise UsageError(f"--block takes {' or '.join(BLOCK_CHOICES)}, not '{choice}'")
    controls = Controls(
        block_unplanned="unplanned" in blocks,
        block_invalid="invalid" in blocks,
        omit_unplanned_properties=bool(values["omit_unplanned_properties"]),
    )
    forward = values.get("forward")
    forward_blocked = values.get("forward_blocked")
    if (controls.active or forward_blocked) and not forward:
        raise UsageError("schema controls (--block, --omit-unplanned-properties, --forward-blocked) need --forward")
    if forward_blocked and not (controls.block_unplanned or controls.block_invalid):
        raise UsageError("--forward-blocked needs --block unplanned or --block invalid")
    for name, url in (("--forward", forward), ("--forward-blocked", forward_blocked)):
        if url is not None and not _http_url(str(url)):
            raise UsageError(f"{name} takes an http:// or https:// URL with a host, not '{url}'")
    for name in ("write_key", "forward_write_key"):
        _check_write_key(f"--{name.replace('_', '-')}", values.get(name))
    port = int(values["port"])
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {port}")
    if not 1 <= int(values["keep"]) <= MAX_KEEP:
        raise UsageError(f"--keep must be from 1 to {MAX_KEEP:,}")
    if int(values["forward_retries"]) < 0 or not 0 <= float(values["drain_timeout"]) < float("inf"):
        raise UsageError("--forward-retries and --drain-timeout must not be negative (and --drain-timeout a number)")
    if values["limits"] not in LIMITS:
        raise UsageError(f"--limits takes {', '.join(LIMITS)}, not '{values['limits']}'")
    for name in ("max_message_bytes", "max_batch_bytes", "forward_queue_bytes"):
        if values.get(name) is not None and int(values[name]) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    limits = make_limits(str(values["limits"]), values.get("max_message_bytes"), values.get("max_batch_bytes"))
    options = ServeOptions(
        host=str(values["host"]),
        port=port,
        write_key=values.get("write_key"),
        capture=values.get("capture"),
        forward=forward,
        forward_blocked=forward_blocked,
        forward_write_key=values.get("forward_write_key"),
        controls=controls,
        keep=int(values["keep"]),
        forward_retries=int(values["forward_retries"]),
        forward_queue_bytes=int(values["forward_queue_bytes"]),
        limits=limits,
        drain_timeout=float(values["drain_timeout"]),
        require_events=bool(values["require_events"]),
    )
    return Settings(options, values.get("format"), values.get("output"))


def _check_write_key(option: str, key: object) -> None:
    """A write key the SDKs can send: the user name of HTTP basic credentials, so not empty and without ':'."""
    if key is None:
        return
    if key == "":
        raise UsageError(f"{option} is empty: leave it out to accept any key")
    if ":" in str(key) or not str(key).isprintable():
        raise UsageError(
            f"{option} cannot hold ':' or control characters: the SDKs send the key as the user name of basic "
            "auth, which ends at the first ':'"
        )
