"""Plan formats in generated Python tracking clients, embedded verbatim after :mod:`.runtime`.

A plan ``format`` compiles to a pattern (checked beside it, by :mod:`.runtime_patterns`)
plus the rules a pattern cannot say, which ``cdpctl validate`` also checks: a leap
second only at 23:59:60 UTC once the offset is applied, at most 253 characters in a
host name, and valid Punycode in ``xn--`` labels (which needs the ``idna`` package).
Other formats are annotations here, as the standard's default is.
"""

import importlib
from collections.abc import Callable
from typing import Any, Final

# --- runtime ---
_DATE_TIME_PATTERN: Final = (
    "^([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1"
    "[0-9]|2[0-8]))|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)[Tt]([0"
    "1][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)


def _leap_second_ok(value: str) -> bool:
    """A second of 60 only at 23:59 UTC once the offset is applied (the pattern beside checks the syntax)."""
    time = value[11:] if len(value) > 10 and value[10] in "Tt" else value
    if time[6:8] != "60" or not (time[:2].isdigit() and time[3:5].isdigit()):
        return True
    minutes = int(time[:2]) * 60 + int(time[3:5])
    offset = time[8:].lstrip(".0123456789")
    if offset[:1] in ("+", "-") and offset[1:3].isdigit() and offset[4:6].isdigit():
        shift = int(offset[1:3]) * 60 + int(offset[4:6])
        minutes -= shift if offset[0] == "+" else -shift
    return minutes % 1440 == 23 * 60 + 59


def _a_labels_ok(host: str) -> bool:
    """A host name label with ``--`` in its third and fourth places is a valid A-label (needs ``idna``)."""
    for label in host.split(".") if "--" in host else ():
        if label[2:4] == "--":
            if label[:2].lower() != "xn":
                return False
            idna = importlib.import_module("idna")
            try:  # decodes, and encodes back to the very same A-label (RFC 5891 section 5.4)
                if idna.encode(idna.decode(label.lower())).decode("ascii") != label.lower():
                    return False
            except (UnicodeError, ValueError):  # idna.IDNAError is a UnicodeError
                return False
    return True


_FORMAT_RULES: Final[dict[str, Callable[[str], bool]]] = {
    "date-time": _leap_second_ok,
    "time": _leap_second_ok,
    "hostname": lambda value: len(value) <= 253 and _a_labels_ok(value),
    "email": lambda value: _a_labels_ok(value.rpartition("@")[2]),
}
"""What ``cdpctl validate`` checks of a plan format beyond its compiled pattern (see cdpctl's formats)."""


def _format(_validator: Any, fmt: Any, instance: Any, schema: Any) -> Any:
    """The ``format`` keyword: a plan format's rules beyond its pattern (which sits beside it, or under
    ``allOf``); other formats are annotations here, as the standard's default is."""
    rule = _FORMAT_RULES.get(fmt) if isinstance(fmt, str) else None
    patterned = "pattern" in schema or "allOf" in schema
    if rule is not None and isinstance(instance, str) and patterned and not rule(instance):
        yield importlib.import_module("jsonschema").ValidationError(f"{instance!r} is not a valid {fmt}")
