"""Headless Chromium for the explorer's browser tests: Debian's `chromium`
driven by Playwright's Python API (Playwright's own browser download is not
used). The tests skip, saying why, only when either is missing."""

import contextlib
import os
import shutil

import pytest

from gen.benchmarks.explore_speed import CHROMIUM_ARGS

# The flags the benchmark launches it with: headless, and none of
# Chromium's own connections (this machine reaches no network).
ARGS = CHROMIUM_ARGS


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
