"""`python -m experiments.arithmetic` end to end on a tiny trained run."""

import os

import numpy as np
from PIL import Image

from gen.pictures import figures
from tests.experiments.explore_runs import ARGS
from tests.scripts import assert_user_error, run_script


def test_b_equal_to_c_draws_a(explore_runs):
    result, out = explore_runs.result("arithmetic")
    assert result.returncode == 0, result.stderr
    assert ARGS["arithmetic"] == ["--chairs=2,1,1", "--azimuths=30,150"]
    path = os.path.join(out, "arithmetic_2_1_1_class_fc2.png")
    assert f"wrote {path}" in result.stdout
    with Image.open(path) as picture:
        sheet = np.asarray(picture.convert("RGB"), np.int32)
    assert sheet.shape[:2] == figures.figure_size(
        2, 4, 64, row_labels=True, col_labels=True, title=True
    )
    top = figures.TITLE_HEIGHT + figures.HEADER_HEIGHT + figures.GUTTER
    left = figures.ROW_LABEL_WIDTH + figures.GUTTER
    step = 64 + figures.GUTTER
    for row in range(2):
        y = top + row * step
        a = sheet[y : y + 64, left : left + 64]
        result_tile = sheet[y : y + 64, left + 3 * step : left + 3 * step + 64]
        assert np.abs(a - result_tile).max() <= 1  # A - B + B = A


def test_bad_flags_exit_2_with_one_paragraph(tiny_run, tmp_path):
    for args, message in [
        (["--chairs=0,1"], "--chairs must be three chair ids A,B,C"),
        (["--chairs=0,1,7"], "unknown chair id 7"),
    ]:
        result = run_script(
            "arithmetic", f"--workdir={tiny_run}", f"--out={tmp_path / 'o'}", *args
        )
        assert_user_error(result, message)
