"""Suite-wide settings: the plan cache lives in a folder of this test session, never the user's; the
property tests run derandomized under ``HYPOTHESIS_PROFILE=ci`` (the same examples every run, as CI
needs), and explore new examples at every run elsewhere."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


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


@pytest.fixture
def plan_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plan cache folder of the test's own (not made yet), the cache on."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CDPCTL_CACHE_DIR", str(folder))
    monkeypatch.delenv("CDPCTL_NO_CACHE", raising=False)
    return folder
