"""nhgeo edit in the system Chromium (playwright), against the real command in a subprocess: open, click, brush,
undo, lock, the keyboard route, save, a killed server (kill -9) and the restore that follows, Ctrl-C (exit 130),
the token, and no request leaving the local server. Stroke latencies are logged (no timed assertions; see
benchmarks/edit.py). Skips, saying why, without playwright or Chromium (``.ci/run`` installs Chromium)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nhgeo.footprints.files import read_footprint

from .browser import headless
from .child import child_env

EXAMPLE = Path(__file__).parent.parent / "configs" / "examples" / "north_central_london.toml"
VIEWPORT = {"width": 1400, "height": 900}
STATUS = "document.getElementById('status').textContent"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium that reaches nothing but the local server (tests/browser.py)."""
    with headless("MAP * ~NOTFOUND, EXCLUDE 127.0.0.1") as b:
        yield b


class Server:
    """``nhgeo edit FOOTPRINT --no-browser`` in a subprocess; ``url`` is the address it printed."""

    def __init__(self, footprint: Path, cache: Path) -> None:
        env = child_env(NHGEO_CACHE_DIR=str(cache))
        self.proc = subprocess.Popen([sys.executable, "-m", "nhgeo", "edit", str(footprint), "--no-browser"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: list[str] = []
        self.t0 = time.perf_counter()
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("open http://127.0.0.1:"):
                self.url = line.split()[1]
                break
        else:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"no address printed: {self.lines} {err}")
        self.origin = self.url.split("/?")[0]

    def stop(self, sig: int = signal.SIGKILL) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)


class Page:
    def __init__(self, browser: Any, server: Server) -> None:
        self.ctx = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.ctx.on("request", lambda r: self.requests.append(r.url))
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: d.accept(self.answer))
        self.answer = ""
        t = time.perf_counter()
        self.page.goto(server.url)
        self.page.wait_for_selector("#map[data-ready]", state="attached", timeout=60_000)
        self.open_s = time.perf_counter() - t

    def js(self, expr: str, arg: Any = None) -> Any:
        return self.page.evaluate(expr, arg)

    def version(self) -> int:
        return int(self.js("window.nhgeo.state.version"))

    def wait(self, expr: str, timeout: float = 20.0) -> None:
        """Poll ``expr`` until true (the page's CSP forbids eval, which wait_for_function needs)."""
        end = time.perf_counter() + timeout
        while not self.js(expr):
            if time.perf_counter() > end:
                raise AssertionError(f"timed out waiting for {expr}; status: {self.js(STATUS)!r}")
            self.page.wait_for_timeout(20)

    def wait_version(self, v: int) -> None:
        self.wait(f"window.nhgeo.state.version >= {v}")

    def label(self, code: str) -> str:
        return str(self.js("c => window.nhgeo.state.labels.get(c)", code))

    def hoods(self) -> list[str]:
        return list(self.js("window.nhgeo.state.order"))

    def target(self, nid: str) -> None:
        self.page.select_option("#target", nid)

    def click_lsoa(self, code: str) -> None:
        self.js("c => window.nhgeo.zoomTo([c])", code)
        self.page.locator(f'#g-lsoa path[data-code="{code}"]').click(force=True)

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture()
def ncl(tmp_path: Path) -> Path:
    dest = tmp_path / "ncl.toml"
    shutil.copy(EXAMPLE, dest)
    return dest


