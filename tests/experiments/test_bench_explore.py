"""`experiments.bench_explore` as docs/benchmarks.md runs it, on the tiny
run with few frames: every generator's frames equal the library's, the
browser and load-test tables print, and the screenshot is written."""

import re

import pytest

from tests.gen.explore.live import chromium
from tests.scripts import run_script


@pytest.mark.slow(seconds=20)
def test_bench_explore_times_the_frames_and_checks_their_pixels(tiny_run, tmp_path):
    if chromium.executable() is None:
        pytest.skip("No Chromium: install Debian's chromium (make system-packages)")
    shot = tmp_path / "explorer.png"
    result = run_script(
        "bench_explore",
        f"--workdir={tiny_run}",
        "--rounds=2",
        "--moves=2",
        "--clients=2",
        "--requests_per_client=2",
        "--load_rounds=1",
        f"--chromium={chromium.executable()}",
        f"--screenshot={shot}",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for generator in (f"run {tiny_run}", "demo 1s-S-deep x0.25", "2s-E x1"):
        assert f"{generator}: 4 of 4 frames equal to generator_io.generate's" in out
    assert "slider event to picture shown, 2 moves" in out
    # One load round of 2 clients x 2 frames, each answer checked.
    assert re.search(r"; 4 of 4 answers equal to the frame drawn alone", out), out
    assert shot.stat().st_size > 10_000
