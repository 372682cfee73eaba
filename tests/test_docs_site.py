"""The documentation site: it builds with ``mkdocs build --strict``, every generated reference page names
every rule, code and option of the code, and its search works in a real browser."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.browser import browser, screenshot, serve_folder

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mkdocs")
pytest.importorskip("material")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    return out


def _text(site: Path, page: str) -> str:
    raw = (site / page / "index.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def test_every_page_of_the_nav_is_built(site: Path) -> None:
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a safe loader

    def pages(nav: object) -> list[str]:
        if isinstance(nav, str):
            return [nav]
        if isinstance(nav, list):
            return [p for item in nav for p in pages(item)]
        if isinstance(nav, dict):
            return [p for value in nav.values() for p in pages(value)]
        return []

    for page in pages(config["nav"]):
        stem = page.removesuffix(".md")
        built = site / (stem + ".html" if stem == "index" or stem.endswith("/index") else stem + "/index.html")
        assert built.is_file(), page


def test_lint_rules_page_names_every_rule(site: Path) -> None:
    from cdpctl.lint.registry import all_rules

    text = _text(site, "reference/lint-rules")
    for rule in all_rules():
        assert rule.code in text and rule.slug in text, rule.code


def test_violation_codes_page_names_every_code(site: Path) -> None:
    from cdpctl.validation.render import RUN_RULES
    from cdpctl.validation.violations import CODES

    text = _text(site, "reference/violation-codes")
    for code in [*CODES, *RUN_RULES]:
        assert code in text, code


def test_diff_rules_page_names_every_rule(site: Path) -> None:
    from cdpctl.diff.registry import RULES

    text = _text(site, "reference/diff-rules")
    for rule_id in RULES:
        assert rule_id in text, rule_id


def test_cli_page_names_every_command_and_option(site: Path) -> None:
    import typer.main

    from cdpctl.cli import build_app

    text = _text(site, "reference/cli")
    root = typer.main.get_command(build_app())
    stack: list[tuple[str, object]] = [("cdpctl", root)]
    while stack:
        name, command = stack.pop()
        assert f"{name}" in text, name
        for param in getattr(command, "params", []):
            for opt in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]:
                if opt.startswith("--") and opt != "--help":
                    assert opt in text, (name, opt)
        for sub_name, sub in getattr(command, "commands", {}).items():
            if not getattr(sub, "hidden", False):
                stack.append((f"{name} {sub_name}", sub))


def test_exit_codes_page_lists_every_status(site: Path) -> None:
    text = _text(site, "reference/exit-codes")
    for status in ("0", "1", "2", "130", "143"):
        assert f" {status} " in text


def test_search_finds_a_page_in_a_real_browser(site: Path) -> None:
    with serve_folder(site) as base, browser() as chromium:
        page = chromium.new_page()
        page.goto(base + "/")
        _search(page, "quarantine")
        results = page.inner_text(".md-search-result")
        assert "split" in results.lower() or "validate" in results.lower()
        screenshot(page, "docs-site-search.png")


def _search(page: Any, query: str) -> None:
    """Type ``query`` into the search box, key by key as a person does, until results show. The search
    index loads in a web worker; a query typed before it is ready gets no answer, so on a busy machine the
    query is typed again. (Setting the box's value at once, without key events, was sometimes never
    searched at all on a loaded machine.)"""
    box = "input[data-md-component='search-query']"
    for _ in range(12):
        page.fill(box, "")
        page.locator(box).press_sequentially(query, delay=20)
        try:
            page.wait_for_selector(".md-search-result__item", timeout=5_000)
            return
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError; the loop retries, the last try raises
            continue
    page.wait_for_selector(".md-search-result__item", timeout=5_000)


def test_readme_is_a_short_front_page_linking_every_written_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 250
    for page in sorted((ROOT / "docs").rglob("*.md")):
        link = page.relative_to(ROOT).as_posix()
        if link != "docs/index.md":  # the site's home page: the README links the folder
            assert f"]({link})" in readme, link
