"""``cdpctl init --template``: a project started from Segment's spec plans, alone or combined, from a source
checkout and from the wheel."""

from __future__ import annotations

import itertools
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.compiler import compile_plan
from cdpctl.errors import UsageError
from cdpctl.interop.templates import TEMPLATES, combine, merge_blocks, split_blocks, template_plan
from cdpctl.lint.config import build_config
from cdpctl.lint.runner import lint_plan
from cdpctl.loader import load_plan, load_plan_text
from cdpctl.model import Plan
from cdpctl.validation import Validator
from tests.spec_examples import ROOT, pages_of

runner = CliRunner()


def init(tmp_path: Path, *args: str) -> Plan:
    result = runner.invoke(app, ["init", str(tmp_path), "--yes", "--name", "Acme Media", *args])
    assert result.exit_code == 0, result.output
    return load_plan(tmp_path / "plans" / "tracking-plan.yaml")


def lint_findings(plan: Plan) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in lint_plan(plan, build_config({})).findings]


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_one_template_gives_its_spec_plan_under_the_products_name(name: str, tmp_path: Path) -> None:
    plan = init(tmp_path, "--template", name)
    spec = load_plan(ROOT / "plans" / f"{name}.yaml")
    assert plan.name == "Acme Media"
    assert plan.version == "0.1.0"
    assert plan.description == spec.description
    assert list(plan.events) == list(spec.events)
    assert compile_plan(plan).bundle()["schemas"] == compile_plan(spec).bundle()["schemas"]
    assert lint_findings(plan) == []
    text = (tmp_path / "plans" / "tracking-plan.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Tracking plan of Acme Media, started from Segment's spec plans")
    assert "yaml-language-server" not in text  # the template's editor modeline points into this repository


def test_the_option_repeats_to_combine_every_spec_into_one_plan_that_accepts_every_example(tmp_path: Path) -> None:
    args = [arg for name in TEMPLATES for arg in ("--template", name)]
    plan = init(tmp_path, *args, "-t", "video")  # a template named twice counts once
    expected = [event for name in TEMPLATES for event in load_plan(ROOT / "plans" / f"{name}.yaml").events]
    assert list(plan.events) == expected and len(expected) == 74
    assert plan.common is not None and set(plan.common.context) == {"groupId", "traits", "ip", "user_agent"}
    assert lint_findings(plan) == []
    for fast in (True, False):
        validator = Validator(plan, fast=fast)
        for name in TEMPLATES:
            for page in pages_of(name):
                for example in page.examples:
                    assert validator.check(example.message()) == [], example.label


@pytest.mark.parametrize("pair", list(itertools.permutations(TEMPLATES, 2)), ids="+".join)
def test_any_two_templates_in_either_order_lint_clean(pair: tuple[str, str]) -> None:
    plan = load_plan_text(template_plan(pair, "Pair"), "pair.yaml")
    assert lint_findings(plan) == []
    assert len(plan.events) == sum(len(load_plan(ROOT / "plans" / f"{name}.yaml").events) for name in pair)


def test_an_unknown_template_is_a_usage_error_with_a_hint(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path), "--yes", "--template", "ecommerce"])
    assert result.exit_code == 2
    assert "unknown template 'ecommerce' (did you mean 'ecommerce-v2'?)" in result.output
    assert not (tmp_path / "plans").exists()


FIRST = """\
plan: First
version: 1.0.0
properties:
  order_id: {type: string, description: Order id.}
  # a comment kept with its block
  shared: {type: string, description: Same in both.}
common:
  context:
    groupId: {type: string}
events:
  Order Completed:  # cdpctl: disable=semantic-event
    properties:
      order_id: {}
"""

SECOND = """\
plan: Second
version: 2.0.0
properties:
  shared: {type: string, description: Same in both.}
  video_id: {type: string}
common:
  context:
    traits: {type: object}
events:
  Video Played:
    properties:
      video_id: {}
"""


