"""The plan: calls, ``common:`` and the top-level keys assembled into a :class:`~cdpctl.model.Plan`.

:class:`PlanLoader` is the whole loader (files, then definitions, then calls); :func:`load_plan`
and :func:`load_plan_text` are its entry points.  Every problem is collected and raised at the end
as one :class:`~cdpctl.errors.PlanLoadError`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cdpctl import collector
from cdpctl.errors import PlanLoadError, Pos
from cdpctl.loading.definitions import Definitions
from cdpctl.loading.files import read_text_file, utf8_name
from cdpctl.loading.keys import COMMON_KEYS, DEFAULTS_KEYS, EVENT_KEYS, SEMVER, TRAITS_KEYS, Reader
from cdpctl.model import Call, Common, Plan
from cdpctl.plan_files import PlanFilePolicy, default_policy, include_problem
from cdpctl.yamlsrc import YNode, to_python


class PlanLoader(Definitions):
    """Loads one plan: ``PlanLoader(read).load(path)``."""

    def resolve_common(self, node: YNode, pos: Pos) -> Common | None:
        mapping = self.as_map(node, "'common'")
        if mapping is None:
            return None
        self.check_keys(mapping, COMMON_KEYS, "'common'")
        common = Common(
            pos=pos,
            description=self.scalar(mapping, "description", (str,), "'common'"),
            key_pos=mapping.keys,
        )
        for section in ("properties", "traits", "context"):
            fields = self.as_map(mapping.get(section), f"'{section}' of 'common'")
            if fields is not None:
                setattr(common, section, self.resolve_properties(fields, True))
        return common

    def resolve_call(self, call_type: str, name: str | None, node: YNode, pos: Pos) -> Call | None:
        label = f"event '{name}'" if call_type == "track" else (f"{call_type} '{name}'" if name else call_type)
        mapping = self.as_map(node, label)
        if mapping is None:
            return None
        traits = call_type in ("identify", "group")
        self.check_keys(mapping, TRAITS_KEYS if traits else EVENT_KEYS, label,
                        "a trait? traits go under 'traits:', indented further" if traits
                        else "a property? properties go under 'properties:', indented further")
        ap = self.scalar(mapping, "additional_properties", (bool,), label)
        call = Call(
            type=call_type,
            name=name,
            pos=pos,
            description=self.scalar(mapping, "description", (str,), label),
            additional_properties=self.default_ap if ap is None else ap,
            key_pos=mapping.keys,
            extra=self.extras(mapping),
        )
        if not traits:
            call.owner = self.scalar(mapping, "owner", (str,), label)
            call.deprecated = bool(self.scalar(mapping, "deprecated", (bool,), label))
            call.version = self.scalar(mapping, "version", (int,), label)
            tags = mapping.get("tags")
            if tags is not None:
                values = to_python(tags)
                if isinstance(values, str):
                    values = [values]
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    self.error(tags.pos, f"'tags' of {label} must be a list of strings")
                else:
                    call.tags = values
        field_key = "traits" if traits else "properties"
        fields = self.as_map(mapping.get(field_key), f"'{field_key}' of {label}")
        if fields is not None:
            call.fields = self.resolve_properties(fields, call.additional_properties)
        return call

    # -- the plan --------------------------------------------------------
    def load(self, path: str) -> Plan:
        """The plan at ``path``; the cyclic garbage collector is paused meanwhile (it would scan the
        growing trees again and again, for no garbage: the loader makes no cycles to collect), and
        the plan's objects are made old after (see :mod:`cdpctl.collector`)."""
        with collector.paused():
            return self._load(path)

    def _load(self, path: str) -> Plan:
        self.tree = plan_tree(path)
        root = self.read_file(path, None)
        if root is None:
            raise PlanLoadError(self.issues, [str(file) for file in (*self.files, *self.unread)])
        self.gather(root, path, True, (os.path.normpath(path),))

        name = self.scalar(root, "plan", (str,), "the plan")
        version_node = root.get("version")
        version = "0.0.0"
        if version_node is not None:
            raw_version = to_python(version_node)
            version = str(raw_version)
            if not isinstance(raw_version, str) or not SEMVER.match(raw_version):
                self.error(version_node.pos, f"'version' must be a semantic version such as 1.2.0, not {version!r}")
        defaults = self.as_map(root.get("defaults"), "'defaults'")
        if defaults is not None:
            self.check_keys(defaults, DEFAULTS_KEYS, "'defaults'")
            ap = self.scalar(defaults, "additional_properties", (bool,), "'defaults'")
            self.default_ap = bool(ap)

        plan = Plan(
            name=name or Path(path).stem,
            version=version,
            pos=Pos(path, 1, 1),
            description=self.scalar(root, "description", (str,), "the plan"),
            default_additional_properties=self.default_ap,
            key_pos=root.keys,
            extra=self.extras(root),
        )
        # shared properties first (they may use types), then types, then calls
        for prop_name, (_, pos) in self.src.properties.items():
            self.shared_property(prop_name, pos)
        plan.properties = {name: self.shared[name] for name in self.src.properties if name in self.shared}
        for type_name, (_, pos) in self.src.types.items():
            typedef = self.resolve_type(type_name, pos)
            if typedef is not None:
                plan.types[type_name] = typedef
        for event_name, (node, pos) in self.src.events.items():
            call = self.resolve_call("track", event_name, node, pos)
            if call is not None:
                plan.events[event_name] = call
        for section, call_type in (("identify", "identify"), ("group", "group")):
            entry: tuple[YNode, Pos] | None = getattr(self.src, section)
            if entry is not None:
                setattr(plan, section, self.resolve_call(call_type, None, entry[0], entry[1]))
        for section, call_type in (("pages", "page"), ("screens", "screen")):
            entries: dict[str, tuple[YNode, Pos]] | None = getattr(self.src, section)
            if entries is None:
                continue
            calls: dict[str, Call] = {}
            for call_name, (node, pos) in entries.items():
                call = self.resolve_call(call_type, call_name, node, pos)
                if call is not None:
                    calls[call_name] = call
            setattr(plan, section, calls)
        common_node = root.get("common")
        if common_node is not None:
            plan.common = self.resolve_common(common_node, root.keys["common"])
        if plan.common is not None:
            for call in plan.calls():
                rules = plan.common.traits if call.type in ("identify", "group") else plan.common.properties
                call.common_fields = rules
                call.common_context = plan.common.context
        plan.files = list(self.files)
        plan.sources = dict(self.texts)
        plan.kept_errors = list(self.kept_errors)
        reported = {issue.pos for issue in self.issues}
        for pos in self.non_finite:
            if pos not in reported:
                self.error(pos, "NaN and infinity are not JSON numbers (plans compile to JSON); quote it for a string")
        if self.issues:
            raise PlanLoadError(self.issues, [str(file) for file in (*self.files, *self.unread)])
        return plan


