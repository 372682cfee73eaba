"""``cdpctl init`` in a project configured by ``[tool.cdpctl]`` in ``pyproject.toml``: the plan is named
there, and no ``cdpctl.yaml`` (which would take precedence over the table) is written."""

from __future__ import annotations

import tomllib
from pathlib import Path

from test_init_ignores import run_init

from cdpctl.config import find_config
from cdpctl.interop.pyproject_config import pyproject_with_plan

PLAN = "plans/tracking-plan.yaml"


def test_the_table_gains_the_plan_and_keeps_its_settings(tmp_path: Path) -> None:
    original = '[project]\nname = "shop"\n\n[tool.cdpctl]  # settings\n\n[tool.cdpctl.lint]\nfail_on = "warning"\n'
    (tmp_path / "pyproject.toml").write_text(original, encoding="utf-8")
    done = run_init(tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "cdpctl.yaml").exists()
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text == original.replace("# settings\n", f'# settings\nplan = "{PLAN}"\n')
    config = find_config(tmp_path)
    assert config.plan is not None and Path(config.plan).resolve() == (tmp_path / PLAN).resolve()
    assert tomllib.loads(text)["tool"]["cdpctl"]["lint"] == {"fail_on": "warning"}
    assert "pyproject.toml: plan = 'plans/tracking-plan.yaml' in [tool.cdpctl]" in done.stderr
    workflow = (tmp_path / ".github" / "workflows" / "tracking-plan.yml").read_text(encoding="utf-8")
    # the plan's folder too: a pull request that edits only a file the plan includes runs the checks
    assert f'paths: [{PLAN}, pyproject.toml, .github/workflows/tracking-plan.yml, "plans/**"]' in workflow
    assert "[tool.cdpctl] of pyproject.toml" in (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    again = run_init(tmp_path, "--force")  # the plan is named now: nothing more to change
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == text
    other = run_init(tmp_path, "--force", "--plan-file", "plans/other.yaml")
    assert other.returncode == 0, other.stderr
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == text  # the project's choice stands
    assert f"names the plan '{PLAN}': commands without --plan use it" in other.stderr


def test_a_table_made_of_sub_tables_gets_its_header_at_the_end(tmp_path: Path) -> None:
    original = '[project]\nname = "shop"\n\n[tool.cdpctl.generate]\npython_out = "app/tracking.py"\n'
    (tmp_path / "pyproject.toml").write_text(original, encoding="utf-8")
    assert run_init(tmp_path).returncode == 0
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text == original + f'\n[tool.cdpctl]\nplan = "{PLAN}"\n'
    assert tomllib.loads(text)["tool"]["cdpctl"] == {"plan": PLAN, "generate": {"python_out": "app/tracking.py"}}
    assert not (tmp_path / "cdpctl.yaml").exists()


def test_an_inline_table_is_left_alone_and_cdpctl_yaml_is_written_with_a_note(tmp_path: Path) -> None:
    original = '[project]\nname = "x"\n[tool]\ncdpctl = { lint = { fail_on = "warning" } }\n'
    (tmp_path / "pyproject.toml").write_text(original, encoding="utf-8")
    done = run_init(tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == original
    assert (tmp_path / "cdpctl.yaml").is_file()
    assert "takes precedence over [tool.cdpctl] in pyproject.toml" in done.stderr


def test_without_a_table_or_beside_cdpctl_yaml_nothing_changes(tmp_path: Path) -> None:
    plain = '[project]\nname = "x"\n'
    (tmp_path / "pyproject.toml").write_text(plain, encoding="utf-8")
    assert run_init(tmp_path).returncode == 0
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == plain
    assert (tmp_path / "cdpctl.yaml").is_file()


def test_the_edit_is_kept_only_when_the_document_is_the_same_plus_the_key() -> None:
    assert pyproject_with_plan('[tool.cdpctl]\nplan = "a.yaml"\n', PLAN) is None  # a plan is named
    assert pyproject_with_plan("[tool]\ncdpctl.lint.fail_on = 'warning'\n", PLAN) is None  # dotted keys
    assert pyproject_with_plan("not toml [", PLAN) is None
    quoted = pyproject_with_plan("[tool.cdpctl]\n", 'plans/a "b".yaml')
    assert quoted is not None and tomllib.loads(quoted)["tool"]["cdpctl"]["plan"] == 'plans/a "b".yaml'
    crlf = pyproject_with_plan('[project]\r\nname = "x"\r\n\r\n[tool.cdpctl]  # here\r\n\r\n[tool.cdpctl.lint]\r\nfail_on = "warning"\r\n', PLAN)
    assert crlf == f'[project]\r\nname = "x"\r\n\r\n[tool.cdpctl]  # here\r\nplan = "{PLAN}"\r\n\r\n[tool.cdpctl.lint]\r\nfail_on = "warning"\r\n'
    assert pyproject_with_plan('[tool.cdpctl.lint]\r\nfail_on = "warning"\r\n', PLAN) == (
        f'[tool.cdpctl.lint]\r\nfail_on = "warning"\r\n\r\n[tool.cdpctl]\r\nplan = "{PLAN}"\r\n'
    )