def test_blocks_merge_by_name_keeping_comments() -> None:
    _, first = split_blocks(FIRST.splitlines())
    _, second = split_blocks(SECOND.splitlines())
    assert [block.key for block in first] == ["plan", "version", "properties", "common", "events"]
    merged = merge_blocks(first[2:], second[2:], (), ("first", "second"))
    text = "\n".join(row for block in merged for row in block.text())
    assert text.count("shared:") == 1 and "# a comment kept with its block" in text
    assert "video_id: {type: string}" in text and "Video Played:" in text
    assert "groupId: {type: string}" in text and "traits: {type: object}" in text
    assert "Order Completed:  # cdpctl: disable=semantic-event" in text


def test_a_name_two_templates_define_differently_is_a_conflict_not_a_guess() -> None:
    _, first = split_blocks(FIRST.splitlines())
    _, other = split_blocks(SECOND.replace("Same in both.", "Not the same.").splitlines())
    with pytest.raises(UsageError, match="'first' and 'second' both define 'properties.shared', differently"):
        merge_blocks(first[2:], other[2:], (), ("first", "second"))
    _, again = split_blocks(FIRST.replace("order_id: {}", "order_id: {required: true}").splitlines())
    with pytest.raises(UsageError, match="both define 'events.Order Completed'"):
        merge_blocks(first[2:], again[2:], (), ("first", "second"))


def test_a_combination_that_would_change_a_call_of_one_template_is_refused() -> None:
    """A property one plan defines for itself silently refines another plan's shared property of that name."""
    first = FIRST.replace("  shared:", "  link: {type: string, format: uri}\n  shared:")
    second = SECOND.replace("      video_id: {}", "      video_id: {}\n      link: {type: string}")
    for text in (first, second):
        load_plan_text(text, "alone.yaml")
    with pytest.raises(UsageError, match="the template 'second' would change 'Video Played'"):
        combine({"first": first, "second": second}, "Both")
    combined = combine({"first": FIRST, "second": SECOND}, "Both")
    assert list(load_plan_text(combined, "both.yaml").events) == ["Order Completed", "Video Played"]


def test_the_wheel_carries_the_spec_plans_and_init_reads_them_from_it(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("cdpctl-*.whl")
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        for name in TEMPLATES:
            packaged = archive.read(f"cdpctl/templates/{name}.yaml")
            assert packaged == (ROOT / "plans" / f"{name}.yaml").read_bytes()
        archive.extractall(unpacked)
    project = tmp_path / "project"
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import cdpctl; "
        "assert cdpctl.__file__.startswith(sys.argv[1]), cdpctl.__file__; "
        "from cdpctl.cli import main; sys.argv = ['cdpctl', 'init', sys.argv[2], '--yes', '-t', 'mobile', '-t', 'email']; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(unpacked), str(project)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    plan = load_plan(project / "plans" / "tracking-plan.yaml")
    assert list(plan.events)[0] == "Application Installed" and list(plan.events)[-1] == "Unsubscribed"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX shell")
def test_init_with_standard_input_closed_asks_nothing_and_writes_nothing(tmp_path: Path) -> None:
    done = subprocess.run(  # `cdpctl init project <&-`: input() had no stdin and raised a RuntimeError traceback
        ["sh", "-c", 'exec "$0" -m cdpctl init project <&-', sys.executable],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        "cdpctl: error: aborted (no answer to a question: standard input is closed; pass the options, or --yes)"
    )
    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize("plan_file", ["cdpctl.yaml", ".gitignore", "pyproject.toml", ".github/workflows/tracking-plan.yml"])
def test_the_plan_file_cannot_be_a_file_init_writes_itself(tmp_path: Path, plan_file: str) -> None:
    result = CliRunner().invoke(app, ["init", str(tmp_path / "p"), "--yes", "--plan-file", plan_file])
    assert result.exit_code == 2, result.output  # it was exit 0, one file written over the other
    assert f"the plan file cannot be '{plan_file}': init writes its own file there" in result.output
    assert not (tmp_path / "p").exists()
