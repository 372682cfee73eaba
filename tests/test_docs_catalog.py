"""``cdpctl docs``: the catalog's data and files, and the site itself in a real Chromium from file://."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cdpctl.catalog import build_catalog
from cdpctl.catalog.site import data_script
from cdpctl.loader import load_plan, load_plan_text
from cdpctl.observe import normalize_timestamp, observe_records
from tests.browser import browser, screenshot

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
DIRTY = ROOT / "examples" / "events-with-violations.ndjson"
CLEAN = ROOT / "examples" / "events.ndjson"

HOSTILE = """\
plan: "Evil <script>window.__pwned = 1</script>"
version: 1.0.0
events:
  "<img src=x onerror=\\"window.__pwned=2\\">":
    description: "Shows <script>window.__pwned = 3</script> as text"
    tags: ["<b>tag</b>"]
    properties:
      "</script><script>window.__pwned=4</script>":
        type: string
        description: "\\u2028 line separator </script>"
"""


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cdpctl", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("catalog")
    build_catalog(load_plan(PLAN), str(out), logs=[str(DIRTY), str(CLEAN)])
    return out


def _data(site: Path) -> dict[str, object]:
    text = (site / "data.js").read_text(encoding="utf-8")
    prefix = "window.CDPCTL_CATALOG = "
    assert text.startswith(prefix) and text.endswith(";\n")
    body = text[len(prefix) : -2]
    if body.startswith("JSON.parse("):  # the form for data holding a "__proto__" key
        body = json.loads(body[len("JSON.parse(") : -1])
    loaded: dict[str, object] = json.loads(body)
    return loaded


# --- data -----------------------------------------------------------------------------------------------


def test_every_call_is_in_the_catalog_with_its_properties(site: Path) -> None:
    data = _data(site)
    plan = load_plan(PLAN)
    calls = {c["label"]: c for c in data["calls"]}  # type: ignore[attr-defined,index]
    assert sorted(calls) == sorted(call.label for call in plan.calls())
    order = calls["Order Completed"]
    assert order["route"] == "events/order-completed"
    names = [p["name"] for p in order["properties"]]
    assert names == list(plan.events["Order Completed"].fields)
    currency = next(p for p in order["properties"] if p["name"] == "currency")
    assert currency["constraints"]["enum"] == ["USD", "EUR", "GBP"]


def test_logs_add_volume_first_and_last_seen_and_violations(site: Path) -> None:
    data = _data(site)
    order = next(c for c in data["calls"] if c["label"] == "Order Completed")  # type: ignore[attr-defined]
    observed = order["observed"]
    sent = 0
    for path in (DIRTY, CLEAN):
        for line in path.read_text().splitlines():
            try:
                sent += json.loads(line).get("event") == "Order Completed"
            except ValueError:
                continue
    assert observed["volume"] == sent > 0
    assert observed["violations"]["value_not_allowed"] == 1
    assert observed["first_seen"] <= observed["last_seen"]
    unplanned = data["observed"]["unplanned"]  # type: ignore[index]
    assert {"type": "track", "name": "Order Complete", "volume": 1} in unplanned


def test_observations_count_exactly() -> None:
    plan = load_plan_text(
        "plan: P\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      x: {type: integer, required: true}\n      y: {type: string}\n"
    )
    records = [
        b'{"type":"track","event":"A","userId":"u","timestamp":"2024-01-02T00:00:00+01:00","properties":{"x":1}}',
        b'{"type":"track","event":"A","userId":"u","timestamp":"2024-01-01T00:00:00Z","properties":{"x":"no","y":null}}',
        b'[{"type":"track","event":"B","userId":"u","properties":{}}]',
        b"{not json",
        b"",
    ]
    seen = observe_records(plan, records)
    assert (seen.records, seen.malformed) == (4, 1)
    a = seen.calls[("track", "A")]
    assert (a.volume, a.valid, a.sent, a.null) == (2, 1, {"x": 2, "y": 1}, {"y": 1})
    assert a.codes == {"type_mismatch": 2}  # x is a string, y is null without nullable
    assert (a.first, a.last) == ("2024-01-01T00:00:00.000000Z", "2024-01-01T23:00:00.000000Z")
    assert seen.calls[("track", "B")].volume == 1
    assert normalize_timestamp("yesterday") is None


def test_same_plan_same_bytes(tmp_path: Path) -> None:
    plan = load_plan(PLAN)
    build_catalog(plan, str(tmp_path / "a"))
    build_catalog(plan, str(tmp_path / "b"))
    for name in ("index.html", "app.js", "style.css", "data.js"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_plan_text_cannot_close_the_data_script() -> None:
    text = data_script({"x": "</script><script>alert(1)</script>\u2028&"})
    assert "<" not in text and ">" not in text.replace("=", "") and "\u2028" not in text and "&" not in text


# --- command line ---------------------------------------------------------------------------------------


def test_cli_writes_the_site_and_reports_bad_input(tmp_path: Path) -> None:
    done = _cli("docs", str(PLAN), "--out", str(tmp_path / "site"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    (tmp_path / "file").write_text("x")
    blocked = _cli("docs", str(PLAN), "--out", str(tmp_path / "file"))
    assert blocked.returncode == 2 and "cdpctl: error:" in blocked.stderr and "Traceback" not in blocked.stderr
    missing = _cli("docs", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "x"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    import gzip

    whole = gzip.compress(CLEAN.read_bytes() * 50)
    (tmp_path / "cut.ndjson.gz").write_bytes(whole[: len(whole) // 2])  # a log broken part-way: no site
    cut = _cli("docs", str(PLAN), "--out", str(tmp_path / "cut"), "--logs", str(tmp_path / "cut.ndjson.gz"))
    assert cut.returncode == 2 and "cut.ndjson.gz" in cut.stderr and not (tmp_path / "cut").exists()


def test_logs_take_several_paths_after_one_option(tmp_path: Path) -> None:
    for args in (["--logs", str(DIRTY), str(CLEAN)], ["--logs", str(DIRTY), "--logs", str(CLEAN)]):
        out = tmp_path / str(len(args))
        done = _cli("docs", str(PLAN), "--out", str(out), *args)
        assert done.returncode == 0, done.stderr
        records = _data(out)["observed"]["records"]  # type: ignore[index]
        assert records == sum(1 for path in (DIRTY, CLEAN) for line in path.read_text().splitlines() if line.strip())
    same = _cli("docs", "--plan", str(PLAN), "--out", str(tmp_path / "p"), "--logs", str(DIRTY), str(CLEAN))
    assert same.returncode == 0 and (tmp_path / "p" / "data.js").read_bytes() == (tmp_path / "3" / "data.js").read_bytes()
    # the plan after the logs: the one YAML file among the paths is the plan
    after = _cli("docs", "--out", str(tmp_path / "after"), "--logs", str(DIRTY), str(CLEAN), str(PLAN))
    assert after.returncode == 0, after.stderr
    assert (tmp_path / "after" / "data.js").read_bytes() == (tmp_path / "3" / "data.js").read_bytes()
    extra = _cli("docs", str(PLAN), str(CLEAN), "--out", str(tmp_path / "x"))
    assert extra.returncode == 2 and "unexpected extra argument" in extra.stderr


def test_diff_adds_a_changes_page_from_a_git_revision(tmp_path: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
    plan = tmp_path / "plan.yaml"
    plan.write_text("plan: P\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      x: {type: integer}\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, env=env)
    subprocess.run(["git", "add", "plan.yaml"], cwd=tmp_path, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "one"], cwd=tmp_path, check=True, env=env)
    plan.write_text("plan: P\nversion: 2.0.0\nevents:\n  A:\n    properties:\n      x: {type: string}\n")
    done = _cli("docs", "plan.yaml", "--out", "site", "--diff", "HEAD", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    changes = _data(tmp_path / "site")["changes"]
    assert [c["severity"] for c in changes] == ["breaking"]  # type: ignore[union-attr,index]
    for base in ("missing.yaml", "no-such-revision"):
        wrong = _cli("docs", "plan.yaml", "--out", "site2", "--diff", base, cwd=tmp_path)
        assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
        assert f"--diff '{base}': no such file, and not a git revision here" in wrong.stderr


# --- in a real browser, from file:// --------------------------------------------------------------------


def _open(chromium: object, url: str, width: int = 1280) -> object:
    page = chromium.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector("#links li a")
    page.errors = errors
    return page


def test_search_filter_and_deep_link_in_chromium(site: Path) -> None:
    url = (site / "index.html").as_uri()
    with browser() as chromium:
        page = _open(chromium, url)
        total = page.locator("#links li a[data-route]").count()
        assert total == len(_data(site)["calls"])  # type: ignore[arg-type]
        # a word of a description finds its event
        page.fill("#q", "paid")
        assert page.locator("#links li a[data-route]").all_inner_texts() == ["Order Completed"]
        page.fill("#q", "")
        # a filter narrows the list
        owners = page.locator("#f-owner option").all_inner_texts()
        page.select_option("#f-owner", owners[1])
        narrowed = page.locator("#links li a[data-route]").count()
        assert 0 < narrowed < total
        screenshot(page, "catalog-index.png")
        # a deep link opens the event page, and survives a reload
        page.goto(url + "#/events/order-completed")
        page.reload()
        page.wait_for_selector("main h1")
        assert page.inner_text("main h1").startswith("Order Completed")
        assert "properties.currency" in page.inner_text("main")
        assert "Observed" in page.inner_text("main")
        screenshot(page, "catalog-event.png")
        page.keyboard.press("Tab")  # the skip link is the first stop
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Enter")  # it moves focus to the content and stays on the page (it routed to "#main")
        assert page.evaluate("location.hash") == "#/events/order-completed"
        assert page.evaluate("document.activeElement.id") == "main"
        assert page.inner_text("main h1").startswith("Order Completed")
        assert page.errors == []  # type: ignore[attr-defined]


def test_hostile_plan_text_never_runs(tmp_path: Path) -> None:
    build_catalog(load_plan_text(HOSTILE, "hostile.yaml"), str(tmp_path))
    with browser() as chromium:
        page = _open(chromium, (tmp_path / "index.html").as_uri())
        page.click("#links li a[data-route]")
        page.wait_for_selector("main h1")
        assert page.evaluate("window.__pwned") is None
        text = page.inner_text("body")
        assert "<script>window.__pwned = 3</script>" in text
        assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
        assert page.errors == []  # type: ignore[attr-defined]


def test_phone_width_has_no_horizontal_scroll(site: Path) -> None:
    with browser() as chromium:
        page = _open(chromium, (site / "index.html").as_uri() + "#/events/order-completed", width=375)
        page.wait_for_selector("main h1")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "catalog-phone.png")


def test_a_link_with_a_stray_percent_sign_shows_the_index_not_a_blank_page(site: Path) -> None:
    with browser() as chromium:
        page = _open(chromium, (site / "index.html").as_uri() + "#/events/100%")
        assert "No page 'events/100%' in this catalog." in page.inner_text("main")
        assert page.locator("main h2").count() > 0  # the index is drawn below the note
        assert page.errors == []  # type: ignore[attr-defined]


def test_a_route_named_like_a_javascript_builtin_is_no_page(site: Path) -> None:
    """``#/constructor`` or ``#/__proto__`` found an inherited property of the route table and drew an empty
    page titled 'undefined'; it is a page the catalog does not have, like any other."""
    with browser() as chromium:
        for route in ("constructor", "__proto__", "toString"):
            page = _open(chromium, (site / "index.html").as_uri() + "#/" + route)
            assert f"No page '{route}' in this catalog." in page.inner_text("main"), route
            assert "undefined" not in page.inner_text("main")
            assert page.errors == []  # type: ignore[attr-defined]


def test_logs_without_a_record_are_an_error_not_a_catalog_of_calls_never_seen(tmp_path: Path) -> None:
    (tmp_path / "empty.ndjson").write_text("")
    (tmp_path / "broken.ndjson").write_text("not json\n{\n")
    for log, what in (("empty.ndjson", "no records"), ("broken.ndjson", "only 2 malformed records")):
        out = tmp_path / f"site-{log}"
        done = _cli("docs", str(PLAN), "--out", str(out), "--logs", str(tmp_path / log))
        assert done.returncode == 2, done.stderr  # it was exit 0, every call shown as never seen
        assert f"no events read: the logs hold {what}" in done.stderr and not out.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_where_a_site_file_goes_is_replaced_never_waited_on(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    os.mkfifo(tmp_path / "site" / "style.css")  # writing it waited for a reader for ever
    done = _cli("docs", str(PLAN), "--out", str(tmp_path / "site"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "style.css").is_file()


def test_a_hard_link_in_the_output_is_replaced_and_one_to_an_input_refused(tmp_path: Path) -> None:
    """A hard link was written through: one named ``out/index.html`` to the plan overwrote the plan."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "out").mkdir()
    os.link(plan, tmp_path / "out" / "index.html")
    done = _cli("docs", str(plan), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "would overwrite an input" in done.stderr
    assert plan.read_text(encoding="utf-8").startswith("plan:")
    (tmp_path / "out" / "index.html").unlink()
    (tmp_path / "victim.txt").write_text("kept")
    os.link(tmp_path / "victim.txt", tmp_path / "out" / "data.js")
    done = _cli("docs", str(plan), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "victim.txt").read_text() == "kept" and (tmp_path / "out" / "data.js").stat().st_nlink == 1


def test_a_log_named_through_a_glob_is_never_written_over(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    log = tmp_path / "out" / "index.html"
    log.write_text('{"type":"track","event":"Order Completed","userId":"u","properties":{}}\n')
    done = _cli("docs", str(PLAN), "--logs", str(tmp_path / "out" / "*.html"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "would overwrite an input" in done.stderr
    assert log.read_text().startswith('{"type"')


def test_empty_pages_and_screens_sections_govern_and_a_proto_key_stays_a_key(tmp_path: Path) -> None:
    """``pages: {}`` governs pages (validate reports an unplanned page; the catalog listed none), and a
    ``__proto__`` key in a raw schema is shown, not taken for the object's prototype."""
    text = (
        "plan: Shop\nversion: 1.0.0\nevents:\n  Order Completed:\n    properties:\n"
        "      raw: {json_schema: {type: object, properties: {__proto__: {type: string}, a: {type: string}}}}\n"
        "pages: {}\nscreens: {}\n"
    )
    log = tmp_path / "l.ndjson"
    log.write_text('{"type":"page","name":"Checkout","userId":"u"}\n{"type":"screen","name":"Settings","userId":"u"}\n')
    build_catalog(load_plan_text(text, "shop.yaml"), str(tmp_path / "site"), logs=[str(log)])
    data = _data(tmp_path / "site")
    assert [(u["type"], u["name"]) for u in data["observed"]["unplanned"]] == [("page", "Checkout"), ("screen", "Settings")]  # type: ignore[index]
    with browser() as chromium:
        page = _open(chromium, (tmp_path / "site" / "index.html").as_uri() + "#/events/order-completed")
        page.wait_for_selector("main h1")
        assert "__proto__" in page.inner_text("main")
        assert page.errors == []  # type: ignore[attr-defined]


def test_bidi_overrides_show_as_escapes_and_long_words_wrap_on_a_phone(tmp_path: Path) -> None:
    text = (
        "plan: AcmeEnterpriseCommercePlatformTrackingPlanWithAVeryLongName\nversion: 1.0.0\nevents:\n  Order Completed:\n"
        "    owner: checkout_platform_team_emea_north_region_payments\n    tags: [\"\\u202efinance\", billing]\n"
    )
    build_catalog(load_plan_text(text, "shop.yaml"), str(tmp_path / "site"))
    with browser() as chromium:
        page = _open(chromium, (tmp_path / "site" / "index.html").as_uri() + "#/events/order-completed")
        page.set_viewport_size({"width": 375, "height": 800})
        page.wait_for_selector("main h1")
        shown = page.inner_text("main")
        assert "\u202e" not in shown and "\\u202efinance" in shown
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
        assert page.errors == []  # type: ignore[attr-defined]


def test_show_all_keeps_the_place_of_a_keyboard_user(tmp_path: Path) -> None:
    events = "".join(f"  Event {n:03d} Done: {{}}\n" for n in range(205))
    build_catalog(load_plan_text(f"plan: Many\nversion: 1.0.0\nevents:\n{events}", "many.yaml"), str(tmp_path / "site"))
    with browser() as chromium:
        page = _open(chromium, (tmp_path / "site" / "index.html").as_uri())
        page.wait_for_selector("button.more")
        page.focus("button.more")
        page.keyboard.press("Enter")  # focus landed on <body>, the top of the page
        assert page.evaluate("document.activeElement.textContent") == "Event 200 Done"
        assert page.errors == []  # type: ignore[attr-defined]
