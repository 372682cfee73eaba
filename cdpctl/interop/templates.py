"""The spec plans ``cdpctl init --template`` starts a project from, and how several become one plan.

The plans are the repository's ``plans/<name>.yaml``; a wheel carries them as the
package data ``cdpctl/templates/<name>.yaml`` (copied there at build time, see
``pyproject.toml``), a source checkout reads ``plans/`` itself.

Several templates are combined as text, so that their comments (suppression
comments included) survive: each plan is cut into its top-level keys and, under
the sections that hold named definitions (``properties``, ``types``, ``events``,
``common``...), into one block per name.  A name that two templates define alike
is kept once; defined differently it is a conflict, reported rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cdpctl.errors import UsageError

TEMPLATES: dict[str, str] = {
    "ecommerce-v2": "E-commerce v2",
    "b2b-saas": "B2B SaaS",
    "mobile": "Native Mobile",
    "video": "Video",
    "email": "Email",
}
"""Template name -> the title of the Segment spec it follows."""

HEADER_KEYS = ("plan", "version", "description")
"""Top-level keys each template has for itself: the combined plan writes its own."""

MERGED = frozenset({
    ("properties",), ("types",), ("events",), ("pages",), ("screens",),
    ("common",), ("common", "context"), ("common", "properties"), ("common", "traits"),
    ("identify",), ("identify", "traits"), ("group",), ("group", "traits"),
})
"""Paths of the mappings whose entries are merged by name (anywhere else, equal or a conflict)."""

ORDER = ("defaults", "common", "properties", "types", "events", "identify", "group", "pages", "screens")

_KEY = re.compile(r"""^ *("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{\[?:-][^:#]*?) *:(?:\s|$)""")
"""A key of a block mapping: quoted, or plain text without ': ' (the value, if any, follows)."""


@dataclass
class Block:
    """One key of a block mapping: its leading comments, its line, and the lines under it."""

    key: str
    lead: list[str]
    line: str
    body: list[str] = field(default_factory=list)

    def text(self) -> list[str]:
        return [*self.lead, self.line, *self.body]

    def content(self) -> list[str]:
        """What the block says (comments and blank lines left out), for comparing two blocks."""
        return [row.rstrip() for row in [self.line, *self.body] if row.strip() and not row.lstrip().startswith("#")]

    def nests(self) -> bool:
        """Whether the block is ``key:`` with a block mapping under it (not a value on its line)."""
        return bool(re.match(r"^\s*[^#]*:\s*(#.*)?$", self.line)) and bool(self.content()[1:])


def _key_of(row: str, indent: int) -> str | None:
    if not row.startswith(" " * indent) or row[indent:indent + 1] in (" ", "#", "-", ""):
        return None
    match = _KEY.match(row)
    if match is None:
        return None
    key = match.group(1)
    if key[0] in "\"'":
        key = key[1:-1]
    return key.strip()


def split_blocks(rows: list[str]) -> tuple[list[str], list[Block]]:
    """The rows before the first key, and one block per key at the indentation of the first key."""
    content = [row for row in rows if row.strip() and not row.lstrip().startswith("#")]
    if not content:
        return list(rows), []
    indent = len(content[0]) - len(content[0].lstrip(" "))
    preamble: list[str] = []
    blocks: list[Block] = []
    pending: list[str] = []
    for row in rows:
        key = _key_of(row, indent) if row.strip() else None
        if key is not None:
            blocks.append(Block(key, pending, row))
            pending = []
        elif not row.strip() or (row.lstrip().startswith("#") and len(row) - len(row.lstrip(" ")) <= indent):
            pending.append(row)
        elif blocks:
            blocks[-1].body.extend([*pending, row])
            pending = []
        else:
            preamble.extend([*pending, row])
            pending = []
    if blocks:
        blocks[-1].body.extend(pending)
    else:
        preamble.extend(pending)
    return preamble, blocks


def merge_blocks(ours: list[Block], theirs: list[Block], path: tuple[str, ...], names: tuple[str, str]) -> list[Block]:
    """``ours`` with the blocks of ``theirs`` added by name (see the module docstring)."""
    merged = list(ours)
    for block in theirs:
        index = next((i for i, mine in enumerate(merged) if mine.key == block.key), None)
        if index is None:
            merged.append(block)
            continue
        mine = merged[index]
        if mine.content() == block.content():
            continue
        where = (*path, block.key)
        if where in MERGED and mine.nests() and block.nests():
            head_ours, children_ours = split_blocks(mine.body)
            head_theirs, children_theirs = split_blocks(block.body)
            combined = merge_blocks(children_ours, children_theirs, where, names)
            rows = [*head_ours, *(row for child in combined for row in child.text())]
            merged[index] = Block(mine.key, mine.lead, mine.line, rows)
            continue
        shown = ".".join(where)
        raise UsageError(
            f"the templates '{names[0]}' and '{names[1]}' both define '{shown}', differently: start from one "
            "of them and add what you need of the other by hand"
        )
    return merged


