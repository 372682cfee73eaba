"""A plan answered by the cache is the plan a fresh load gives: same values, same types, same sharing."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from cdpctl import plan_cache, plan_pickle
from cdpctl.errors import Pos
from cdpctl.loader import PlanLoader, load_plan, read_text_file
from cdpctl.model import Plan
from cdpctl.plan_files import PlanFilePolicy

ROOT = Path(__file__).resolve().parent.parent
PLANS = sorted((ROOT / "plans").glob("*.yaml"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan of the benchmark's shape (shared definitions, a reusable type, nested objects, arrays),
    its events spread over included files."""
    out = tmp_path_factory.mktemp("generated") / "big.yaml"
    script = ROOT / "benchmarks" / "big_plan_generator.py"
    subprocess.run([sys.executable, str(script), str(out), "--events", "120", "--includes", "3"], check=True)
    return out


def fresh_load(path: Path) -> tuple[Plan, dict[str, str]]:
    loader = PlanLoader(read_text_file, True, PlanFilePolicy())
    return loader.load(str(path)), loader.texts


ATOMS = (str, int, float, bool, type(None))


def assert_same(got: Plan, expected: Plan) -> None:
    """Equal field by field, with the same class at every node, the same order of every mapping and the
    same sharing: an object (a dict, a list, a property, a position) found at two places of one is
    one object at the same two places of the other."""
    assert got is not expected
    assert got == expected
    first_seen: tuple[dict[int, str], dict[int, str]] = ({}, {})
    stack: list[tuple[object, object, str]] = [(got, expected, "plan")]
    while stack:
        left, right, where = stack.pop()
        assert type(left) is type(right), where
        if isinstance(left, ATOMS):
            assert left == right, where
            continue
        seen_left, seen_right = first_seen[0].get(id(left)), first_seen[1].get(id(right))
        assert seen_left == seen_right, f"{where}: shared with {seen_left} on one side, {seen_right} on the other"
        if seen_left is not None:
            continue
        first_seen[0][id(left)] = first_seen[1][id(right)] = where
        if dataclasses.is_dataclass(left):
            names = [field.name for field in dataclasses.fields(left)]
            stack += [(getattr(left, n), getattr(right, n), f"{where}.{n}") for n in names]
        elif isinstance(left, dict) and isinstance(right, dict):
            assert list(left) == list(right), where
            stack += [(left[key], right[key], f"{where}[{key!r}]") for key in left]
        elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
            assert len(left) == len(right), where
            stack += [(a, b, f"{where}[{i}]") for i, (a, b) in enumerate(zip(left, right, strict=True))]
        else:
            raise AssertionError(f"{where}: an unexpected {type(left).__name__} in a plan")


def from_cache_only() -> tuple[Plan, dict[str, str]]:
    pytest.fail("the plan was loaded afresh: the cache did not answer")


@pytest.mark.parametrize("plan", [*PLANS, None], ids=[*(p.stem for p in PLANS), "generated-with-includes"])
def test_a_plan_from_the_cache_equals_a_fresh_load(plan_cache_dir: Path, plan: Path | None, generated: Path) -> None:
    path = generated if plan is None else plan
    expected, _ = fresh_load(path)
    cold = plan_cache.cached_load(str(path), "test", read_text_file, lambda: fresh_load(path))
    warm = plan_cache.cached_load(str(path), "test", read_text_file, from_cache_only)
    assert_same(cold, expected)
    assert_same(warm, expected)
    if plan is None:
        assert len(warm.sources) == 4 and warm.sources == expected.sources  # the text of each file, read again


def test_the_cached_form_is_smaller_than_the_default_pickle(generated: Path) -> None:
    plan, _ = fresh_load(generated)
    lean = plan_pickle.dumps(plan, without_sources=True)
    assert len(lean) < len(pickle.dumps(plan, protocol=5)) / 2
    assert_same(plan_pickle.loads(lean, plan.sources), plan)
    assert_same(plan_pickle.loads(plan_pickle.dumps(plan)), plan)  # sources kept


def test_a_signed_entry_of_another_layout_is_rebuilt(plan_cache_dir: Path, generated: Path) -> None:
    """What the signature covers is still checked: an entry signed with the folder's key but holding
    no plan, or one cut short, is ignored and rebuilt, never an error."""
    first = load_plan(str(generated))
    (entry,) = plan_cache_dir.glob("*.plan")
    key = (plan_cache_dir / "key").read_bytes()
    good = entry.read_bytes()[len(plan_cache.MAGIC) + 32 :]
    files = good[: 4 + int.from_bytes(good[:4], "big")]
    bad_payloads: list[bytes] = [
        files + pickle.dumps("not a plan"),
        files + plan_pickle.dumps(first)[:-100],
        pickle.dumps(([], first)),  # the layout before this one
        b"\0\0\0\1",
    ]
    for payload in bad_payloads:
        signature = hmac.new(key, payload, hashlib.sha256).digest()
        entry.write_bytes(plan_cache.MAGIC + signature + payload)
        assert_same(load_plan(str(generated)), first)
        assert entry.read_bytes()[len(plan_cache.MAGIC) + 32 :] == good  # rebuilt


def test_a_changed_include_is_read_again_and_its_text_is_the_new_one(plan_cache_dir: Path, tmp_path: Path, generated: Path) -> None:
    folder = tmp_path / "plan"
    folder.mkdir()
    for file in generated.parent.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    plan = folder / "big.yaml"
    load_plan(str(plan))
    include = folder / "events-1.yaml"
    include.write_text(include.read_text().replace("description:", "description: Changed.", 1))
    changed = load_plan(str(plan))
    assert changed.sources[str(include)] == include.read_text()
    assert_same(changed, fresh_load(plan)[0])


def test_a_position_rebuilt_by_its_slots_is_the_position_its_constructor_makes() -> None:
    assert plan_pickle._SLOTTED_POS  # else positions keep the constructor: slower, as correct
    rebuilt, made = plan_pickle._position("plan.yaml", 12, 3), Pos("plan.yaml", 12, 3)
    assert type(rebuilt) is Pos and rebuilt == made and hash(rebuilt) == hash(made) and str(rebuilt) == "plan.yaml:12:3"
    assert rebuilt < Pos("plan.yaml", 12, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rebuilt.line = 13  # type: ignore[misc]


def test_a_class_its_constructor_cannot_rebuild_keeps_the_default_pickling() -> None:
    @dataclasses.dataclass
    class Derived:
        value: int
        double: int = dataclasses.field(init=False)

    @dataclasses.dataclass
    class Checked:
        value: int

        def __post_init__(self) -> None:
            self.value = abs(self.value)

    assert plan_pickle._by_constructor(Derived) is None
    assert plan_pickle._by_constructor(Checked) is None
