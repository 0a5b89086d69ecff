"""gen.feature_grids: top-9 search, projections, receptive-field crops, files."""

import json

import keras
import numpy as np
import pytest
from PIL import Image

from gen.deconvnet import feature_sheets, network, receptive_field, top_activations
from gen.errors import UserError
from tests import numpy_deconvnet as ref

SHAPE = (12, 12, 3)


@pytest.fixture(scope="module")
def net():
    rng = np.random.default_rng(0)
    steps = [
        (
            "conv",
            rng.normal(size=(3, 3, 3, 4)).astype("float32"),
            np.zeros(4, "float32"),
            (1, 1),
            "same",
            "relu",
        ),
        ("pool", (2, 2), (2, 2), "valid"),
        (
            "conv",
            rng.normal(size=(3, 3, 4, 5)).astype("float32"),
            rng.normal(size=5).astype("float32"),
            (1, 1),
            "valid",
            "relu",
        ),
        ("flatten",),
        (
            "dense",
            rng.normal(size=(80, 3)).astype("float32"),
            np.zeros(3, "float32"),
            "relu",
        ),
    ]
    inputs = keras.Input(SHAPE)
    c1 = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="c1")
    c2 = keras.layers.Conv2D(5, 3, activation="relu", name="c2")
    d = keras.layers.Dense(3, activation="relu", name="d")
    x = c2(keras.layers.MaxPooling2D(2, name="p1")(c1(inputs)))
    model = keras.Model(inputs, d(keras.layers.Flatten(name="f")(x)))
    c1.set_weights(list(steps[0][1:3]))
    c2.set_weights(list(steps[2][1:3]))
    d.set_weights(list(steps[4][1:3]))
    images = rng.uniform(size=(23,) + SHAPE).astype("float32")
    names = [f"img{i}" for i in range(23)]
    return steps, model, images, names


def _to_model(x):
    return 2 * x - 1


def _brute_force_top(acts, k):
    """Per feature: the k images with the largest maximum, earlier first on
    ties, and where that maximum is."""
    n, f = len(acts), acts.shape[-1]
    flat = acts.reshape(n, -1, f)
    best, where = flat.max(axis=1), flat.argmax(axis=1)
    ids = np.stack([np.argsort(-best[:, j], kind="stable")[:k] for j in range(f)])
    return ids, np.take_along_axis(best.T, ids, 1), np.take_along_axis(where.T, ids, 1)


def test_top_activations_match_brute_force(net):
    steps, model, images, names = net
    deconv = network.DeconvNet(model, "c2")
    top = top_activations.find_top_activations(
        deconv, top_activations.batches(images, names, batch_size=5), to_model=_to_model
    )
    acts, _ = ref.forward(steps[:3], _to_model(images))  # (23, 4, 4, 5)
    ids, scores, where = _brute_force_top(acts, 9)
    assert top.num_images == 23 and top.layer_name == "c2"
    np.testing.assert_array_equal(top.features, np.arange(5))
    np.testing.assert_array_equal(top.image_ids, ids)
    np.testing.assert_allclose(top.scores, scores, rtol=1e-4)
    np.testing.assert_array_equal(top.positions, np.stack(np.divmod(where, 4), axis=-1))
    np.testing.assert_array_equal(top.images, images[ids])
    assert top.names[2, 0] == names[ids[2, 0]]


def test_fewer_images_than_slots_and_chosen_features(net):
    _, model, images, names = net
    deconv = network.DeconvNet(model, "c1")
    top = top_activations.find_top_activations(
        deconv, top_activations.batches(images[:4], names[:4]), features=[3, 1], k=6
    )
    np.testing.assert_array_equal(top.features, [3, 1])
    assert (top.image_ids[:, 4:] == -1).all()
    assert np.isneginf(top.scores[:, 4:]).all()
    assert (top.image_ids[:, :4] >= 0).all()
    projections = top_activations.project_top(deconv, top)
    assert (projections[:, 4:] == 0).all()


