"""``cdpctl scan``: an event name that is a constant of another scanned file (imported, re-exported, required)
resolves to its value; a name the scan cannot trace to a constant stays dynamic."""

from __future__ import annotations

from pathlib import Path

from cdpctl.scan import scan_paths

PYTHON_FILES = {
    "app/__init__.py": "",
    "app/events.py": (
        "import enum\n"
        "ORDER_COMPLETED = 'Order Completed'\n"
        "class Events:\n    SIGNED_UP = 'Signed Up'\n"
        "class Ev(enum.Enum):\n    VIEWED = 'Product Viewed'\n"
    ),
    "app/tracking/__init__.py": "from ..events import *\n",
    "app/server.py": (
        "import segment.analytics as analytics\n"
        "from app.events import ORDER_COMPLETED, Events as E, Ev\n"
        "from app import events\n"
        "import app.events\n"
        "from . import events as rel\n"
        "from .tracking import ORDER_COMPLETED as STARRED\n"
        "import app.events as ev\n"
        "\n"
        "def send(uid):\n"
        "    analytics.track(uid, ORDER_COMPLETED)\n"      # line 10
        "    analytics.track(uid, E.SIGNED_UP)\n"
        "    analytics.track(uid, Ev.VIEWED.value)\n"
        "    analytics.track(uid, events.ORDER_COMPLETED)\n"
        "    analytics.track(uid, app.events.Events.SIGNED_UP)\n"
        "    analytics.track(uid, rel.ORDER_COMPLETED)\n"
        "    analytics.track(uid, STARRED)\n"
        "    analytics.track(uid, ev.Ev.VIEWED.value)\n"
        "\n"
        "def shadowed(uid, ORDER_COMPLETED):\n"
        "    analytics.track(uid, ORDER_COMPLETED)\n"      # line 20: a parameter, not the constant
        "    analytics.track(uid, events.MISSING)\n"
        "    analytics.track(uid, E.SIGNED_UP.upper())\n"
    ),
}

