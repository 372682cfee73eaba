"""The project configuration: ``cdpctl.yaml`` or ``[tool.cdpctl]`` names the default plan."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.config import ProjectConfig, find_config, resolve_plan_path
from cdpctl.errors import ConfigError, UsageError

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder holding a copy of the Acme plan, as the working directory."""
    (tmp_path / "plans").mkdir()
    shutil.copy(ROOT / "plans" / "acme-shop.yaml", tmp_path / "plans" / "shop.yaml")
    shutil.copy(ROOT / "plans" / "insertchat.yaml", tmp_path / "plans" / "chat.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cdpctl_yaml_names_the_default_plan(project: Path) -> None:
    (project / "cdpctl.yaml").write_text("plan: plans/shop.yaml\nlint:\n  preset: strict\n", encoding="utf-8")
    config = find_config()
    assert config.source == project / "cdpctl.yaml"
    assert config.root == project
    assert config.plan == os.path.join("plans", "shop.yaml")
    assert config.plans == [os.path.join("plans", "shop.yaml")]
    assert config.section("lint") == {"preset": "strict"}
    assert config.section("validate") == {}
    assert resolve_plan_path(None, config) == os.path.join("plans", "shop.yaml")


def test_pyproject_table_names_the_default_plan(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.cdpctl]\nplan = "plans/chat.yaml"\nplans = ["plans/chat.yaml", "plans/shop.yaml"]\n',
        encoding="utf-8",
    )
    config = find_config()
    assert config.source == project / "pyproject.toml"
    assert config.plan == os.path.join("plans", "chat.yaml")
    assert config.plans == [os.path.join("plans", "chat.yaml"), os.path.join("plans", "shop.yaml")]


def test_cdpctl_yaml_wins_over_pyproject_in_the_same_folder(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.cdpctl]\nplan = "plans/chat.yaml"\n', encoding="utf-8")
    (project / "cdpctl.yaml").write_text("plan: plans/shop.yaml\n", encoding="utf-8")
    assert find_config().plan == os.path.join("plans", "shop.yaml")


def test_found_from_a_subfolder_with_paths_relative_to_the_config(project: Path) -> None:
    (project / "cdpctl.yaml").write_text("plan: plans/shop.yaml\n", encoding="utf-8")
    sub = project / "services" / "web"
    sub.mkdir(parents=True)
    # a pyproject without [tool.cdpctl] on the way up does not stop the search
    (project / "services" / "pyproject.toml").write_text('[project]\nname = "web"\n', encoding="utf-8")
    os.chdir(sub)
    config = find_config()
    assert config.source == project / "cdpctl.yaml"
    assert config.plan == os.path.join("..", "..", "plans", "shop.yaml")
    assert Path(resolve_plan_path(None, config)).resolve() == (project / "plans" / "shop.yaml").resolve()


def test_the_nearest_config_wins(project: Path) -> None:
    (project / "cdpctl.yaml").write_text("plan: plans/shop.yaml\n", encoding="utf-8")
    team = project / "team"
    team.mkdir()
    (team / "cdpctl.yaml").write_text("plan: ../plans/chat.yaml\n", encoding="utf-8")
    assert find_config(team).source == team / "cdpctl.yaml"
    assert find_config(team).plan == os.path.join("plans", "chat.yaml")


def test_an_explicit_plan_wins_over_the_config(project: Path) -> None:
    (project / "cdpctl.yaml").write_text("plan: plans/shop.yaml\n", encoding="utf-8")
    assert resolve_plan_path("plans/chat.yaml", find_config()) == "plans/chat.yaml"


def test_no_config_and_no_plan_is_a_usage_error(project: Path) -> None:
    with pytest.raises(UsageError) as info:
        resolve_plan_path(None, ProjectConfig())
    assert "no plan given: pass --plan PLAN" in str(info.value)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cdpctl.yaml", "pln: plans/shop.yaml\n", "unknown configuration key 'pln' (did you mean 'plan'?)"),
        ("cdpctl.yaml", "plan: [a, b]\n", "'plan' must be a file path"),
        ("cdpctl.yaml", "plans: plans/shop.yaml\n", "'plans' must be a list of file paths"),
        ("cdpctl.yaml", "- plan\n", "the configuration must be a mapping"),
        ("cdpctl.yaml", "plan: [unclosed\n", "invalid configuration"),
        ("pyproject.toml", "[tool.cdpctl\n", "invalid configuration"),
        ("pyproject.toml", "[tool]\ncdpctl = 3\n", "[tool.cdpctl] must be a table"),
        # each was a traceback: OverflowError or MemoryError reading a plan, TypeError in did-you-mean, ValueError in git
        ("cdpctl.yaml", "max_plan_bytes: 100000000000000000000000000\n", "'max_plan_bytes' must be a whole number of bytes from 1"),
        ("pyproject.toml", "[tool.cdpctl]\nmax_plan_bytes = 9223372036854775807\n", "'max_plan_bytes' must be a whole number"),
        ("cdpctl.yaml", "{1: 2}\n", "a configuration key must be a name, not 1"),
        ("cdpctl.yaml", 'plans: ["plans/shop\\0.yaml"]\n', "'plans' must be a list of file paths"),
        ("cdpctl.yaml", 'plan: "shop\\0.yaml"\n', "'plan' must be a file path"),
    ],
)
def test_invalid_configurations(project: Path, name: str, content: str, message: str) -> None:
    (project / name).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        find_config()
    assert str(info.value).startswith(f"{name}: ")
    assert message in str(info.value)


def test_a_non_table_tool_key_is_not_a_crash(project: Path) -> None:
    (project / "pyproject.toml").write_text('tool = "none"\n', encoding="utf-8")
    assert find_config().source != project / "pyproject.toml"  # no [tool.cdpctl] here: the search goes on


