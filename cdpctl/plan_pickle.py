"""The pickled form of a plan kept by the plan cache: lean, and quick to load.

Pickled the default way, the model loads slowly: each frozen, slotted
:class:`~cdpctl.errors.Pos` is rebuilt through the generic dataclass
``__setstate__`` (which looks up the class's fields again for every one; a
5,000-event plan has 225,000 positions) and each :class:`~cdpctl.model.Property`
from a dictionary of its state, copied key by key into the new instance.  Here
each class of the model is pickled as a call of its own constructor with its
field values in order (no names, no state dictionary): it loads in about half
the time, in fewer bytes, and gives objects equal to the ones pickled, with the
same sharing (a ``common:`` rule table shared by every call stays shared).
Positions, the most numerous objects, are rebuilt by setting their three slots,
as their frozen ``__init__`` does, without the call of ``__init__``.

A class whose constructor would not rebuild it (a field with ``init=False``, a
``__post_init__``) keeps the default pickling.  The plan's ``sources`` (the
text of each file) can be left out when the reader has them anyway: the cache
reads every file again to check it has not changed.
"""

from __future__ import annotations

import copyreg
import dataclasses
import io
import operator
import pickle
import types
from collections.abc import Callable
from typing import Any

from cdpctl.errors import Pos
from cdpctl.model import Call, Common, Plan, Property, TypeDef

Reduced = tuple[Callable[..., Any], tuple[Any, ...]]
PROTOCOL = 5

_POS_FIELDS = ("file", "line", "column")
_POS_SLOTS = [Pos.__dict__.get(name) for name in _POS_FIELDS]
_SLOTTED_POS = (
    tuple(field.name for field in dataclasses.fields(Pos)) == _POS_FIELDS
    and all(isinstance(slot, types.MemberDescriptorType) for slot in _POS_SLOTS)
    and not hasattr(Pos, "__post_init__")
)
"""Whether a position can be rebuilt by setting its three slots (what its frozen ``__init__`` does)."""


def _position(file: str, line: int, column: int) -> Pos:
    """``Pos(file, line, column)``, a sixth quicker: its slots set directly, without calling ``__init__``."""
    pos: Pos = object.__new__(Pos)
    _set_file(pos, file)
    _set_line(pos, line)
    _set_column(pos, column)
    return pos


if _SLOTTED_POS:
    _set_file, _set_line, _set_column = (slot.__set__ for slot in _POS_SLOTS)  # type: ignore[union-attr]


def _by_constructor(cls: type[Any], keys_only: str | None = None) -> Callable[[Any], Reduced] | None:
    """The reducer pickling an instance of dataclass ``cls`` as ``cls(*field values)``, of the dict
    field named ``keys_only`` only the keys; ``None`` when the constructor would not rebuild the instance."""
    fields = dataclasses.fields(cls)
    if not all(field.init for field in fields) or hasattr(cls, "__post_init__"):
        return None
    names = [field.name for field in fields]
    values = operator.attrgetter(*names)
    if keys_only is None:
        return lambda obj: (cls, values(obj))
    index = names.index(keys_only)

    def reduce(obj: Any) -> Reduced:
        args = list(values(obj))
        args[index] = dict.fromkeys(args[index])
        return cls, tuple(args)

    return reduce


def dumps(plan: Plan, *, without_sources: bool = False) -> bytes:
    """``plan`` pickled; ``without_sources``: with the names of its ``sources``, not their text (the
    reader gives them again)."""
    table: dict[type[Any], Any] = dict(copyreg.dispatch_table)
    for cls in (Pos, Property, Call, TypeDef, Common):
        reducer = _by_constructor(cls)
        if reducer is not None:
            table[cls] = reducer
    if _SLOTTED_POS:
        table[Pos] = lambda pos: (_position, (pos.file, pos.line, pos.column))
    plan_reducer = _by_constructor(Plan, "sources" if without_sources else None)
    if plan_reducer is not None:
        table[Plan] = plan_reducer
    elif without_sources:
        raise ValueError("the plan's sources cannot be left out of its pickled form")
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=PROTOCOL)
    pickler.dispatch_table = table
    pickler.dump(plan)
    return out.getvalue()


def loads(data: bytes | memoryview, sources: dict[str, str] | None = None) -> Plan:
    """The plan pickled in ``data`` (by :func:`dumps`; trusted data only), the text of its files
    taken from ``sources`` when given (``KeyError`` when one is missing).

    Raises :class:`ValueError` when ``data`` holds something else than a plan."""
    plan = pickle.loads(data)
    if not isinstance(plan, Plan):
        raise ValueError("not a pickled plan")
    if sources is not None:
        plan.sources = {name: sources[name] for name in plan.sources}
    return plan
