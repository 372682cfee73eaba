"""Runtime support of the package form of a generated client: each planned call loads on first use.

The package's ``_runtime.py`` holds :mod:`cdpctl.codegen.runtime` and, after it, everything below
the ``# --- runtime ---`` marker here.  The package's ``Tracker`` derives from :class:`LazyTracker`;
its class maps each planned method to the submodule of its group (``_CALLS``) and each planned
call to the group whose JSON data file holds its schema (``_SCHEMAS``).  A method is looked up the
first time it is used: its whole group is imported and installed on the class, so later calls cost
what a plain method costs.  A schema is read when validation first needs it.  The lookup hooks are
hidden from type checkers, which see every method through the ``TYPE_CHECKING`` imports of the
package's ``__init__`` (a misspelt method stays an error there).
"""

import importlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

from cdpctl.codegen.runtime import _TrackerBase

# --- runtime ---
_Planned = dict[tuple[str, str | None], dict[str, Any]]

_GROUP_DATA: dict[tuple[str, str], tuple[_Planned, dict[str, str], dict[str, str]]] = {}
"""The data file of each group read so far: ``(package, group)`` -> (planned part of each call, patterns,
quick forms of the simple patterns)."""


def _group_data(package: str, group: str) -> tuple[_Planned, dict[str, str], dict[str, str]]:
    """The planned parts of the calls of ``group``, their patterns in RE2 syntax and the Python ``re`` forms
    of the simple ones (read once)."""
    key = (package, group)
    if key not in _GROUP_DATA:
        resources = importlib.import_module("importlib.resources")
        text = resources.files(package).joinpath(f"{group}.json").read_text(encoding="utf-8")
        data = json.loads(text)
        planned: _Planned = {(entry[0], entry[1]): entry[2] for entry in data["schemas"]}
        _GROUP_DATA[key] = (planned, dict(data["patterns"]), dict(data["quick"]))
    return _GROUP_DATA[key]


def _home(bases: tuple[type, ...], name: str) -> type | None:
    """The generated class among ``bases`` whose ``_CALLS`` lists the method ``name``."""
    for klass in bases:
        calls = klass.__dict__.get("_CALLS")
        if calls is not None and name in calls:
            return klass
    return None


def _install(home: type, name: str) -> None:
    """Import the group defining the method ``name`` of ``home`` and put its methods on ``home``."""
    calls: Mapping[str, str] = home.__dict__["_CALLS"]
    group = importlib.import_module(f".{calls[name]}", home.__dict__["_PACKAGE"])
    for value in vars(group).values():
        if isinstance(value, type) and value.__module__ == group.__name__ and issubclass(value, LazyTracker):
            for attribute, method in vars(value).items():
                if calls.get(attribute) == calls[name] and attribute not in home.__dict__:
                    setattr(home, attribute, method)


class _LazyCalls(type):
    """The metaclass of :class:`LazyTracker`: ``Tracker.some_call`` loads its group too."""

    def _lazy_attribute(cls, name: str) -> Any:
        home = _home(cls.__mro__, name)
        if home is None:
            raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}", name=name, obj=cls)
        _install(home, name)
        return type.__getattribute__(cls, name)

    def __dir__(cls) -> list[str]:
        names = set(type.__dir__(cls))
        for klass in cls.__mro__:
            names.update(klass.__dict__.get("_CALLS", ()))
        return sorted(names)

    if not TYPE_CHECKING:  # type checkers see the methods themselves, never a catch-all
        __getattr__ = _lazy_attribute


class LazyTracker(_TrackerBase, metaclass=_LazyCalls):
    """The base of the package client's ``Tracker``: planned methods and schemas load on first use."""

    _CALLS: ClassVar[Mapping[str, str]] = {}
    """Each planned method's group (the submodule defining it, and the data file holding its schemas)."""
    _PACKAGE: ClassVar[str] = ""

    def __init_subclass__(cls, **options: Any) -> None:
        super().__init_subclass__(**options)
        # a subclass overriding a planned method (calling super() in it) finds the original in place
        for name in list(vars(cls)):
            home = _home(cls.__mro__[1:], name)
            if home is not None:
                _install(home, name)

    def _lazy_getattr(self, name: str) -> Any:
        home = _home(type(self).__mro__, name)
        if home is None:
            kind = type(self).__name__
            raise AttributeError(f"{kind!r} object has no attribute {name!r}", name=name, obj=self)
        _install(home, name)
        return object.__getattribute__(self, name)

    if not TYPE_CHECKING:
        __getattr__ = _lazy_getattr

    def _planned(self, key: tuple[str, str | None]) -> dict[str, Any]:
        planned, patterns, quick = _group_data(self._PACKAGE, self._SCHEMAS[key])
        cast("dict[str, str]", self._PATTERNS).update(patterns)  # the generated class's own dicts
        cast("dict[str, str]", self._QUICK_PATTERNS).update(quick)
        return planned[key]
