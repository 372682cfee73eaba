"""Print the Python source the fast path generates for a plan (a debugging aid).

    python -m cdpctl.validation.fastpath_show PLAN
"""

from __future__ import annotations

import sys

from cdpctl.loader import PlanLoadError, load_plan
from cdpctl.validation.fastpath import generated_source


def main(argv: list[str]) -> int:
    """Print the generated module of the plan at ``argv[0]``; 2 on a usage or plan error."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m cdpctl.validation.fastpath_show PLAN\n")
        return 2
    try:
        plan = load_plan(argv[0])
    except (PlanLoadError, OSError) as exc:
        sys.stderr.write(f"cdpctl: error: {exc}\n")
        return 2
    sys.stdout.write(generated_source(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
