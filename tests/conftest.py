"""Suite-wide settings: the plan cache lives in a folder of this test session, never the user's."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _plan_cache_folder() -> Iterator[None]:
    with tempfile.TemporaryDirectory(prefix="cdpctl-cache-") as folder:
        saved = {name: os.environ.get(name) for name in ("CDPCTL_CACHE_DIR", "CDPCTL_NO_CACHE")}
        os.environ["CDPCTL_CACHE_DIR"] = folder  # subprocesses inherit it
        os.environ.pop("CDPCTL_NO_CACHE", None)
        yield
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
