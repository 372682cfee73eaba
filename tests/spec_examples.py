"""The examples of Segment's spec pages (``tests/data/segment-spec/*.yaml``) and how a test reads each.

Each data file is one page: its title and address, the plan it is checked against
(a spec plan of ``plans/`` or ``tests/data/segment-spec/plan/``), the semantic events
the page lists, and its examples as the page shows them, each with its ``form``
(explained at the top of every data file).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "segment-spec"
SPEC_PLANS = ("ecommerce-v2", "b2b-saas", "mobile", "video", "email")
TEST_USER = "spec-user-1"
TEST_ANONYMOUS = "spec-anonymous-1"


@dataclass(frozen=True)
class Example:
    page: str
    section: str
    form: str
    raw: dict[str, Any]
    """The example as written in the data file (``message`` or ``event`` and ``properties``)."""

    @property
    def label(self) -> str:
        return f"{self.page}: {self.section}"

    def message(self) -> dict[str, Any]:
        """The Segment message a test sends for this example."""
        if self.form == "call":
            return {"type": "track", "event": self.raw["event"], "properties": copy.deepcopy(self.raw["properties"]),
                    "userId": TEST_USER}
        written: dict[str, Any] = copy.deepcopy(self.raw["message"])
        if self.form == "legacy":
            message = {"type": "track", "event": written["event"],
                       "userId": written.get("userId", written.get("user_id"))}
            message.update({key: written[key] for key in ("properties", "context") if key in written})
            return message
        if self.form == "abridged" and "userId" not in written and "anonymousId" not in written:
            written["anonymousId"] = TEST_ANONYMOUS
        return written

    def as_written(self) -> dict[str, Any] | None:
        """The example as the page writes it, when it is a message at all (not for ``call``)."""
        return None if self.form == "call" else copy.deepcopy(self.raw["message"])


@dataclass(frozen=True)
class Page:
    file: Path
    title: str
    plan: str
    events: tuple[str, ...]
    examples: tuple[Example, ...]

    @property
    def plan_path(self) -> Path:
        shipped = ROOT / "plans" / f"{self.plan}.yaml"
        return shipped if self.plan in SPEC_PLANS else DATA / "plan" / f"{self.plan}.yaml"


def load_page(path: Path) -> Page:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    title = document["page"]
    examples = tuple(
        Example(title, item["section"], item["form"], item) for item in document["examples"]
    )
    return Page(path, title, document["plan"], tuple(document.get("events", ())), examples)


def pages() -> list[Page]:
    return [load_page(path) for path in sorted(DATA.glob("*.yaml"))]


def pages_of(plan: str) -> list[Page]:
    return [page for page in pages() if page.plan == plan]