def test_a_settings_section_must_be_a_table(project: Path) -> None:
    (project / "cdpctl.yaml").write_text("plan: plans/shop.yaml\nlint: strict\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        find_config().section("lint")
    assert "'lint' must be a table of settings" in str(info.value)


def test_compile_uses_the_configured_plan(project: Path) -> None:
    (project / "cdpctl.yaml").write_text("plan: plans/chat.yaml\n", encoding="utf-8")
    result = runner.invoke(app, ["compile"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["plan"] == "InsertChat"


def test_compile_uses_the_pyproject_plan(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.cdpctl]\nplan = "plans/shop.yaml"\n', encoding="utf-8")
    result = runner.invoke(app, ["compile", "--out", "schemas"])
    assert result.exit_code == 0, result.output
    assert json.loads((project / "schemas" / "index.json").read_text(encoding="utf-8"))["plan"] == "Acme Shop"


def test_compile_without_any_plan_exits_2(project: Path) -> None:
    result = runner.invoke(app, ["compile"])
    if find_config().plan is not None:  # a config further up the machine's folders names a plan
        pytest.skip("a parent folder holds a cdpctl configuration")
    assert result.exit_code == 2
    assert "cdpctl: error: no plan given" in result.output


def test_compile_with_a_broken_config_exits_2(project: Path) -> None:
    (project / "cdpctl.yaml").write_text("plna: x\n", encoding="utf-8")
    result = runner.invoke(app, ["compile"])
    assert result.exit_code == 2
    assert "cdpctl: error: cdpctl.yaml: unknown configuration key 'plna' (did you mean 'plan'?)" in result.output


def test_the_repository_config_names_the_acme_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    config = find_config()
    assert config.source == ROOT / "pyproject.toml"
    assert config.plan == os.path.join("plans", "acme-shop.yaml")


def test_a_key_written_twice_in_cdpctl_yaml_is_an_error(tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys in silence; the project configuration refuses them, as plans do."""
    (tmp_path / "cdpctl.yaml").write_text("plan: a.yaml\nlint:\n  rules:\n    event-name-casing: off\n    event-name-casing: error\n")
    with pytest.raises(ConfigError, match=r"cdpctl.yaml:5:5: duplicate key 'event-name-casing'"):
        find_config(tmp_path)
    (tmp_path / "cdpctl.yaml").write_text("plan: a.yaml\nlint: &l {extends: strict}\ndiff:\n  <<: {fail_on: never}\n")
    find_config(tmp_path)  # a merge key is no repeat


@pytest.mark.parametrize(
    ("section", "content", "message"),
    [
        ("generate", "\n  python_out: app/t.py\n  bogus_key: 1\n", "unknown 'generate' setting 'bogus_key'; its settings are: python_out"),
        ("generate", "\n  python_outt: app/t.py\n", "unknown 'generate' setting 'python_outt' (did you mean 'python_out'?)"),
        ("validate", "\n  formt: json\n", "unknown 'validate' setting 'formt' (did you mean 'format'?)"),
        ("diff", "\n  fail-on: never\n", "unknown 'diff' setting 'fail-on' (did you mean 'fail_on'?)"),
        ("serve", "\n  prot: 9000\n", "unknown 'serve' setting 'prot' (did you mean 'port'?)"),
        ("scan", "\n  call: ['t(event)']\n", "unknown 'scan' setting 'call' (did you mean 'calls'?)"),
        ("scan", "\n  1: x\n", "a 'scan' setting must be a name, not 1"),
        ("generate", " app/t.py\n", "'generate' must be a table of settings"),
    ],
)
def test_an_unknown_setting_in_any_section_is_an_error_with_a_hint(
    project: Path, section: str, content: str, message: str
) -> None:
    """Every section refuses a setting it does not know (with a did-you-mean), as ``lint:`` and the top level
    do: ``generate: {python_outt: ...}`` said only "no output given", ``bogus_key`` passed in silence.  It is
    checked as the configuration is read, so the section's own command and any other one exit 2."""
    (project / "cdpctl.yaml").write_text(f"plan: plans/shop.yaml\n{section}:{content}", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        find_config()
    assert str(info.value).startswith("cdpctl.yaml: ") and message in str(info.value)
    for command in (["generate", "python"], ["compile", "--out", "schemas"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        assert f"cdpctl: error: cdpctl.yaml: {message}" in result.stderr
    assert not (project / "app").exists() and not (project / "schemas").exists()


def test_pyproject_sections_are_checked_the_same_way(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.cdpctl]\nplan = "plans/shop.yaml"\n\n[tool.cdpctl.generate]\npython_outt = "app/t.py"\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["generate", "python"])
    assert result.exit_code == 2
    assert "pyproject.toml: unknown 'generate' setting 'python_outt' (did you mean 'python_out'?)" in result.stderr
    (project / "pyproject.toml").write_text(
        '[tool.cdpctl]\nplan = "plans/shop.yaml"\n\n[tool.cdpctl.generate]\npython_out = "app/t.py"\n', encoding="utf-8"
    )
    assert runner.invoke(app, ["generate", "python"]).exit_code == 0 and (project / "app" / "t.py").is_file()


def test_each_commands_settings_are_the_ones_the_configuration_knows() -> None:
    from cdpctl.config import KNOWN_KEYS, SECTION_KEYS
    from cdpctl.serve.settings import KEYS

    assert set(SECTION_KEYS["serve"]) == set(KEYS)
    assert set(SECTION_KEYS) | {"lint"} <= set(KNOWN_KEYS)
