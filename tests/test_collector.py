"""The collector pause around a plan load: restored as it was, the load's objects in the oldest generation."""

from __future__ import annotations

import gc
import weakref

import pytest

from cdpctl import collector


def in_generation(obj: object, generation: int) -> bool:
    return any(found is obj for found in gc.get_objects(generation=generation))


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_restored_and_the_objects_made_old(enabled: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with collector.paused():
            assert not gc.isenabled()
            made = {"tree": [{"leaf": [1]} for _ in range(100)]}
        assert gc.isenabled() is enabled
        assert in_generation(made, 2) and not in_generation(made, 0)
        with pytest.raises(ValueError), collector.paused():
            raise ValueError("a load that fails")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


class Node:
    def __init__(self) -> None:
        self.next: Node = self


def test_a_cycle_made_meanwhile_is_still_collected() -> None:
    with collector.paused():
        cycle = Node()
        probe = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert probe() is None
