"""Pictures of a trained generator: chairs x views grids and turntables."""

import numpy as np
import pytest
from PIL import Image

from gen.data import chair_views
from gen.errors import UserError
from gen.explore import render
from gen.models import generator_io
from gen.pictures import figures, grids


def test_chairs_by_views_and_real_views(tiny_generator_and_data):
    model, data = tiny_generator_and_data
    images = generator_io.chairs_by_views(model, [2, 0], [0, 90, 180], [20, 30, 20])
    assert images.shape == (2, 3, 32, 32, 3)
    one = generator_io.draw(model, classes=[0], azimuths=90, elevations=30)
    np.testing.assert_allclose(images[1, 1], one[0], atol=1e-5)
    real = render.real_views(data, [1, 2], [0, 33])
    row = np.flatnonzero((data.chair_ids == 2) & (data.view_indices == 33))[0]
    np.testing.assert_allclose(real[1, 1], data.images[row] / 255.0, atol=1e-7)
    with pytest.raises(UserError, match="no image of chair 1 at view 70"):
        render.real_views(data, [1], [70])


def test_view_grid_and_turntable(tiny_generator_and_data, tmp_path):
    model, data = tiny_generator_and_data
    views = [0, 4, 35]
    path = render.write_view_grid(
        str(tmp_path / "g.png"), model, [0, 1], views, data=data, holdout="views"
    )
    with Image.open(path) as picture:
        assert picture.size[::-1] == figures.figure_size(
            4, 3, 64, row_labels=True, col_labels=True, title=True
        )
        sheet = np.asarray(picture.convert("RGB"))
    # The second row is chair 0's real images, enlarged.
    top = figures.TITLE_HEIGHT + figures.HEADER_HEIGHT + figures.GUTTER
    y = top + 64 + figures.GUTTER
    x = figures.ROW_LABEL_WIDTH + figures.GUTTER + 64 + figures.GUTTER
    row = np.flatnonzero((data.chair_ids == 0) & (data.view_indices == 4))[0]
    np.testing.assert_array_equal(
        sheet[y : y + 64, x : x + 64], grids.enlarge(data.images[row], 2)
    )
    alone = render.view_grid_figure(model, [0, 1, 2], views)
    assert alone.shape[:2] == figures.figure_size(
        3, 3, 64, row_labels=True, col_labels=True, title=True
    )

    # The turntable has four times the training azimuths.
    path = render.write_turntable(str(tmp_path / "t.gif"), model, 1)
    with Image.open(path) as gif:
        assert gif.n_frames == 4 * chair_views.NUM_AZIMUTHS == 124
        assert gif.size == (64, 64)
        gif.seek(31)  # a quarter turn: azimuth 90
        frame = np.asarray(gif.convert("RGB"), np.float32) / 255
    expected = generator_io.draw(model, classes=[1], azimuths=90, elevations=20)[0]
    # GIF frames are palette images: compare loosely.
    assert np.abs(frame[::2, ::2] - expected).mean() < 0.05
