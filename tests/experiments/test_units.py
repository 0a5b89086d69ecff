"""`python -m experiments.units` end to end on a tiny trained run."""

import json
import os

from PIL import Image

from gen.pictures import figures
from tests.experiments.explore_runs import ARGS
from tests.scripts import assert_user_error, run_script


def test_single_units_and_knockouts(explore_runs):
    result, out = explore_runs.result("units")
    assert result.returncode == 0, result.stderr
    assert ARGS["units"] == [
        "--layers=joint_fc2,rgb_uconv1",
        "--units=0,3,11",
        "--knockout=2,5",
        "--chair=1",
    ]
    for name in ("units.png", "knockout.png", "units.json"):
        assert f"wrote {os.path.join(out, name)}" in result.stdout
    with Image.open(os.path.join(out, "units.png")) as picture:
        assert picture.size[::-1] == figures.figure_size(
            2, 3, 64, row_labels=True, tile_labels=True, title=True
        )
    with Image.open(os.path.join(out, "knockout.png")) as picture:
        # The chair, then without unit 2, unit 5, and both.
        assert picture.size[::-1] == figures.figure_size(
            2, 4, 64, row_labels=True, col_labels=True, title=True
        )
    with open(os.path.join(out, "units.json")) as f:
        summary = json.load(f)
    assert summary["chair"] == 1
    assert summary["layers"]["rgb_uconv1"]["units"] == [0, 3, 11]
    assert [k["units"] for k in summary["layers"]["joint_fc2"]["knockout"]] == [
        [2],
        [5],
        [2, 5],
    ]


def test_bad_flags_exit_2_with_one_paragraph(tiny_run, tmp_path):
    damaged = tmp_path / "generator.keras"
    damaged.write_text("not a model")
    for args, message in [
        ([f"--workdir={tiny_run}", "--chair=3"], "--chair: unknown chair id 3"),
        (
            [f"--workdir={tiny_run}", "--units=a"],
            "--units must be ints separated by commas",
        ),
        ([f"--generator={damaged}"], "damaged or not a Keras model"),
    ]:
        result = run_script("units", f"--out={tmp_path / 'o'}", *args)
        assert_user_error(result, message)
