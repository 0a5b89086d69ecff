"""`python -m experiments.explore` as a person runs it: it serves the page
until Ctrl-C, --export writes a folder, mistakes exit 2."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from PIL import Image

from tests.scripts import ROOT, assert_user_error, run_script


def _start(*args):
    return subprocess.Popen(
        [sys.executable, "-m", "experiments.explore", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow(seconds=15)
def test_serves_until_ctrl_c_and_exports(tiny_run, chairs_data_dir, tmp_path):
    out = tmp_path / "explorer"
    # Both at once: each pays for starting TensorFlow. The export shows the
    # run's generator as a bare file, with the data flags it was trained
    # with but another held-out protocol.
    exporting = _start(
        f"--generator={os.path.join(tiny_run, 'generator.keras')}",
        f"--data_dir={chairs_data_dir}",
        "--holdout=chairs",
        f"--export={out}",
        "--export_chairs=1",
        "--export_azimuths=8",
    )
    server = _start(f"--workdir={tiny_run}", "--port=0", "--host=0.0.0.0")
    try:
        lines = []
        deadline = time.monotonic() + 120
        while not any(line.startswith("Explorer at ") for line in lines):
            assert time.monotonic() < deadline and server.poll() is None, lines
            lines.append(server.stdout.readline())
        assert lines[0].startswith("warning: --host=0.0.0.0 lets other machines")
        port = int(lines[-1].split(":")[2].split("/")[0])
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/", timeout=30) as page:
            assert b"Chairs generator explorer" in page.read()
        with urllib.request.urlopen(
            base + "/api/frame.png?chair=2", timeout=30
        ) as frame:
            assert frame.headers["Content-Type"] == "image/png"
        server.send_signal(signal.SIGINT)
        stdout, stderr = server.communicate(timeout=120)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 130, (stdout, stderr)
    assert "Explorer stopped." in stdout
    assert "Traceback" not in stderr and "interrupted (Ctrl-C)" in stderr

    stdout, stderr = exporting.communicate(timeout=300)
    assert exporting.returncode == 0, (stdout, stderr)
    assert f"wrote {out / 'index.html'}" in stdout
    assert "exported chair 1 of 1" in stdout
    names = sorted(os.listdir(out / "frames"))
    assert names == ["chair_0.png", "morph_0.png", "real_0.png", "thumbs.png"]
    with Image.open(out / "frames" / "chair_0.png") as sheet:
        # 8 azimuths x 2 elevations of 32x32 image | mask tiles.
        assert sheet.size == (8 * 64, 2 * 32)
    with Image.open(out / "frames" / "morph_0.png") as sheet:
        assert sheet.size == (2 * 64, 9 * 32)  # every 4th azimuth, 9 weights
    html = (out / "index.html").read_text()
    # Nothing fetched from elsewhere: no address in the page at all.
    assert '"mode":"static"' in html and "http:" not in html and "https:" not in html
    # Chair 0's real views as --holdout=chairs holds them out: all 62 (the
    # default for a bare file, views, would hold out 14).
    data = json.loads(html.split('"real_views":', 1)[1].split("]]]", 1)[0] + "]]]")
    assert [view[3] for view in data[0]] == [True] * 62


def test_mistakes_exit_2(tiny_run):
    for args, message in [
        ([f"--workdir={tiny_run}", "--port=70000"], "--port must be in 0..65535"),
        (["--port=8000"], "Name the trained generator to explore: --workdir="),
        (
            [f"--workdir={tiny_run}", "--generator=x.keras"],
            "(one of the two)",
        ),
        ([f"--workdir={tiny_run}", "--export_chairs=0"], "--export_chairs must be"),
        (
            [f"--workdir={tiny_run}", "--export_azimuths=30"],
            "--export_azimuths must be a multiple of 4 up to 360, got 30.",
        ),
        (
            [f"--workdir={tiny_run}", "--category=tables"],
            "--category cannot be used with --workdir: a run's images are the "
            "ones it was trained on",
        ),
        (
            ["--generator=x.keras", "--category=beds"],
            "--category must be one of chairs, tables, sofas, all, folder; got 'beds'.",
        ),
    ]:
        assert_user_error(run_script("explore", *args), message)
