"""Rewrite the README's rule list from the rule registry (run after adding or changing a rule).

    python scripts/sync_readme.py          # rewrites README.md in place
    python scripts/sync_readme.py --check  # exit 1 when the README is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from nhgeo.render.markdown import with_rules

README = Path(__file__).resolve().parents[1] / "README.md"


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = with_rules(text)
    if "--check" in argv:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