def load_plan(
    path: str | os.PathLike[str],
    read: Reader | None = None,
    *,
    check_patterns: bool = True,
    policy: PlanFilePolicy | None = None,
) -> Plan:
    """Load and resolve the plan at ``path`` (and the files it includes).

    ``read`` maps a path to its text; the default reads the file system (a git
    revision reader is used by ``cdpctl diff``).  Raises
    :class:`~cdpctl.errors.PlanLoadError` with every problem found.
    ``check_patterns=False`` keeps patterns the engine cannot run, for ``lint``
    to report each construct (rule CP303), and their load errors in
    ``Plan.kept_errors`` (lint reports them as ``plan-load`` errors, exit 2);
    every other command refuses them.
    Files read from disk follow ``policy`` (default: the project configuration's,
    see :mod:`cdpctl.plan_files`): includes stay in the plan's folder tree, every
    file is size-capped.
    """
    if read is None:
        from cdpctl.plan_cache import cached_load

        file_policy = policy or default_policy()
        cap = file_policy.max_bytes

        def read_file(file: str) -> str:
            return read_text_file(file, cap)

        def load() -> tuple[Plan, dict[str, str]]:
            loader = PlanLoader(read_file, check_patterns, file_policy)
            return loader.load(os.fspath(path)), loader.texts

        root = os.fspath(path)
        tree = plan_tree(root)

        def read_checked(file: str) -> str:
            """A file of a cached plan, read only when the loader would read it now."""
            problem = include_problem(file, tree, file_policy) if file != root else None
            if problem is None and not utf8_name(file):
                problem = "has a name that is not UTF-8"
            if problem is None and not stat.S_ISREG(os.stat(file).st_mode):  # the plan itself: a FIFO waits
                problem = "is not a regular file"
            if problem is not None:
                raise OSError(f"'{file}' {problem}")
            return read_file(file)

        patterns = "checked" if check_patterns else "kept with their errors"  # (an older entry kept no errors)
        settings = f"patterns {patterns} policy={file_policy!r}"
        return cached_load(root, settings, read_checked, load)
    return PlanLoader(read, check_patterns, policy).load(os.fspath(path))


def plan_tree(path: str) -> str:
    """The folder tree a plan's includes must stay in: the plan's folder as named (its links resolved), where
    relative includes are read from too; a plan that is itself a link is not taken to its target's folder."""
    return os.path.realpath(os.path.dirname(os.path.abspath(path)))


def load_plan_text(text: str, file: str = "plan.yaml", *, check_patterns: bool = True) -> Plan:
    """Load a plan from a string (``include:`` paths are read from disk relative to ``file``)."""

    def read(path: str) -> str:
        if path == file:
            return text
        return read_text_file(path)

    return PlanLoader(read, check_patterns, PlanFilePolicy()).load(file)
