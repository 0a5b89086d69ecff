"""`python -m experiments.interpolate` end to end on a tiny trained run."""

import os

from PIL import Image

from gen.pictures import figures
from tests.experiments.explore_runs import ARGS
from tests.scripts import assert_user_error, run_script


def test_morphs_views_and_sweeps(explore_runs):
    result, out = explore_runs.result("interpolate")
    assert result.returncode == 0, result.stderr
    assert "--chairs=0,2,1" in ARGS["interpolate"]
    names = sorted(os.listdir(out))
    assert names == [
        "mixture.png",
        "morph.gif",
        "morph.png",
        "transforms.png",
        "view_azimuth.png",
        "view_elevation.png",
    ]
    for name in names:
        assert f"wrote {os.path.join(out, name)}" in result.stdout
    assert "trained without --augment" in result.stdout

    def size(name):
        with Image.open(os.path.join(out, name)) as picture:
            return picture.size[::-1]

    labelled = dict(row_labels=True, col_labels=True, title=True)
    # 3 chairs, --steps=3 per pair: 5 mixtures; --azimuths: 2 views.
    assert size("morph.png") == figures.figure_size(2, 5, 64, **labelled)
    assert size("mixture.png") == figures.figure_size(4, 2, 64, **labelled)
    assert size("view_azimuth.png") == figures.figure_size(3, 4, 64, **labelled)
    assert size("view_elevation.png") == figures.figure_size(3, 4, 64, **labelled)
    assert size("transforms.png") == figures.figure_size(8, 3, 64, **labelled)
    with Image.open(os.path.join(out, "morph.gif")) as gif:
        assert gif.n_frames == 2 * 5 - 2  # there and back


def test_bad_flags_exit_2_with_one_paragraph(tiny_run, tmp_path):
    for args, message in [
        (["--chairs=0,1", "--mixture=0.5,0.6"], "Mixture weights must sum to 1"),
        (["--chairs=1"], "--chairs needs two or more chairs"),
    ]:
        result = run_script(
            "interpolate", f"--workdir={tiny_run}", f"--out={tmp_path / 'o'}", *args
        )
        assert_user_error(result, message)
        assert not (tmp_path / "o").exists()
