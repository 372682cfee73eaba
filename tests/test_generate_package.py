"""The package form of a generated client (``--out folder/``): light import, lazy groups, same behaviour.

Each plan is generated with small groups (two calls a submodule) so that several groups, the shared
module and lazy loading across groups are exercised.  Import speed is measured by
``benchmarks/generate_python.py``, not here.
"""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from test_generate_support import REPO, FakeClient, hostile_plan_text, load_module, run_mypy, run_pyright

from cdpctl.codegen import generate_python
from cdpctl.codegen.package import generate_package
from cdpctl.loader import load_plan, load_plan_text
from cdpctl.model import Plan

ACME = REPO / "plans" / "acme-shop.yaml"
PLANS = sorted((REPO / "plans").glob("*.yaml"))


def write_package(plan: Plan, folder: Path, group_size: int = 2) -> Path:
    folder.mkdir(parents=True)
    for name, text in generate_package(plan, group_size).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def both(plan: Plan, tmp_path: Path, name: str) -> tuple[ModuleType, ModuleType]:
    """The single module and the package of ``plan``, imported."""
    (tmp_path / f"{name}_single.py").write_text(generate_python(plan), encoding="utf-8")
    write_package(plan, tmp_path / f"{name}_pkg")
    sys.path.insert(0, str(tmp_path))
    try:
        single = load_module(tmp_path / f"{name}_single.py", f"{name}_single")
        package = load_module(tmp_path / f"{name}_pkg" / "__init__.py", f"{name}_pkg")
    finally:
        sys.path.remove(str(tmp_path))
    return single, package


