"""Store new golden outputs after an intended change (the only way they change; refused when CI is set).

    python scripts/update_golden.py               # tests/golden/digests.json from the golden commands
    python scripts/update_golden.py --screenshot  # also tests/golden/report_camden_islington.png (Chromium)

Look at what changed (git diff; open the PNG) and say why in the commit message. tests/test_golden.py only
compares; it also checks what the outputs mean (counts, statuses, populations), so a digest change that alters
those fails there too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--screenshot", action="store_true", help="also store the report map screenshot")
    args = ap.parse_args()
    if os.environ.get("CI"):
        print("error: refusing to update golden outputs with CI set: regenerate them on purpose, on your machine",
              file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))  # the tests package: the golden commands live in tests/golden_outputs.py
    from tests.golden_outputs import GOLDEN, digest, produce

    with tempfile.TemporaryDirectory() as d:
        files, codes = produce(Path(d))
        bad = {k: c for k, c in codes.items() if c not in (0, 1)}
        if bad:
            print(f"error: golden commands failed: {bad}", file=sys.stderr)
            return 1
        got = {name: digest(p) for name, p in sorted(files.items())}
    old = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    GOLDEN.write_text(json.dumps(got, indent=2) + "\n")
    changed = sorted(k for k in got if old.get(k) != got[k])
    print(f"wrote {GOLDEN.relative_to(ROOT)}: {len(changed)} changed" + (f" ({', '.join(changed)})" if changed else ""))
    if args.screenshot:
        from playwright.sync_api import sync_playwright
        from tests.browser import chromium, launch
        from tests.test_report_html import GOLDEN as PNG
        from tests.test_report_html import Page, camden_islington_data, map_screenshot

        import nhgeo
        from nhgeo.render.html import render_html

        exe = chromium()
        if exe is None:
            print("error: chromium not found (apt-get install chromium, or set NHGEO_CHROMIUM)", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory() as d, sync_playwright() as p:
            html = Path(d) / "report.html"
            html.write_text(render_html(camden_islington_data(nhgeo.propose("Camden,Islington", seed=0))),
                            encoding="utf-8")
            browser = launch(p, exe)
            page = Page(browser, html)
            PNG.write_bytes(map_screenshot(page))
            page.close()
            browser.close()
        print(f"wrote {PNG.relative_to(ROOT)}: look at it before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
