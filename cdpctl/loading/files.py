"""Plan files: reading the root plan and its includes, confined to the plan's folder tree.

:class:`PlanFiles` reads each file through the ``read`` function (size-capped; a git revision for
``cdpctl diff``), composes it into a positioned YAML tree, follows ``include:`` (no cycles, no escape
from the plan's folder tree or the configured ``include_roots``, bounded depth) and gathers the named
definitions of every file into :class:`Sources`, reporting a name defined twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cdpctl.errors import Pos, file_name_text
from cdpctl.loading.collect import Collector
from cdpctl.loading.keys import INCLUDED_KEYS, MAX_INCLUDE_DEPTH, TOP_KEYS, Reader
from cdpctl.plan_files import DEFAULT_MAX_PLAN_BYTES, PlanFilePolicy, include_problem, read_bounded
from cdpctl.yamlsrc import YMap, YNode, YScalar, YSeq, non_finite_numbers, parse_yaml


@dataclass
class Sources:
    """Raw definitions gathered from the root file and its includes."""

    properties: dict[str, tuple[YNode, Pos]] = field(default_factory=dict)
    types: dict[str, tuple[YNode, Pos]] = field(default_factory=dict)
    events: dict[str, tuple[YNode, Pos]] = field(default_factory=dict)
    pages: dict[str, tuple[YNode, Pos]] | None = None
    screens: dict[str, tuple[YNode, Pos]] | None = None
    identify: tuple[YNode, Pos] | None = None
    group: tuple[YNode, Pos] | None = None


class PlanFiles(Collector):
    """Reads the plan's files and gathers their definitions (``tree``: the resolved folder of the root plan)."""

    def __init__(self, read: Reader, policy: PlanFilePolicy | None = None) -> None:
        super().__init__()
        self.read = read
        self.policy = policy
        self.tree = ""
        self.files: list[str] = []
        self.unread: list[str] = []
        """Files the plan names that could not be read (an include that does not exist): never written over."""
        self.texts: dict[str, str] = {}
        self.src = Sources()
        self.non_finite: list[Pos] = []

    def read_file(self, path: str, pos: Pos | None) -> YMap | None:
        if not utf8_name(path):  # every report names the file: its name must be text
            shown = file_name_text(path)
            self.error(Pos(shown, 1, 1) if pos is None else pos, f"cannot read plan file '{shown}': its name is not UTF-8; rename it")
            return None
        try:
            text = self.read(path)
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if isinstance(exc, UnicodeDecodeError):
                reason = f"not {'UTF-16' if '16' in exc.encoding else 'UTF-8'} text ({exc})"
            self.error(pos or Pos(path, 1, 1), f"cannot read plan file '{path}': {reason}")
            self.unread.append(path)
            return None
        self.files.append(path)
        self.texts[path] = text
        root, issues = parse_yaml(text, path)
        self.issues.extend(issues)
        self.unreadable.update(issue.pos for issue in issues)
        if root is not None:
            self.non_finite.extend(non_finite_numbers(root))
        if root is None:
            if not issues:
                self.error(Pos(path, 1, 1), "the plan file is empty")
            return None
        if not isinstance(root, YMap):
            self.error(root.pos, "a plan file must be a mapping of keys such as 'events:' and 'properties:'")
            return None
        return root

    def gather(self, root: YMap, path: str, is_root: bool, seen: tuple[str, ...]) -> None:
        self.check_keys(root, TOP_KEYS if is_root else INCLUDED_KEYS, "the plan" if is_root else "an included file",
                        "an event? events go under 'events:', indented")
        for section in ("properties", "types", "events"):
            mapping = self.as_map(root.get(section), f"'{section}'")
            if mapping is None:
                continue
            target: dict[str, tuple[YNode, Pos]] = getattr(self.src, section)
            self.merge_named(mapping, target, section)
        for section in ("pages", "screens"):
            mapping = self.as_map(root.get(section), f"'{section}'")
            if mapping is None:
                continue
            target_opt: dict[str, tuple[YNode, Pos]] | None = getattr(self.src, section)
            if target_opt is None:
                target_opt = {}
                setattr(self.src, section, target_opt)
            self.merge_named(mapping, target_opt, section)
        for section in ("identify", "group"):
            node = root.get(section)
            if node is None:
                continue
            previous: tuple[YNode, Pos] | None = getattr(self.src, section)
            if previous is not None:
                self.error(root.keys[section], f"'{section}' is already defined at {previous[1]}")
                continue
            setattr(self.src, section, (node, root.keys[section]))
        include = root.get("include")
        if include is None:
            return
        paths: list[YNode] = include.items if isinstance(include, YSeq) else [include]
        for item in paths:
            if not isinstance(item, YScalar) or not isinstance(item.value, str) or not item.value:
                self.error(item.pos, "'include' takes a file path or a list of file paths")
                continue
            if "\x00" in item.value:
                self.error(item.pos, "an include path must not contain a NUL byte")
                continue
            target_path = os.path.normpath(os.path.join(os.path.dirname(path), item.value))
            problem = include_problem(target_path, self.tree, self.policy) if self.policy is not None else None
            if problem is not None:
                self.error(item.pos, f"include '{item.value}' {problem}")
                continue
            if target_path in seen:
                self.error(item.pos, f"include cycle: '{item.value}' includes itself")
                continue
            if len(seen) > MAX_INCLUDE_DEPTH:
                self.error(item.pos, f"includes nest more than {MAX_INCLUDE_DEPTH} files deep")
                continue
            if target_path in self.files:
                continue
            included = self.read_file(target_path, item.pos)
            if included is not None:
                self.gather(included, target_path, False, (*seen, target_path))

    def merge_named(self, mapping: YMap, target: dict[str, tuple[YNode, Pos]], section: str) -> None:
        for name, node in mapping.values.items():
            pos = mapping.keys[name]
            if not name.strip():
                self.error(pos, f"a name in '{section}' must not be empty")
                continue
            if name in target:
                self.error(pos, f"'{name}' is already defined in '{section}' at {target[name][1]}")
                continue
            target[name] = (node, pos)


def utf8_name(path: str) -> bool:
    """Whether a file name is text (a file system allows bytes that are not UTF-8: Python keeps them as
    lone surrogates, which no report can write)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def decode_plan_bytes(data: bytes) -> str:
    """A plan file's text: UTF-8, or UTF-16 when it starts with that byte order mark (as YAML allows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8")


def read_text_file(path: str, max_bytes: int = DEFAULT_MAX_PLAN_BYTES) -> str:
    """The text of a plan file, read up to ``max_bytes`` (a larger file is an ``OSError`` saying so)."""
    return decode_plan_bytes(read_bounded(path, max_bytes))