def template_text(name: str) -> str:
    """The text of the spec plan ``name`` (package data in a wheel, ``plans/`` in a source checkout)."""
    if name not in TEMPLATES:
        from cdpctl.loader import did_you_mean

        raise UsageError(
            f"unknown template '{name}'{did_you_mean(name, list(TEMPLATES))}; choose from: {', '.join(TEMPLATES)}"
        )
    from importlib import resources

    packaged = resources.files("cdpctl").joinpath("templates").joinpath(f"{name}.yaml")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "plans" / f"{name}.yaml").read_text(encoding="utf-8")


def _strip_blank_tail(rows: list[str]) -> list[str]:
    while rows and not rows[-1].strip():
        rows = rows[:-1]
    return rows


def template_plan(names: list[str] | tuple[str, ...], product: str) -> str:
    """One plan for ``product`` made of the spec plans ``names`` (in that order; a name given twice counts once)."""
    chosen = list(dict.fromkeys(names))
    if not chosen:
        raise UsageError("no template given")
    return combine({name: template_text(name) for name in chosen}, product)


def combine(texts: dict[str, str], product: str) -> str:
    """One plan for ``product`` made of the plans ``texts`` (name -> text, in order): the header is new, the
    rest is merged block by block; a combination that changes a call of one of them is refused."""
    from cdpctl.interop.yamlwrite import scalar

    chosen = list(texts)
    sections: dict[str, Block] = {}
    origin: dict[str, str] = {}
    for name in chosen:
        _, blocks = split_blocks(texts[name].splitlines())
        for block in blocks:
            if block.key in HEADER_KEYS:
                continue
            block = Block(block.key, [], block.line, block.body)
            if block.key not in sections:
                sections[block.key], origin[block.key] = block, name
                continue
            (sections[block.key],) = merge_blocks([sections[block.key]], [block], (), (origin[block.key], name))
    titles = [TEMPLATES.get(name, name) for name in chosen]
    description = (
        _single_description(texts[chosen[0]]) if len(chosen) == 1
        else f"Analytics calls of {product}, following Segment's {', '.join(titles[:-1])} and {titles[-1]} specs."
    )
    spec_list = ", ".join(f"{title} ({name})" for title, name in zip(titles, chosen, strict=True))
    rows = [
        f"# Tracking plan of {product}, started from Segment's spec plans: {spec_list}.",
        "# Check it with `cdpctl lint`, compile it with `cdpctl compile`, validate events with `cdpctl validate`.",
        f"plan: {scalar(product)}",
        "version: 0.1.0",
        f"description: {scalar(description)}",
    ]
    keys = [key for key in ORDER if key in sections] + [key for key in sections if key not in ORDER]
    for key in keys:
        rows.append("")
        rows.extend(_strip_blank_tail(sections[key].text()))
    text = "\n".join(rows) + "\n"
    if len(chosen) > 1:
        _check_unchanged(text, texts)
    return text


def _check_unchanged(combined: str, texts: dict[str, str]) -> None:
    """Refuse a combination that changes a call of one template: a property it defines for itself whose name
    another template has in its shared library would silently inherit that definition's constraints."""
    from cdpctl.compiler import call_schema
    from cdpctl.loader import load_plan_text

    plan = load_plan_text(combined, "combined.yaml")
    for name, text in texts.items():
        for call in load_plan_text(text, f"{name}.yaml").calls():
            mine = call_schema(call)["properties"][call.field_key]
            found = plan.find_call(call.type, call.name)
            theirs = None if found is None else call_schema(found)["properties"][found.field_key]
            if theirs != mine:
                raise UsageError(
                    f"combined with the others, the template '{name}' would change '{call.label}' (a property "
                    "it defines for itself is a shared property of another template): start from one of them "
                    "and add what you need of the others by hand"
                )


def _single_description(text: str) -> str:
    import yaml

    document = yaml.safe_load(text)
    description = document.get("description") if isinstance(document, dict) else None
    return str(description) if description else ""