def test_importing_the_package_loads_no_group_until_a_call_is_used(tmp_path: Path) -> None:
    write_package(load_plan(ACME), tmp_path / "acme_pkg")
    script = textwrap.dedent("""
        import sys
        import acme_pkg

        def loaded():
            return sorted(name for name in sys.modules if name.startswith("acme_pkg"))

        print(loaded())

        class Client:
            def screen(self, **kwargs):
                return kwargs

        tracker = acme_pkg.Tracker(Client(), validate=True)
        print(loaded())
        print(tracker.screen_home(user_id="u1")["name"])
        print(loaded(), sorted(acme_pkg._runtime._GROUP_DATA))
        print(acme_pkg.Product.__module__)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == lines[1] == "['acme_pkg', 'acme_pkg._runtime']"
    assert lines[2] == "Home"
    group = json.loads(lines[3].split("] [")[0].replace("'", '"') + "]")
    assert len(group) == 3 and group[1].startswith("acme_pkg._calls_")  # one group, and its schemas once validated
    assert lines[3].endswith(f"[('acme_pkg', '{group[1].split('.')[1]}')]")
    assert lines[4].startswith("acme_pkg._")


@pytest.mark.parametrize("source", ["acme", "hostile"])
def test_the_package_behaves_as_the_single_module(tmp_path: Path, source: str) -> None:
    plan = load_plan(ACME) if source == "acme" else load_plan_text(hostile_plan_text(), "hostile.yaml")
    single, package = both(plan, tmp_path, source)
    methods = sorted(name for name, value in vars(single.Tracker).items() if inspect.isfunction(value))
    assert methods == sorted(package.Tracker._CALLS)
    for name in methods:  # the same text: the same signature, docstring and body
        assert inspect.getsource(getattr(package.Tracker, name)) == inspect.getsource(getattr(single.Tracker, name))
    for name in package._NAMES:  # every TypedDict and alias, with the same keys or values
        value, expected = getattr(package, name), getattr(single, name)
        if isinstance(value, type):
            assert value.__annotations__.keys() == expected.__annotations__.keys(), name
        else:
            assert repr(value) == repr(expected), name
    assert single.Tracker._SCHEMAS.keys() == package.Tracker._SCHEMAS.keys()
    plain, lazy = single.Tracker(FakeClient(), validate=True), package.Tracker(FakeClient(), validate=True)
    for key in single.Tracker._SCHEMAS:
        assert plain._planned(key) == lazy._planned(key)
    assert single.Tracker._PATTERNS == package.Tracker._PATTERNS
    assert package.PLAN_NAME == single.PLAN_NAME and package.NOT_SENT is package._runtime.NOT_SENT


def test_calls_and_violations_are_the_same_in_both_forms(tmp_path: Path) -> None:
    single, package = both(load_plan(ACME), tmp_path, "acme_calls")
    found: list[list[object]] = []
    trackers = [
        module.Tracker(client, validate=True, on_violation=lambda violations: found.append(list(violations)))
        for module, client in ((single, FakeClient()), (package, FakeClient()))
    ]
    for tracker in trackers:
        tracker.order_completed(user_id="u1", order_id="", total=-1, currency="EUR",
                                products=[{"product_id": "p", "price": 1, "colour": "red"}], placed_at="yesterday")
        tracker.screen_home(anonymous_id="a1")
        tracker.identify(user_id="u1")
    assert trackers[0]._client.calls == trackers[1]._client.calls
    assert [[str(v) for v in group] for group in found[: len(found) // 2]] == [
        [str(v) for v in group] for group in found[len(found) // 2 :]
    ]
    message = {"type": "track", "event": "Nope", "userId": "u1", "properties": {}}
    assert trackers[0].check(message) == [] or [str(v) for v in trackers[0].check(message)] == [
        str(v) for v in trackers[1].check(message)
    ]


def test_lazy_names_subclasses_and_misses(tmp_path: Path) -> None:
    _, package = both(load_plan(ACME), tmp_path, "acme_lazy")
    assert "order_completed" in dir(package.Tracker) and "Product" in dir(package)
    assert inspect.isfunction(package.Tracker.identify)  # the class attribute loads its group too

    class Sub(package.Tracker):  # type: ignore[misc,name-defined]
        def screen_home(self, **kwargs: object) -> object:
            return ("sub", super().screen_home(**kwargs))

    assert Sub(FakeClient()).screen_home(user_id="u1")[0] == "sub"
    with pytest.raises(AttributeError, match="'Tracker' object has no attribute 'nope'"):
        _ = package.Tracker(FakeClient()).nope
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = package.Nope


def test_package_file_names_never_come_from_the_plan(tmp_path: Path) -> None:
    files = generate_package(load_plan_text(hostile_plan_text(), "hostile.yaml"), 2)
    assert all(name in ("__init__.py", "_runtime.py", "_shared.py", "py.typed") or name.startswith("_calls_")
               for name in files)


USAGE = """
from typing import Any

from acme_pkg import Currency, Product, Tracker


class Client:
    def track(self, **kwargs: Any) -> None: ...

    identify = page = screen = group = track


def pay(tracker: Tracker, currency: Currency, product: Product) -> None:
    tracker.order_completed(user_id="u1", order_id="o-1", total=9.5, currency=currency, products=[product])


pay(Tracker(Client()), "EUR", {"product_id": "p", "price": 1.0})
sent: object = Tracker(Client()).screen_home(user_id="u1")
"""

WRONG = """
from typing import Any

from acme_pkg import Currency, Tracker


class Client:
    def track(self, **kwargs: Any) -> None: ...


rejected: Currency = "JPY"
counted: int = Tracker(Client()).screen_home(user_id="u1")
Tracker(Client()).order_complete(user_id="u1")
"""


def write_packages(folder: Path) -> list[Path]:
    packages = [write_package(load_plan(plan), folder / f"{plan.stem.replace('-', '_')}_pkg") for plan in PLANS]
    packages.append(write_package(load_plan_text(hostile_plan_text(), "hostile.yaml"), folder / "hostile_pkg"))
    packages.append(write_package(load_plan(ACME), folder / "acme_pkg"))
    (folder / "usage.py").write_text(USAGE, encoding="utf-8")
    return packages


def test_packages_pass_mypy_strict_and_ruff(tmp_path: Path) -> None:
    packages = write_packages(tmp_path)
    (tmp_path / "wrong_usage.py").write_text(WRONG, encoding="utf-8")
    errors = run_mypy(tmp_path, [*packages, tmp_path / "usage.py", tmp_path / "wrong_usage.py"])
    assert sorted(int(error["line"]) for error in errors.pop("wrong_usage.py")) == [11, 12, 13]
    assert errors == {}, errors
    files = [path for package in packages for path in package.glob("*.py")]
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--target-version", "py311", "--extend-select",
         "E,F,W,I,B,UP,SIM,C4,PIE,RUF,N,PERF,FURB,TC,A,ARG,RET,Q", "--ignore", "E501", *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout


@pytest.mark.skipif(shutil.which("node") is None, reason="pyright runs on node")
def test_packages_pass_pyright_strict(tmp_path: Path) -> None:
    pytest.importorskip("pyright")
    write_packages(tmp_path)
    problems, _ = run_pyright(tmp_path)
    assert problems == [], "\n".join(problems[:40])


def _generate(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    plan = str(REPO / "plans" / "acme-shop.yaml")
    command = [sys.executable, "-m", "cdpctl", "generate", "python", "--plan", plan, *args]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_a_link_in_the_output_folder_is_replaced_never_written_through(tmp_path: Path) -> None:
    assert _generate(tmp_path, "--out", "pkg").returncode == 0
    precious = tmp_path / "precious.txt"
    precious.write_text("not yours\n")
    runtime = tmp_path / "pkg" / "_runtime.py"
    runtime.unlink()
    runtime.symlink_to(precious)
    checked = _generate(tmp_path, "--out", "pkg", "--check")
    assert checked.returncode == 1 and "pkg/_runtime.py: stale" in checked.stderr.replace("\\", "/")
    assert _generate(tmp_path, "--out", "pkg").returncode == 0
    assert precious.read_text() == "not yours\n"  # it was overwritten with the runtime, out of the folder
    assert not runtime.is_symlink() and "def " in runtime.read_text()


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo") or not Path("/dev/zero").exists(), reason="needs FIFOs")
def test_check_never_reads_a_fifo_or_a_device_where_the_module_goes(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "fifo.py")  # it waited for ever
    (tmp_path / "zero.py").symlink_to("/dev/zero")  # it read until a MemoryError traceback
    for name in ("fifo.py", "zero.py"):
        done = _generate(tmp_path, "--out", name, "--check")
        assert done.returncode == 1 and f"{name}: stale" in done.stderr and "Traceback" not in done.stderr


def test_a_hard_link_in_the_output_is_replaced_never_written_through(tmp_path: Path) -> None:
    """A generated file stood where a hard link to another file was: that file was overwritten."""
    import os
    import subprocess
    import sys

    victim = tmp_path / "victim.txt"
    victim.write_text("kept")
    os.link(victim, tmp_path / "tracking.py")
    plan = Path(__file__).resolve().parents[1] / "plans" / "acme-shop.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "generate", "python", "--plan", str(plan), "--out", str(tmp_path / "tracking.py")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "kept" and (tmp_path / "tracking.py").stat().st_nlink == 1
    assert (tmp_path / "tracking.py").stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
