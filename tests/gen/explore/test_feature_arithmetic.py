"""Feature-space arithmetic: B = C gives A back, and the figure's layout."""

import os

import numpy as np
import pytest
from PIL import Image

from gen.errors import UserError
from gen.explore import feature_arithmetic, latent, run_files
from gen.models import generator_io
from gen.pictures import figures, grids


@pytest.fixture(scope="module")
def model(tiny_run):
    return run_files.load_generator(os.path.join(tiny_run, "generator.keras"))


def test_b_equal_to_c_returns_a_the_sum_and_the_figure(model, tmp_path):
    a = generator_io.chairs_by_views(model, [0], [30, 150], 20)[0]
    for layer in ("class_fc2", "joint_fc1", "rgb_uconv1"):
        images = feature_arithmetic.arithmetic(
            model, layer, 0, 2, 2, azimuths=[30, 150], elevations=20
        )
        assert images.shape == (2, 4, 32, 32, 3)
        np.testing.assert_allclose(images[:, 0], a, atol=1e-5)
        np.testing.assert_allclose(images[:, 3], a, atol=1e-5, err_msg=layer)
        np.testing.assert_allclose(images[:, 1], images[:, 2], atol=1e-6)

    views = dict(azimuths=[60], elevations=[30])
    images = feature_arithmetic.arithmetic(model, "class_fc1", 0, 1, 2, **views)
    cut = latent.Cut(model, "class_fc1")
    x = generator_io.generator_inputs(
        model, classes=[0, 1, 2], azimuths=60, elevations=30
    )
    h = cut.activations(x)
    expected = grids.on_white(
        *cut.decode(h[:1] - h[1:2] + h[2:3], {k: v[:1] for k, v in x.items()})
    )
    np.testing.assert_allclose(images[0, 3], expected[0], atol=1e-6)
    path = feature_arithmetic.write_figure(
        str(tmp_path / "a.png"),
        model,
        "class_fc2",
        0,
        1,
        2,
        azimuths=[0, 90, 180],
        elevations=20,
    )
    with Image.open(path) as picture:
        assert picture.size[::-1] == figures.figure_size(
            3, 4, 64, row_labels=True, col_labels=True, title=True
        )
    with pytest.raises(UserError, match="Unknown layer 'fc7'"):
        feature_arithmetic.arithmetic(model, "fc7", 0, 1, 2, 0, 20)
