"""New chairs from a Gaussian fitted to the training styles."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from gen.errors import UserError
from gen.explore import latent, run_files, style_sampling
from gen.models import generator_io
from gen.pictures import figures, grids


@pytest.fixture(scope="module")
def model(tiny_run):
    return run_files.load_generator(os.path.join(tiny_run, "generator.keras"))


def test_gaussian_fit_samples_and_nearest():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(40, 5)) @ rng.normal(size=(5, 5)) + 3.0
    fit = style_sampling.fit_gaussian(data)
    np.testing.assert_allclose(fit.mean, data.mean(axis=0))
    np.testing.assert_allclose(fit.covariance, np.cov(data, rowvar=False))
    draws = style_sampling.sample(fit, 200_000, seed=0, rectify=False)
    np.testing.assert_allclose(draws.mean(axis=0), fit.mean, atol=0.03)
    np.testing.assert_allclose(
        np.cov(draws, rowvar=False),
        fit.covariance,
        atol=0.05 * np.abs(fit.covariance).max(),
    )
    styles = np.array([[1.0, 0, 0, 2], [0, 1.0, 0, 2], [0, 0, 1.0, 2]])
    draws = style_sampling.sample(
        style_sampling.fit_gaussian(styles), 50, seed=3, rectify=False
    )
    # A Gaussian with the 3 styles' covariance lives on their affine plane:
    # the last unit never varies and the others sum to 1.
    np.testing.assert_allclose(draws[:, 3], 2.0, atol=1e-6)
    np.testing.assert_allclose(draws[:, :3].sum(axis=1), 1.0, atol=1e-5)
    assert (
        style_sampling.sample(style_sampling.fit_gaussian(styles), 50, seed=3) >= 0
    ).all()
    with pytest.raises(UserError, match="at least two training chairs"):
        style_sampling.fit_gaussian(styles[:1])

    index, distance = style_sampling.nearest(
        np.array([[0.0, 0.1], [5.0, 5.0]]),
        np.array([[0.0, 0.0], [4.0, 5.0], [9.0, 9.0]]),
    )
    np.testing.assert_array_equal(index, [0, 1])
    np.testing.assert_allclose(distance, [0.1, 1.0])
    np.testing.assert_array_equal(style_sampling.training_chairs(4), range(4))
    np.testing.assert_array_equal(
        style_sampling.training_chairs(23, "chairs"), [i for i in range(23) if i % 10]
    )


def test_new_chairs_and_their_files(model, tmp_path):
    with pytest.raises(
        UserError, match="depends on the class and view and transform input"
    ):
        style_sampling.style_layer_check(model, "joint_fc1")
    with pytest.raises(UserError, match="class_fc1, class_fc2"):
        style_sampling.style_activations(model, "view_fc2", [0, 1])

    result = style_sampling.new_chairs(
        model,
        "class_fc2",
        np.arange(3),
        4,
        seed=0,
        azimuths=[0, 90, 180],
        elevations=20,
    )
    assert result.images.shape == (4, 3, 32, 32, 3)
    assert result.samples.shape == (4, 512)
    styles = style_sampling.style_activations(model, "class_fc2", range(3))
    index, distance = style_sampling.nearest(result.samples, styles)
    np.testing.assert_array_equal(result.nearest_chairs, index)
    np.testing.assert_allclose(result.nearest_distances, distance, rtol=1e-5)
    # Decoding a sample at a view is what the cut decoder gives.
    cut = latent.Cut(model, "class_fc2")
    x = generator_io.generator_inputs(model, classes=[2], azimuths=90, elevations=20)
    expected = grids.on_white(*cut.decode(result.samples[1:2], x))
    np.testing.assert_allclose(result.images[1, 1], expected[0], atol=1e-6)
    # A "sample" equal to a training style's code draws that chair.
    own = grids.on_white(*cut.decode(styles[2:3], x))
    np.testing.assert_allclose(
        own,
        generator_io.draw(model, classes=[2], azimuths=90, elevations=20),
        atol=1e-5,
    )

    picture, summary = style_sampling.write_results(
        str(tmp_path), result, "class_fc2", [0, 90, 180], 20, 0
    )
    with Image.open(picture) as image:
        assert image.size[::-1] == figures.figure_size(
            4, 4, 64, row_labels=True, col_labels=True, title=True
        )
    stored = json.loads(open(summary).read())
    assert stored["nearest_training_chair"] == result.nearest_chairs.tolist()
    assert stored["layer"] == "class_fc2"