def test_projections_are_single_activation_deconvnets(net):
    steps, model, images, names = net
    deconv = network.DeconvNet(model, "c2")
    top = top_activations.find_top_activations(
        deconv, top_activations.batches(images, names, 7), to_model=_to_model
    )
    projections = top_activations.project_top(deconv, top, _to_model)
    assert projections.shape == top.images.shape
    alive = np.argwhere(top.scores > 0)  # activations that carry a signal
    for j, slot in alive[[0, len(alive) // 2, -1]]:
        x = _to_model(top.images[j, slot][None])
        acts, records = ref.forward(steps[:3], x)
        signal = np.zeros(acts.shape)
        y, xx = top.positions[j, slot]
        signal[0, y, xx, top.features[j]] = acts[0, y, xx, top.features[j]]
        expected = ref.deconvnet(steps[:3], records, signal)[0]
        assert np.abs(expected).max() > 0
        np.testing.assert_allclose(
            projections[j, slot],
            expected,
            rtol=1e-4,
            atol=1e-4 * np.abs(expected).max(),
        )


def test_display_box_and_normalisation():
    field = receptive_field.ReceptiveField((5, 5), (1, 1), (-2, -2))
    assert feature_sheets.display_box(field, 0, 0, (12, 12)) == (0, 0, 5, 5)
    assert feature_sheets.display_box(field, 5, 6, (12, 12)) == (3, 4, 8, 9)
    assert feature_sheets.display_box(field, 11, 11, (12, 12)) == (7, 7, 12, 12)
    wide = receptive_field.ReceptiveField((30, 7), (4, 4), (-8, -2))
    assert feature_sheets.display_box(wide, 1, 1, (12, 12)) == (0, 2, 12, 9)
    np.testing.assert_allclose(
        feature_sheets.normalise_projection(np.array([-2.0, 0.0, 1.0])),
        [0.0, 0.5, 0.75],
    )
    np.testing.assert_array_equal(
        feature_sheets.normalise_projection(np.zeros(3)), [0.5] * 3
    )


def test_tiles_are_receptive_field_crops(net):
    _, model, images, names = net
    deconv = network.DeconvNet(model, "c2")
    field = deconv.receptive_field()
    assert field == receptive_field.ReceptiveField((8, 8), (2, 2), (-1, -1))
    top = top_activations.find_top_activations(
        deconv, top_activations.batches(images, names)
    )
    projections = top_activations.project_top(deconv, top)
    projection_tiles, patch_tiles = feature_sheets.feature_tiles(
        top, projections, field
    )
    scale = 6  # 8-pixel fields enlarged to at least 48 pixels
    assert patch_tiles.shape == (5, 9, 8 * scale, 8 * scale, 3)
    j, slot = 2, 5
    t, l, b, r = feature_sheets.display_box(field, *top.positions[j, slot], (12, 12))
    crop = top.images[j, slot, t:b, l:r]
    np.testing.assert_array_equal(patch_tiles[j, slot, ::scale, ::scale], crop)
    np.testing.assert_allclose(
        projection_tiles[j, slot, ::scale, ::scale],
        feature_sheets.normalise_projection(projections[j, slot, t:b, l:r]),
    )
    # Nothing of the projection lies outside the field.
    outside = np.ones((12, 12), bool)
    outside[t:b, l:r] = False
    assert (projections[j, slot][outside] == 0).all()


def test_choose_features_keeps_the_strongest_living_maps(net):
    _, model, images, names = net
    deconv = network.DeconvNet(model, "c2")
    top = top_activations.find_top_activations(
        deconv, top_activations.batches(images, names)
    )
    top.scores[1] = 0.0  # a dead map
    top.scores[:, 0] = [5, 0, 9, 7, 1]
    chosen = top_activations.choose_features(top, 2)
    np.testing.assert_array_equal(chosen.features, [2, 3])
    np.testing.assert_array_equal(chosen.images, top.images[[2, 3]])
    np.testing.assert_array_equal(
        top_activations.choose_features(top, 10).features, [0, 2, 3, 4]
    )


@pytest.mark.parametrize("layer", ["c2", "d"])
def test_write_layer_grids(net, tmp_path, layer):
    _, model, images, names = net
    deconv = network.DeconvNet(model, layer)
    top = top_activations.choose_features(
        top_activations.find_top_activations(
            deconv, top_activations.batches(images, names, 10)
        ),
        3,
    )
    summary = feature_sheets.write_layer_grids(deconv, top, str(tmp_path), columns=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{layer}.json",
        f"{layer}.png",
    ]
    written = json.loads((tmp_path / f"{layer}.json").read_text())
    assert written == summary
    assert [f["feature"] for f in written["features"]] == top.features.tolist()
    tile = written["features"][0]["tiles"][0]
    assert tile["image"] == top.names[0, 0]
    assert tile["activation"] == pytest.approx(float(top.scores[0, 0]))
    assert len(written["features"][0]["tiles"]) == 9
    picture = np.asarray(Image.open(tmp_path / f"{layer}.png"))
    field = deconv.receptive_field()
    tiles = feature_sheets.feature_tiles(
        top, top_activations.project_top(deconv, top), field
    )
    expected = feature_sheets.compose_sheet(
        top, *tiles, columns=2, title=written["title"]
    )
    np.testing.assert_array_equal(picture, expected)
    assert written["title"].startswith(
        f"{layer}: top 9 of 23 images per feature map. Left: deconvnet "
        "projections of the activation; right: the image patches they come "
        "from"
    )
    if layer == "d":  # a Dense unit sees the whole image
        assert tile["box"] == [0, 0, 12, 12]
        assert written["receptive_field"]["size"] == [12, 12]


def test_errors(net, tmp_path):
    _, model, images, names = net
    deconv = network.DeconvNet(model, "c2")
    with pytest.raises(
        UserError,
        match=r"Feature indices must be in 0\.\.4 "
        r"\(layer 'c2' has 5 feature maps\), got \[5\]\.",
    ):
        top_activations.find_top_activations(
            deconv, top_activations.batches(images, names), features=[5]
        )
    with pytest.raises(
        UserError, match="There were no images to look for activations in."
    ):
        top_activations.find_top_activations(deconv, iter([]))
    top = top_activations.find_top_activations(
        deconv, top_activations.batches(images, names)
    )
    top.scores[:] = 0.0
    with pytest.raises(
        UserError,
        match="Layer 'c2' has no feature map that "
        "is ever above zero on these 23 images: nothing to "
        "show.",
    ):
        feature_sheets.write_layer_grids(
            deconv, top_activations.choose_features(top, 4), str(tmp_path)
        )
