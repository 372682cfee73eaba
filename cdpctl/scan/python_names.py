"""The receivers a Python file binds to a tracking SDK: what it imports from an SDK's modules and the clients
it makes from them.

``import segment.analytics as seg`` and ``from segment import analytics as sa`` make ``seg`` and ``sa``
Segment receivers; ``client = Client(write_key)`` after ``from segment.analytics import Client`` makes
``client`` one (``self.client = ...`` too, as ``self.client.track(...)``).  A name is bound only from the
modules and classes of :data:`cdpctl.scan.sdks.PYTHON_MODULES` and :data:`~cdpctl.scan.sdks.PYTHON_CLIENTS`:
a ``.track(...)`` on anything else is no call.
"""

from __future__ import annotations

import ast

from cdpctl.scan.sdks import PYTHON_CLIENTS, PYTHON_MODULES


def _qualified(node: ast.expr, imported: dict[str, str]) -> str | None:
    """The module path an expression names through the file's imports (``seg.Client`` -> ``segment.analytics.Client``)."""
    if isinstance(node, ast.Name):
        return imported.get(node.id)
    if isinstance(node, ast.Attribute):
        head = _qualified(node.value, imported)
        return f"{head}.{node.attr}" if head else None
    return None


def _target_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # self.client = Client(...): called as self.client.track(...)
        return node.attr
    return None


def bound_receivers(tree: ast.Module) -> dict[str, str]:
    """Receiver name -> SDK, for the names ``tree`` binds to an SDK module or to a client of one."""
    imported: dict[str, str] = {}
    assignments: list[ast.Assign | ast.AnnAssign] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imported[alias.asname] = alias.name
                else:
                    head = alias.name.split(".", 1)[0]
                    imported[head] = head
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            assignments.append(node)
    bound = {name: PYTHON_MODULES[module] for name, module in imported.items() if module in PYTHON_MODULES}
    for assignment in sorted(assignments, key=lambda a: (a.lineno, a.col_offset)):
        value = assignment.value
        if not isinstance(value, ast.Call):
            continue
        sdk = PYTHON_CLIENTS.get(_qualified(value.func, imported) or "")
        targets = assignment.targets if isinstance(assignment, ast.Assign) else [assignment.target]
        for target in targets:
            name = _target_name(target)
            if sdk is not None and name is not None:
                bound[name] = sdk
    return bound
