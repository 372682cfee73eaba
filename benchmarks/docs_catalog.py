"""How long `cdpctl docs` takes to write the catalog of a large plan, beside loading that plan alone.

Usage: python benchmarks/docs_catalog.py [--events 2000] [--runs 3]

Prints, per run, the time to load the plan (the floor: every command pays it), the time of the whole
`cdpctl docs` process, and the size of the catalog's data file; then the best of each and their ratio.
The browser side is measured too when Playwright and Chromium are present: the time from opening the
index page from file:// until its list is drawn, and the time a search takes to redraw it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lint_plan_generator import plan_text  # noqa: E402


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def browser_figures(index: Path) -> tuple[float, float] | None:
    try:
        from playwright.sync_api import sync_playwright

        from tests.browser import FLAGS, chromium_path
    except ImportError:
        return None
    executable = chromium_path()
    if executable is None:
        return None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        page = browser.new_page()
        start = time.perf_counter()
        page.goto(index.as_uri())
        page.wait_for_selector("#links li a[data-route]")
        opened = time.perf_counter() - start
        start = time.perf_counter()
        page.fill("#q", "order")
        page.evaluate("document.querySelectorAll('#links li').length")
        searched = time.perf_counter() - start
        browser.close()
    return opened, searched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan.yaml"
        plan.write_text(plan_text(args.events), encoding="utf-8")
        load = [sys.executable, "-c", f"from cdpctl.loader import load_plan; load_plan({str(plan)!r})"]
        docs = [sys.executable, "-m", "cdpctl", "docs", str(plan), "--out", str(Path(tmp) / "site")]
        loads, builds = [], []
        for run in range(args.runs):
            loads.append(timed(load))
            builds.append(timed(docs))
            print(f"run {run + 1}: load {loads[-1]:.2f} s, cdpctl docs {builds[-1]:.2f} s")
        size = (Path(tmp) / "site" / "data.js").stat().st_size
        print(f"{args.events} events: cdpctl docs best {min(builds):.2f} s, loading the plan alone best {min(loads):.2f} s "
              f"({min(builds) / min(loads):.2f}x); data.js {size / 1e6:.1f} MB")
        figures = browser_figures(Path(tmp) / "site" / "index.html")
        if figures is not None:
            print(f"in Chromium: index drawn {figures[0]:.2f} s after opening; a search redraws in {figures[1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
