"""Headless Chromium for the browser tests: the system browser driven by Playwright, never a downloaded one.

Missing Playwright or Chromium skips the browser tests on a developer's machine, saying why; with ``CI`` set it
is a failure: CI must run them (``.ci/run`` installs both)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

OFFLINE = "MAP * ~NOTFOUND"  # every host name fails to resolve: a page can reach nothing outside


def chromium() -> str | None:
    """The system Chromium: ``$NHGEO_CHROMIUM`` or the first usual name on PATH."""
    for name in (os.environ.get("NHGEO_CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and (path := shutil.which(name)):
            return path
    return None


def launch(playwright: Any, exe: str, host_rules: str = OFFLINE) -> Any:
    return playwright.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu",
                                                                "--font-render-hinting=none",
                                                                f"--host-resolver-rules={host_rules}"])


@contextmanager
def headless(host_rules: str = OFFLINE) -> Iterator[Any]:
    """A launched browser for a module's tests (skip or, with CI set, fail when one cannot be had)."""
    ci_run = bool(os.environ.get("CI"))
    try:
        import playwright.sync_api as sync_api
    except ImportError:
        (pytest.fail if ci_run else pytest.skip)("playwright not installed: pip install -e '.[test]'")
    exe = chromium()
    if exe is None:
        (pytest.fail if ci_run else pytest.skip)("chromium not found: apt-get install chromium (or set "
                                                 "NHGEO_CHROMIUM); .ci/run installs it")
    with sync_api.sync_playwright() as p:
        b = launch(p, exe, host_rules)
        try:
            yield b
        finally:
            b.close()
