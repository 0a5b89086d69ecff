"""A small file system made by the test itself: a tmpfs of a given size
mounted on a folder (root, as here and in CI), unmounted after. Where
mounting is not permitted the test is skipped, saying so."""

import contextlib
import os
import subprocess

import pytest


@contextlib.contextmanager
def small_disk(folder, size_bytes):
    """Mounts a tmpfs of `size_bytes` (rounded up to pages) on `folder`."""
    os.makedirs(folder, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={int(size_bytes)}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(
            "cannot mount a small tmpfs here (needs root): " + mounted.stderr.strip()
        )
    try:
        yield str(folder)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def read_only(folder):
    """Remounts the small disk on `folder` read-only."""
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
