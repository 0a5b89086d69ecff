"""`python -m experiments.render` end to end on a tiny trained run."""

import os

import numpy as np
from PIL import Image

from gen.data import chair_views
from gen.models import generator_io
from gen.pictures import figures, grids
from tests.scripts import assert_user_error, run_script


def _tile(picture, row, col, tile=64):
    """Tile (row, col) of a `figures.labelled_grid` with row and column
    labels and a title."""
    top = figures.TITLE_HEIGHT + figures.HEADER_HEIGHT + figures.GUTTER
    left = figures.ROW_LABEL_WIDTH + figures.GUTTER
    y = top + row * (tile + figures.GUTTER)
    x = left + col * (tile + figures.GUTTER)
    return picture[y : y + tile, x : x + tile].astype(int)


def test_grid_with_real_images_and_turntables_in_the_run(
    explore_runs, tiny_generator_and_data
):
    result, out = explore_runs.result("render")
    assert result.returncode == 0, result.stderr
    chairs, views = (0, 2), (0, 4, 35)  # ARGS["render"]
    # No --out: the files go to the run's render/ folder.
    assert os.path.basename(out) == "render"
    assert sorted(os.listdir(out)) == [
        "chairs_views.png",
        "turntable_chair0.gif",
        "turntable_chair2.gif",
    ]
    for name in os.listdir(out):
        assert f"wrote {os.path.join(out, name)}" in result.stdout
    model, data = tiny_generator_and_data
    with Image.open(os.path.join(out, "chairs_views.png")) as grid:
        # 2 chairs, each followed by its real images; 3 views.
        assert grid.size[::-1] == figures.figure_size(
            4, 3, 64, row_labels=True, col_labels=True, title=True
        )
        picture = np.asarray(grid.convert("RGB"))
    for k, chair in enumerate(chairs):
        drawn = generator_io.chairs_by_views(
            model,
            [chair],
            chair_views.azimuth_of_view(np.array(views)),
            chair_views.elevation_of_view(np.array(views)),
        )[0]
        for col, view in enumerate(views):
            expected = grids.enlarge(grids.to_uint8(drawn[col]), 2)
            assert np.abs(_tile(picture, 2 * k, col) - expected).max() <= 1
            real = data.images[(data.chair_ids == chair) & (data.view_indices == view)][
                0
            ]
            np.testing.assert_array_equal(
                _tile(picture, 2 * k + 1, col), grids.enlarge(real, 2)
            )
    for chair in chairs:
        path = os.path.join(out, f"turntable_chair{chair}.gif")
        with Image.open(path) as gif:
            assert gif.n_frames == 124  # 4x the 31 training azimuths
            assert gif.size == (64, 64)
            gif.seek(31)  # a quarter turn: azimuth 90
            frame = np.asarray(gif.convert("RGB")).astype(int)
        expected = grids.enlarge(
            grids.to_uint8(
                generator_io.chairs_by_views(
                    model, [chair], [90.0], generator_io.DEFAULT_ELEVATION
                )[0, 0]
            ),
            2,
        )
        # GIF frames are palette images: compare with the palette's error.
        assert np.abs(frame - expected).mean() < 3


def test_bad_flags_exit_2_with_one_paragraph(tiny_run, tmp_path):
    bare = os.path.join(tiny_run, "generator.keras")
    for args, message in [
        (
            [f"--workdir={tiny_run}", "--chairs=0,5"],
            "--chairs: unknown chair id 5; this generator draws 3 chairs, ids 0..2.",
        ),
        ([f"--generator={bare}", "--real"], "--real needs the real chair images"),
        (  # a bare file's chairs, read from the file before TensorFlow loads
            [f"--generator={bare}", "--chairs=7"],
            "--chairs: unknown chair id 7; this generator draws 3 chairs, ids 0..2.",
        ),
        ([], "--workdir=<folder of a training run> or --generator"),
    ]:
        result = run_script("render", f"--out={tmp_path / 'o'}", *args)
        assert_user_error(result, message)
        assert not (tmp_path / "o").exists()
