"""Single units and knock-outs."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from gen.errors import UserError
from gen.explore import latent, run_files, units
from gen.models import generator_io
from gen.pictures import figures, grids


@pytest.fixture(scope="module")
def model(tiny_run):
    return run_files.load_generator(os.path.join(tiny_run, "generator.keras"))


def test_single_units(model):
    h = units.single_unit_activations((5,), [1, 3], 2.0)
    np.testing.assert_array_equal(h, [[0, 2, 0, 0, 0], [0, 0, 0, 2, 0]])
    maps = units.single_unit_activations((4, 6, 3), [2], 1.5)
    assert maps.sum() == 1.5 and maps[0, 2, 3, 2] == 1.5
    corner = units.single_unit_activations((4, 6, 3), [0], 1.0, (0, 5))
    assert corner[0, 0, 5, 0] == 1.0
    with pytest.raises(UserError, match="outside the 4x6 maps"):
        units.single_unit_activations((4, 6, 3), [0], 1.0, (4, 0))
    labels, sets = units.knockout_sets([7, 3, 5, 1, 0, 2, 4, 6], 8)
    assert labels == ["-top 1", "-top 2", "-top 4"]
    assert sets == [[7], [7, 3], [7, 3, 5, 1]]
    labels, sets = units.knockout_sets(None, 8, explicit=[2, 5])
    assert labels == ["-#2", "-#5", "-all"] and sets == [[2], [5], [2, 5]]
    x = generator_io.generator_inputs(model, classes=[1], azimuths=30, elevations=20)
    cut = latent.Cut(model, "joint_fc2")
    changes = units.unit_changes(model, "joint_fc2", [5, 9], 3.0, x)
    h = np.zeros((3, 1024), np.float32)
    h[1, 5] = h[2, 9] = 3.0
    rgb, _ = cut.decode(h, {k: np.repeat(v, 3, axis=0) for k, v in x.items()})
    np.testing.assert_allclose(changes, rgb[1:] - rgb[:1], atol=1e-6)
    # The mask branch's units change the mask.
    assert units.shown_output(model, "mask_uconv1") == "mask"
    assert units.unit_changes(model, "mask_uconv1", [0], 1.0, x).shape == (1, 32, 32, 1)
    shown = units.unit_images(model, "rgb_uconv1", [0, 1], 2.0, x)
    assert shown.shape == (2, 32, 32, 3)
    assert shown.min() >= 0 and shown.max() <= 1
    zero = units.unit_images(model, "rgb_uconv1", [0], 0.0, x)
    np.testing.assert_allclose(zero, 0.5)  # no change: all grey

    cut = latent.Cut(model, "rgb_fc")
    probe = generator_io.generator_inputs(
        model, classes=[0, 1, 2], azimuths=0, elevations=20
    )
    means = units.mean_activations(cut, probe)
    top = units.rank_units(cut, probe, 5)
    assert means[top[0]] == means.max()
    assert list(means[top]) == sorted(means[top], reverse=True)
    assert units.largest_activation(cut, probe) == cut.activations(probe).max()
    assert units.default_layers(model) == [
        "joint_fc1",
        "joint_fc2",
        "mask_fc",
        "rgb_fc",
        "mask_uconv1",
        "rgb_uconv1",
    ]
    with pytest.raises(
        UserError,
        match=r"Unit index 1024 out of range: "
        r"layer joint_fc1 has 1024 units "
        r"\(0..1023\)",
    ):
        units.unit_images(model, "joint_fc1", [1024], 1.0, x)


def test_knockouts(model):
    x = generator_io.generator_inputs(
        model, classes=[0, 2], azimuths=[30, 200], elevations=20
    )
    cut = latent.Cut(model, "joint_fc1")
    everything = list(range(cut.num_units))
    images, change = units.knockout_images(
        model, "joint_fc1", x, [[], [3, 4], everything]
    )
    assert images.shape == (2, 4, 32, 32, 3) and change.shape == (2, 3)
    drawn = grids.on_white(*generator_io.generate(model, x))
    np.testing.assert_allclose(images[:, 0], drawn, atol=1e-5)
    np.testing.assert_allclose(images[:, 1], drawn, atol=1e-5)  # none out
    np.testing.assert_allclose(change[:, 0], 0.0, atol=1e-6)
    h = cut.activations(x)
    h[..., [3, 4]] = 0
    expected = grids.on_white(*cut.decode(h, x))
    np.testing.assert_allclose(images[:, 2], expected, atol=1e-6)
    blank = grids.on_white(*cut.decode(np.zeros_like(h), x))
    np.testing.assert_allclose(images[:, 3], blank, atol=1e-6)
    with pytest.raises(UserError, match="Unit index -1"):
        units.knockout_images(model, "rgb_uconv1", x, [[-1]])


def test_written_figures(model, tmp_path):
    layers = ["joint_fc2", "rgb_uconv1"]
    written = units.write_figures(
        str(tmp_path), model, layers, chair=1, azimuth=30, elevation=20, num_units=5
    )
    assert [os.path.basename(p) for p, _ in written] == [
        "units.png",
        "knockout.png",
        "units.json",
    ]
    with Image.open(tmp_path / "units.png") as picture:
        assert picture.size[::-1] == figures.figure_size(
            2, 5, 64, row_labels=True, tile_labels=True, title=True
        )
    summary = json.loads((tmp_path / "units.json").read_text())
    columns = 1 + max(len(summary["layers"][n]["knockout"]) for n in layers)
    with Image.open(tmp_path / "knockout.png") as picture:
        assert picture.size[::-1] == figures.figure_size(
            2, columns, 64, row_labels=True, col_labels=True, title=True
        )
    assert len(summary["layers"]["joint_fc2"]["units"]) == 5
    # rgb_uconv1 of the tiny run has 12 channels: top 1, 2, 4.
    assert [k["label"] for k in summary["layers"]["rgb_uconv1"]["knockout"]] == [
        "-top 1",
        "-top 2",
        "-top 4",
    ]
