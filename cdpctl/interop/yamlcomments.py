"""The comments of a YAML plan file, each tied to the key it belongs to: what ``infer --update`` carries
over when it writes the plan again.

A comment on its own line belongs to the next key of the file (blank lines between them or not); a
comment at the end of a line, to the first key of that line (it is written above that key, where a
``# cdpctl: disable=...`` directive still covers the key's line), or, on a line without a key (a list
item, the end of a flow collection), to the last key before it.  Comments after the last key are the
file's trailer.  So no comment is lost, though one may move to its key.  Text inside quoted and block
scalars is never taken for a comment: the lines are read along PyYAML's tokens.  A key an alias repeats
(``properties: *ad``) has its comments at each of its paths, since the plan writer writes each copy out.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from cdpctl.interop.yamlwrite import Path
from cdpctl.yamlsrc import YMap, YNode, parse_yaml


@dataclass
class FileComments:
    """What :func:`file_comments` found: comments by the path of their key, the header and the trailer."""

    by_key: dict[Path, list[str]] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    trailer: list[str] = field(default_factory=list)


def file_comments(text: str) -> FileComments:
    """The comments of ``text`` (a YAML file that loads), tied to their keys; empty when it does not scan."""
    import yaml

    text = text.removeprefix("\ufeff")  # a byte order mark is no part of the first line's text
    lines = text.split("\n")
    inside: set[int] = set()  # lines (from 0) that a multi-line scalar runs over
    ends: dict[int, int] = {}  # line -> where the last token ending on it ends
    try:
        tokens = list(yaml.scan(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return FileComments()
    for token in tokens:
        start, end = token.start_mark, token.end_mark
        if isinstance(token, yaml.ScalarToken) and end.line > start.line:
            inside.update(range(start.line + 1, end.line + (1 if end.column else 0)))
        if end.column and (end.line > start.line or end.column > start.column):  # content that ends on the line
            ends[end.line] = max(ends.get(end.line, 0), end.column)
    found: list[tuple[int, str, bool]] = []  # (line, text, whether it is at the end of a line)
    for number, line in enumerate(lines):
        body = line.strip()
        if number in inside and number not in ends:
            continue
        if body.startswith("#") and number not in ends:
            found.append((number, _text(body), False))
            continue
        rest = line[ends.get(number, len(line)) :].strip()
        if rest.startswith("#"):
            found.append((number, _text(rest), True))
    root, _ = parse_yaml(text, "<plan>")
    places: dict[tuple[int, int], list[Path]] = {}  # a key reached through aliases has several paths
    for row, column, path in _keys(root, ()):
        places.setdefault((row, column), []).append(path)
    keys = sorted(places)  # (line from 0, column), in the order of the file
    lines_of_keys = [row for row, _ in keys]
    out = FileComments()
    for number, comment, at_end in found:
        if at_end:  # the first key of its line, else the last key before it
            index = bisect_left(lines_of_keys, number)
            if index == len(keys) or keys[index][0] != number:
                index -= 1
        else:  # the next key
            index = bisect_right(lines_of_keys, number)
            if index == len(keys):
                out.trailer.append(comment)
                continue
        if index < 0:
            out.header.append(comment)
            continue
        for path in places[keys[index]]:  # every path of the key: an alias's copy keeps its directives
            out.by_key.setdefault(path, []).append(comment)
    return out


def _text(comment: str) -> str:
    return comment[1:].strip()


def _keys(node: YNode | None, path: Path) -> list[tuple[int, int, Path]]:
    """Every key of the mappings reached through mappings alone, with its place (line from 0, column)."""
    if not isinstance(node, YMap):
        return []
    out: list[tuple[int, int, Path]] = []
    for name, value in node.values.items():
        pos = node.keys[name]
        child = (*path, str(name))
        out.append((pos.line - 1, pos.column, child))
        out.extend(_keys(value, child))
    return out


__all__ = ["FileComments", "file_comments"]
