"""`python -m experiments.sample` end to end on a tiny trained run."""

import json
import os
import shutil

from PIL import Image

from gen.pictures import figures
from tests.experiments.explore_runs import ARGS
from tests.scripts import assert_user_error, run_script


def test_new_chairs(explore_runs):
    result, out = explore_runs.result("sample")
    assert result.returncode == 0, result.stderr
    assert ARGS["sample"] == ["--num_samples=3", "--azimuths=0,90,180,270"]
    picture = os.path.join(out, "samples_class_fc2.png")
    summary = os.path.join(out, "samples_class_fc2.json")
    assert f"wrote {picture}" in result.stdout
    assert f"wrote {summary}" in result.stdout
    with Image.open(picture) as image:
        # 3 samples x (4 views + the nearest training chair).
        assert image.size[::-1] == figures.figure_size(
            3, 5, 64, row_labels=True, col_labels=True, title=True
        )
    with open(summary) as f:
        stored = json.load(f)
    assert len(stored["nearest_training_chair"]) == 3
    assert set(stored["nearest_training_chair"]) <= {0, 1, 2}
    assert stored["azimuths"] == [0, 90, 180, 270]


def test_bad_flags_exit_2_with_one_paragraph(tiny_run, tmp_path):
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    shutil.copy(os.path.join(tiny_run, "config.json"), unfinished)
    for args, message in [
        (
            [f"--workdir={tiny_run}", "--num_samples=0"],
            "--num_samples must be at least 1",
        ),
        (
            [f"--workdir={unfinished}"],
            "has no generator.keras yet: its training has not finished",
        ),
    ]:
        result = run_script("sample", f"--out={tmp_path / 'o'}", *args)
        assert_user_error(result, message)
