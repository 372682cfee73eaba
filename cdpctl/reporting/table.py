"""Text tables that fit the terminal: column widths where names win space before messages.

One layout for validate's table and serve's live view.  No cell wraps (a word is never
broken across lines): a cell too long for its column ends with an ellipsis, and
``--format json`` has every value whole.  Space is given in this order:

1. counts and codes, always whole;
2. names (events, paths) up to :data:`NAME_WIDTH` characters, before any message;
3. messages up to :data:`MESSAGE_WIDTH`;
4. every column up to its longest cell, in column priority order.

Optional columns (examples, shares) are left out, the least important first, unless
every other column can have the width of steps 1 to 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

NAME_WIDTH = 40
"""Characters of an event name or a path shown whole before a message gets more than its floor."""

MESSAGE_WIDTH = 30
"""Characters of a message shown before optional columns get any space."""

GAP = 2
"""Columns between two cells of an unframed table (one space of padding on each side)."""


def columns_from_env() -> int | None:
    """The width the ``COLUMNS`` environment variable asks for (a positive whole number), else ``None``.

    An explicit ``COLUMNS`` wins even when the output is not a terminal (``COLUMNS=80 cdpctl
    validate ... | less``), as in most command-line tools.
    """
    import os

    value = os.environ.get("COLUMNS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


@dataclass(frozen=True)
class Column:
    """One column: its header, how it may be shortened, and how soon it gets space (``rank``: lower first)."""

    header: str
    rank: int
    whole: bool = False
    """Never shortened (counts, codes)."""
    want: int = 0
    """Width given before lower-ranked columns grow past their floor (names: :data:`NAME_WIDTH`)."""
    floor: int = 8
    """The narrowest useful width when shortened."""
    optional: bool = False
    """Left out when the table cannot fit otherwise (the highest ``rank`` first)."""
    justify: str = "left"
    keep_end: bool = False
    """Shortened at its start (``…ations.ndjson:42``): the end says the most (a file's line)."""


def _width(cell: Any) -> int:
    from rich.cells import cell_len

    return int(cell.cell_len) if hasattr(cell, "cell_len") else cell_len(str(cell))


def layout(columns: Sequence[Column], rows: Sequence[Sequence[Any]], width: int, gap: int = GAP) -> list[int | None]:
    """The width of each column (``None``: left out) so that the table's rows fit in ``width`` cells."""
    natural = [max([_width(column.header), *(_width(row[i]) for row in rows)]) for i, column in enumerate(columns)]
    active = list(range(len(columns)))

    def base(i: int) -> int:
        return natural[i] if columns[i].whole else min(natural[i], max(columns[i].floor, _width(columns[i].header)))

    def wanted(i: int) -> int:
        return natural[i] if columns[i].whole else min(natural[i], max(columns[i].want, base(i)))

    while True:  # optional columns stay only if every other column can have the width it wants
        need = sum(base(i) if columns[i].optional else wanted(i) for i in active) + gap * (len(active) - 1)
        optional = [i for i in active if columns[i].optional]
        if need <= width or not optional:
            break
        active.remove(max(optional, key=lambda i: columns[i].rank))
    need = sum(base(i) for i in active) + gap * (len(active) - 1)
    widths: list[int | None] = [base(i) if i in active else None for i in range(len(columns))]
    space = width - need
    by_rank = sorted(active, key=lambda i: columns[i].rank)
    for step in ("want", "natural"):
        for i in by_rank:
            current = widths[i] or 0
            target = min(natural[i], max(columns[i].want, current)) if step == "want" else natural[i]
            grow = max(0, min(space, target - current))
            widths[i] = current + grow
            space -= grow
    return widths


def fitted_table(
    columns: Sequence[Column], rows: Sequence[Sequence[Any]], width: int, title: str | None = None, **options: Any
) -> Table:
    """A rich table of ``rows`` laid out by :func:`layout` for ``width`` cells (``options`` go to ``Table``)."""
    from rich.table import Table

    widths = layout(columns, rows, width)
    table = Table(
        title=title,
        title_justify="left",
        box=None,  # no divider: two spaces between columns, the header underlined
        header_style="bold underline",
        padding=(0, GAP // 2),
        pad_edge=False,
        expand=False,
        **options,
    )
    kept = [i for i, w in enumerate(widths) if w is not None]
    for i in kept:
        column = columns[i]
        table.add_column(column.header, width=widths[i], no_wrap=True, overflow="ellipsis", justify=column.justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(_end_kept(row[i], widths[i]) if columns[i].keep_end else row[i] for i in kept))
    return table


def _end_kept(cell: Any, width: int | None) -> Any:
    """A text cell wider than ``width`` cut at its start, with an ellipsis there."""
    text = cell if isinstance(cell, str) else getattr(cell, "plain", None)
    if not isinstance(text, str) or width is None or _width(text) <= width or width < 2:
        return cell
    tail = text[-(width - 1) :]
    while _width(tail) > width - 1:  # wide characters
        tail = tail[1:]
    return "…" + tail