TYPESCRIPT_FILES = {
    "web/src/constants/events.ts": (
        'export const ORDER = "Order Completed";\n'
        'export const EVENTS = { SIGNUP: "Signed Up" } as const;\n'
        'export enum Ev { Viewed = "Product Viewed" }\n'
    ),
    "web/src/constants/index.ts": 'export * from "./events";\nexport { ORDER as ORDER_ALIAS } from "./events";\n',
    "web/src/lib/cjs.js": 'module.exports = { PAGE: "Pricing" };\nexports.CLICK = "Button Clicked";\n',
    "web/src/app.ts": (
        'import { AnalyticsBrowser } from "@segment/analytics-next";\n'
        'import { ORDER, EVENTS as E } from "./constants/events";\n'
        'import * as C from "./constants";\n'
        'import { ORDER_ALIAS, Ev } from "./constants/index.js";\n'
        'import { NAME } from "some-package";\n'
        'const cjs = require("./lib/cjs");\n'
        'const { CLICK } = require("./lib/cjs");\n'
        'export const analytics = AnalyticsBrowser.load({ writeKey: "k" });\n'
        "analytics.track(ORDER, { a: 1 });\n"              # line 9
        "analytics.track(E.SIGNUP);\n"
        "analytics.track(C.EVENTS.SIGNUP);\n"
        "analytics.track(ORDER_ALIAS);\n"
        "analytics.track(Ev.Viewed);\n"
        "analytics.page(cjs.PAGE);\n"
        "analytics.track(CLICK);\n"
        "function f(ORDER: string) { analytics.track(ORDER); }\n"  # line 16: a parameter
        "analytics.track(NAME);\n"                          # a package's constant: not scanned
        "analytics.track(C.EVENTS.MISSING);\n"
    ),
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _names(root: Path, given: str) -> list[tuple[int, str | None, bool]]:
    return [(call.line, call.event, call.dynamic) for call in scan_paths([str(root / given)]).calls]


def test_python_constants_imported_from_scanned_modules(tmp_path: Path) -> None:
    _write(tmp_path, PYTHON_FILES)
    assert _names(tmp_path, "app") == [
        (10, "Order Completed", False),
        (11, "Signed Up", False),
        (12, "Product Viewed", False),
        (13, "Order Completed", False),
        (14, "Signed Up", False),
        (15, "Order Completed", False),
        (16, "Order Completed", False),
        (17, "Product Viewed", False),
        (20, None, True),
        (21, None, True),
        (22, None, True),
    ]


def test_javascript_and_typescript_constants_imported_re_exported_or_required(tmp_path: Path) -> None:
    _write(tmp_path, TYPESCRIPT_FILES)
    assert _names(tmp_path, "web") == [
        (9, "Order Completed", False),
        (10, "Signed Up", False),
        (11, "Signed Up", False),
        (12, "Order Completed", False),
        (13, "Product Viewed", False),
        (14, "Pricing", False),
        (15, "Button Clicked", False),
        (16, None, True),
        (17, None, True),
        (18, None, True),
    ]


def test_only_files_of_the_same_run_are_read(tmp_path: Path) -> None:
    """A constant's module that was not scanned is not opened: the name stays dynamic (and is named so)."""
    _write(tmp_path, PYTHON_FILES)
    calls = scan_paths([str(tmp_path / "app" / "server.py")]).calls
    assert [call.dynamic for call in calls] == [True] * 11
    assert calls[0].expression == "ORDER_COMPLETED"


def test_import_cycles_end(tmp_path: Path) -> None:
    _write(tmp_path, {
        "a.py": "from b import *\nimport segment.analytics as analytics\nanalytics.track('u', NAME)\n",
        "b.py": "from a import *\n",
        "c.ts": 'export * from "./d";\nimport { X } from "./d";\nanalytics.track(X);\n',
        "d.ts": 'export * from "./c";\n',
    })
    calls = scan_paths([str(tmp_path)]).calls
    assert [(call.file.rsplit("/", 1)[-1], call.dynamic) for call in calls] == [("a.py", True), ("c.ts", True)]


def test_a_name_bound_again_around_the_call_is_never_the_imported_constant(tmp_path: Path) -> None:
    """Each of these names is bound by the code around the call: reading it as the imported constant gave a
    wrong event name silently (the dynamic_event_name warning vanished, properties were checked against the
    wrong event)."""
    _write(tmp_path, {
        "events.py": "ORDER = 'Order Completed'\nOTHER = 'Other Event'\n",
        "star.py": "ORDER = 'Star Order'\n",
        "app.py": (
            "import segment.analytics as analytics\n"
            "from events import ORDER, OTHER\n"
            "from star import *\n"                              # later: its ORDER wins, as in Python
            "analytics.track('u', ORDER)\n"                     # line 4: 'Star Order'
            "OTHER = OTHER + ' v2'\n"
            "analytics.track('u', OTHER)\n"                     # line 6: rebound at module level
            "def f(uid):\n"
            "    try:\n"
            "        pass\n"
            "    except ValueError as ORDER:\n"
            "        analytics.track(uid, ORDER)\n"             # line 11
            "    match uid:\n"
            "        case ORDER:\n"
            "            analytics.track(uid, ORDER)\n"         # line 14
            "g = lambda ORDER: analytics.track('u', ORDER)\n"  # line 15
        ),
    })
    assert _names(tmp_path, "app.py")[0] == (4, None, True)  # a single file: nothing to read the names from
    calls = [(c.line, c.event, c.dynamic) for c in scan_paths([str(tmp_path)]).calls]
    assert calls == [(4, "Star Order", False), (6, None, True), (11, None, True), (14, None, True), (15, None, True)]


def test_javascript_parameters_locals_and_barrels_bind_their_own_names(tmp_path: Path) -> None:
    _write(tmp_path, {
        "events.js": 'export const ORDER = "Order Completed";\n',
        "helper.js": 'module.exports = { event: "Helper Event" };\nfunction send(event) { analytics.track(event); }\n',
        "index.js": (
            'export * from "./events";\n'
            "const ORDER = getName();\n"
            "analytics.track(ORDER);\n"                         # line 3: the barrel's own local, not the export
        ),
        "app.js": (
            'import { ORDER } from "./events";\n'
            "function f(ORDER) { analytics.track(ORDER); }\n"   # line 2
            "const g = ORDER => analytics.track(ORDER);\n"      # line 3
            "const h = ({ ORDER }) => analytics.track(ORDER);\n"
            "for (const ORDER of names) { analytics.track(ORDER); }\n"
            "try { x(); } catch (ORDER) { analytics.track(ORDER); }\n"
            "{ const ORDER = f(); analytics.track(ORDER); }\n"  # line 7
            "analytics.track(ORDER);\n"                         # line 8: the import
        ),
    })
    by_file = {}
    for call in scan_paths([str(tmp_path)]).calls:
        by_file.setdefault(Path(call.file).name, []).append((call.line, call.event))
    assert by_file["helper.js"] == [(2, None)]
    assert by_file["index.js"] == [(3, None)]
    assert by_file["app.js"] == [(2, None), (3, None), (4, None), (5, None), (6, None), (7, None), (8, "Order Completed")]


def test_modules_python_would_import_and_none_it_might_not(tmp_path: Path) -> None:
    """``from . import X`` reads the package's ``__init__.py`` (it read a module beside the package's folder);
    two modules whose paths end alike, as near to the importer, leave the name dynamic (it was a guess that
    changed with a folder's name); a barrel of twenty ``export *`` lines is read whole (it stopped at 14)."""
    barrel = "".join(f'export * from "./m{i}";\n' for i in range(20))
    _write(tmp_path, {
        "pkg.py": "ORDER = 'Sibling'\n",
        "pkg/__init__.py": "ORDER = 'Package'\n",
        "pkg/d.py": "import segment.analytics as analytics\nfrom . import ORDER\nanalytics.track('u', ORDER)\n",
        "web/app/events.py": "SIGNUP = 'Web'\n",
        "lib/app/events.py": "SIGNUP = 'Lib'\n",
        "vendor/t.py": "import segment.analytics as analytics\nfrom app.events import SIGNUP\nanalytics.track('u', SIGNUP)\n",
        **{f"c/m{i}.ts": f'export const E{i} = "Event {i}";\n' for i in range(20)},
        "c/index.ts": barrel,
        "c/use.ts": 'import { E1, E19 } from "./index";\nanalytics.track(E1);\nanalytics.track(E19);\n',
    })
    found = {(Path(c.file).name, c.line): c.event for c in scan_paths([str(tmp_path)]).calls}
    assert found[("d.py", 3)] == "Package"
    assert found[("t.py", 3)] is None
    assert (found[("use.ts", 2)], found[("use.ts", 3)]) == ("Event 1", "Event 19")
