"""A generator trained on TensorFlow (`experiments.train` writes
`generator.keras`) renders the same images under JAX and PyTorch: the same
`python -m experiments.render` command, with KERAS_BACKEND set, gives the
same picture. (That the generator builds and runs on every backend is
`tests/gen/models/test_on_every_backend.py`.)"""

import numpy as np
import pytest
from PIL import Image

from gen.data import chair_views
from gen.models import generator_io
from gen.pictures import figures, grids
from tests.experiments.test_render import _tile
from tests.scripts import backend_env, run_script


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("jax", marks=pytest.mark.slow(seconds=40)),
        pytest.param("torch", marks=pytest.mark.slow(seconds=20)),
    ],
)
def test_the_same_pictures_on_every_backend(
    backend, tiny_run, tiny_generator_and_data, tmp_path
):
    chairs, views = (0, 2), (0, 4, 35)
    result = run_script(
        "render",
        f"--workdir={tiny_run}",
        f"--out={tmp_path}",
        "--chairs=0,2",
        "--views=0,4,35",
        "--frames=8",
        timeout=600,
        env=backend_env(backend),
    )
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "chairs_views.png") as grid:
        picture = np.asarray(grid.convert("RGB")).astype(int)
    # What TensorFlow draws with the same file, in this process.
    model, _ = tiny_generator_and_data
    expected = generator_io.chairs_by_views(
        model,
        list(chairs),
        chair_views.azimuth_of_view(np.array(views)),
        chair_views.elevation_of_view(np.array(views)),
    )
    assert expected.std() > 0.05  # chairs, not a blank sheet
    assert picture.shape[:2] == figures.figure_size(
        2, 3, 64, row_labels=True, col_labels=True, title=True
    )
    for row in range(2):
        for col in range(3):
            tile = grids.enlarge(grids.to_uint8(expected[row, col]), 2)
            # uint8 pixels: float32 rounding moves one by a step at most.
            assert np.abs(_tile(picture, row, col) - tile).max() <= 1
