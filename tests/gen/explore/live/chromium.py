"""Headless Chromium for the explorer's browser tests: Debian's `chromium`
driven by Playwright's Python API (Playwright's own browser download is not
used). The tests skip, saying why, only when either is missing."""

import contextlib
import os
import shutil

import pytest

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def executable():
    """The system Chromium, or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


@contextlib.contextmanager
def browser():
    """A launched headless Chromium (a Playwright `Browser`)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: pip install -e '.[test]'")
    path = executable()
    if path is None:
        pytest.skip(
            "No Chromium: install Debian's chromium package "
            "(make system-packages, as root)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()
