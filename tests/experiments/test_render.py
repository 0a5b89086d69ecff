"""`python -m experiments.render` end to end on a tiny trained run."""

import os

from PIL import Image

from gen import figures
from tests.experiments.explore_runs import ARGS
from tests.experiments.scripts import assert_user_error, run_script


def test_grid_with_real_images_and_turntables_in_the_run(explore_runs):
    result, out = explore_runs.result("render")
    assert result.returncode == 0, result.stderr
    assert ARGS["render"] == ["--chairs=0,2", "--views=0,4,35", "--real"]
    # No --out: the files go to the run's render/ folder.
    assert os.path.basename(out) == "render"
    assert sorted(os.listdir(out)) == ["chairs_views.png",
                                       "turntable_chair0.gif",
                                       "turntable_chair2.gif"]
    for name in os.listdir(out):
        assert f"wrote {os.path.join(out, name)}" in result.stdout
    with Image.open(os.path.join(out, "chairs_views.png")) as grid:
        # 2 chairs, each followed by its real images; 3 views.
        assert grid.size[::-1] == figures.figure_size(
            4, 3, 64, row_labels=True, col_labels=True, title=True)
    for chair in (0, 2):
        path = os.path.join(out, f"turntable_chair{chair}.gif")
        with Image.open(path) as gif:
            assert gif.n_frames == 124  # 4x the 31 training azimuths
            assert gif.size == (64, 64)


def test_bad_flags_exit_2_with_one_paragraph(tiny_run, tmp_path):
    bare = os.path.join(tiny_run, "generator.keras")
    for args, message in [
        ([f"--workdir={tiny_run}", "--chairs=0,5"],
         "--chairs: unknown chair id 5; this generator draws 3 chairs, ids "
         "0..2."),
        ([f"--generator={bare}", "--real"],
         "--real needs the real chair images"),
        ([], "--workdir=<folder of a training run> or --generator"),
    ]:
        result = run_script("render", f"--out={tmp_path / 'o'}", *args)
        assert_user_error(result, message)
        assert not (tmp_path / "o").exists()