def test_edit_in_the_browser(browser: Any, ncl: Path, tmp_path: Path) -> None:
    server = Server(ncl, tmp_path / "cache")
    try:
        pg = Page(browser, server)
        print(f"\nNCL page open: {pg.open_s:.2f} s (806 LSOAs, 28 neighbourhoods)")
        page = pg.page
        hoods = pg.hoods()
        assert len(hoods) == 28 and page.locator("#g-lsoa path").count() == 806
        assert page.locator("#hoods tbody tr").count() == 28
        # click: an LSOA of the first neighbourhood into the second
        a, b = hoods[0], hoods[1]
        code = str(pg.js("h => [...window.nhgeo.state.members.get(h)][0]", a))
        pg.target(b)
        pg.click_lsoa(code)
        pg.wait_version(1)
        assert pg.label(code) == b
        fill = page.locator(f'#g-lsoa path[data-code="{code}"]').get_attribute("fill")
        other = page.locator(f'#g-lsoa path[data-code="{pg.js("h => [...window.nhgeo.state.members.get(h)][2]", b)}"]')
        assert fill == other.get_attribute("fill")  # painted in its new neighbourhood's colour
        # brush: a stroke over the middle of the third neighbourhood paints several LSOAs in one step
        c = hoods[2]
        page.check("input[name=tool][value=brush]")
        page.fill("#radius", "600")
        page.dispatch_event("#radius", "input")
        members = pg.js("h => [...window.nhgeo.state.members.get(h)]", c)
        pg.js("cs => window.nhgeo.zoomTo(cs)", members)
        box = page.locator(f'#g-lsoa path[data-code="{members[0]}"]').bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 30, y + 10, steps=5)
        page.mouse.up()
        pg.wait_version(2)
        painted = [m for m in members if pg.label(m) == b]
        assert len(painted) >= 1 and pg.js("window.nhgeo.state.latencies.length") == 2
        # undo: the stroke comes back whole, in one step
        page.click("#b-undo")
        pg.wait_version(3)
        assert all(pg.label(m) == c for m in members)
        assert pg.label(code) == b  # the click before it stays
        # lock: a locked neighbourhood takes no LSOA (the page says so; the server is not even asked)
        page.check("input[name=tool][value=click]")
        row = page.locator(f'#hoods tbody tr[data-id="{c}"] input[type=checkbox]')
        row.check()
        pg.wait_version(4)
        pg.target(c)
        pg.click_lsoa(code)
        pg.wait(f"{STATUS}.includes('locked')")
        assert pg.version() == 4 and pg.label(code) == b
        # keyboard only: search a ward, pick its LSOAs from the list, move them with keys
        page.focus("#q")
        page.keyboard.type("Highgate")
        page.keyboard.press("Enter")
        page.wait_for_selector("#results li button")
        page.keyboard.press("Enter")  # the first result has the focus
        page.wait_for_selector("#pick input")
        page.focus("#pick input")
        page.keyboard.press("Space")
        picked = page.locator("#pick input").first.get_attribute("value")
        assert picked
        page.focus("#target")
        dest = next(h for h in hoods if h not in (c, pg.label(picked)))
        pg.target(dest)
        page.focus("#b-move")
        page.keyboard.press("Enter")
        pg.wait_version(5)
        assert pg.label(picked) == dest
        # a name is text, never markup: renamed to an image tag with a script, it shows as those characters
        pg.answer = '<img src=x onerror="document.body.dataset.pwned=1">'
        page.click(f'#hoods tbody tr[data-id="{dest}"] button[title=Rename]')
        pg.wait_version(6)
        assert page.locator("#hoods img, #g-labels img, #target img").count() == 0
        assert "<img src=x" in page.inner_text(f'#hoods tbody tr[data-id="{dest}"]')
        assert page.evaluate("document.body.dataset.pwned") is None
        # whole ward: one click paints every LSOA of the clicked LSOA's ward (but none of a locked neighbourhood)
        page.check("input[name=tool][value=ward]")
        w_code = str(pg.js("h => [...window.nhgeo.state.members.get(h)][0]", hoods[5]))
        ward = pg.js("c => window.nhgeo.state.lsoaInfo.get(c).w", w_code)
        in_ward = pg.js("w => [...window.nhgeo.state.lsoaInfo.values()].filter(u => u.w === w).map(u => u.c)", ward)
        free = [x for x in in_ward if pg.label(x) != c]
        pg.target(hoods[6])
        pg.click_lsoa(w_code)
        pg.wait_version(7)
        assert len(in_ward) > 1 and all(pg.label(x) == hoods[6] for x in free)
        page.check("input[name=tool][value=click]")
        # save (Ctrl+S): the TOML has the edits
        page.keyboard.press("Control+s")
        pg.wait(f"{STATUS}.startsWith('saved')")
        listed = read_footprint(ncl).assignment()
        assert listed[code] == b and listed[picked] == dest
        # one more change, never saved; then the server is killed
        page.check("input[name=tool][value=click]")
        row.uncheck()
        pg.wait_version(8)
        pg.target(a)
        pg.click_lsoa(code)
        pg.wait_version(9)
        lat = pg.js("window.nhgeo.state.latencies")
        print("NCL stroke latency (ms, click to repainted, server included): " + ", ".join(f"{x:.0f}" for x in lat))
        shot = tmp_path / "edit.png"
        page.screenshot(path=str(shot))
        assert not pg.errors, pg.errors
        assert all(u.startswith(server.origin + "/") for u in pg.requests), pg.requests  # nothing else asked for
        pg.close()
    finally:
        assert server.stop(signal.SIGKILL) == -signal.SIGKILL
    # restore after the kill: the next edit of the same file offers it, and the page restores it
    again = Server(ncl, tmp_path / "cache")
    try:
        pg = Page(browser, again)
        page = pg.page
        # two changes: the unlock and the click
        assert page.is_visible("#banner") and "2 unsaved change" in page.inner_text("#banner")
        assert pg.label(code) == b  # the saved state
        page.click("#b-restore")
        pg.wait("document.getElementById('banner').hidden")
        assert pg.label(code) == a
        # a second tab on the same session follows the first (it polls the version and reloads the state)
        tab = Page(browser, again)
        v = pg.version()
        pg.target(b)
        pg.click_lsoa(code)
        pg.wait_version(v + 1)
        tab.wait(f"window.nhgeo.state.version >= {v + 1}")
        assert tab.label(code) == b
        tab.close()
        # the token is needed for the page itself
        resp = page.goto(again.origin + "/")
        assert resp is not None and resp.status == 403
        pg.close()
    finally:
        # Ctrl-C: exit 130, the unsaved (restored) change stays journalled
        assert again.stop(signal.SIGINT) == 130
        assert again.proc.stderr is not None and "journalled" in again.proc.stderr.read()
