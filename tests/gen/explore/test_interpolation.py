"""Morphs, view paths and transformation sweeps on a trained tiny run."""

import os

import numpy as np
import pytest
from PIL import Image

from gen.errors import UserError
from gen.explore import interpolation, run_files
from gen.models import generator_io
from gen.pictures import figures


@pytest.fixture(scope="module")
def model(tiny_run):
    return run_files.load_generator(os.path.join(tiny_run, "generator.keras"))


def test_morphs_start_and_end_at_the_chairs(model):
    images, weights = interpolation.morph(
        model, [0, 2, 1], steps=4, azimuths=[30, 200], elevations=20
    )
    assert images.shape == (2, 7, 32, 32, 3)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    for column, chair in ((0, 0), (3, 2), (6, 1)):
        expected = generator_io.chairs_by_views(model, [chair], [30, 200], 20)[0]
        np.testing.assert_allclose(images[:, column], expected, atol=1e-5)
    np.testing.assert_allclose(
        interpolation.morph_weights(3, 3),
        [[1, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [0, 0.5, 0.5], [0, 0, 1]],
    )

    # Mixtures at 0 and 1 are the two chairs.
    for weights, chair in (((1.0, 0.0), 1), ((0.0, 1.0), 2)):
        vector = interpolation.mixture([1, 2], weights, 3)
        np.testing.assert_array_equal(vector, np.eye(3, dtype="float32")[chair])
        mixed = generator_io.draw(
            model, classes=vector[None], azimuths=45, elevations=25
        )
        alone = generator_io.draw(model, classes=[chair], azimuths=45, elevations=25)
        np.testing.assert_allclose(mixed, alone, atol=1e-5)
    np.testing.assert_array_equal(
        interpolation.mixture([0, 2], (0.5, 0.5), 3), [0.5, 0.0, 0.5]
    )

    for weights, count, message in (
        ((0.5, 0.6), 2, "must sum to 1"),
        ((1.5, -0.5), 2, r"must be in \[0, 1\]"),
        ((1.0,), 2, "1 mixture weights for 2 chairs"),
        ((float("nan"), 1.0), 2, r"must be in \[0, 1\]"),
    ):
        with pytest.raises(UserError, match=message):
            interpolation.check_weights(weights, count)
    with pytest.raises(UserError, match="at least two chairs"):
        interpolation.morph_weights(1, 5)
    with pytest.raises(UserError, match="at least 2 steps"):
        interpolation.morph_weights(2, 1)
    with pytest.raises(UserError, match=r"Chair ids must be in 0..2"):
        interpolation.morph_classes([0, 3], 3, 3)


def test_transform_sweeps(model):
    values = np.array([-1.0, 0.0, 1.0])
    sweep = interpolation.transform_sweep(model, 1, values, 30, 20)
    assert sweep.shape == (8, 3, 32, 32, 3)
    plain = generator_io.draw(model, classes=[1], azimuths=30, elevations=20)[0]
    for k in range(8):  # theta = 0 is the chair untransformed
        np.testing.assert_allclose(sweep[k, 1], plain, atol=1e-5)
    theta = np.zeros((1, 8), np.float32)
    theta[0, 4] = 1.0
    rotated = generator_io.draw(
        model, classes=[1], azimuths=30, elevations=20, transforms=theta
    )[0]
    np.testing.assert_allclose(sweep[4, 2], rotated, atol=1e-5)
    with pytest.raises(UserError, match=r"entries must be in 0..7"):
        interpolation.transform_sweep(model, 1, values, 30, 20, entries=[8])
    assert interpolation.transform_labels(8)[0] == "log_zoom"
    assert interpolation.transform_labels(2) == ["theta[0]", "theta[1]"]

    from gen.models import chairs_generator

    bare = chairs_generator.build_generator(
        chairs_generator.GeneratorConfig(
            num_classes=2, resolution=32, width=0.125, num_transform=0
        )
    )
    with pytest.raises(UserError, match="takes no transformation"):
        interpolation.transform_sweep(bare, 0, [0.0], 0, 20)


def test_written_figures(model, tmp_path):
    written = interpolation.write_figures(
        str(tmp_path),
        model,
        [0, 1],
        steps=5,
        weights=[0.25, 0.75],
        azimuths=[30, 120],
        elevation=20,
        azimuth_range=(0, 46),
        elevation_range=(0, 50),
        view_steps=6,
        sweep=1.0,
        sweep_steps=4,
    )
    names = sorted(os.path.basename(path) for path, _ in written)
    assert names == [
        "mixture.png",
        "morph.gif",
        "morph.png",
        "transforms.png",
        "view_azimuth.png",
        "view_elevation.png",
    ]

    def size(name):
        with Image.open(tmp_path / name) as picture:
            return picture.size[::-1]

    labelled = dict(row_labels=True, col_labels=True, title=True)
    assert size("morph.png") == figures.figure_size(2, 5, 64, **labelled)
    assert size("mixture.png") == figures.figure_size(3, 2, 64, **labelled)
    assert size("view_azimuth.png") == figures.figure_size(2, 6, 64, **labelled)
    assert size("transforms.png") == figures.figure_size(8, 4, 64, **labelled)
    with Image.open(tmp_path / "morph.gif") as gif:
        assert gif.n_frames == 2 * 5 - 2  # there and back
        assert gif.size == (64, 64)
