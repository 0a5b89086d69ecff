"""FixedCornerUnpooling2D and RandomUnpooling2D against numpy."""

import itertools

import keras
import numpy as np
import pytest

import layers
from tests import references
from tests.layers.backend_utils import compiled, gradients, to_numpy


@pytest.mark.parametrize("size", [2, 3, (2, 3), (1, 2)])
def test_fixed_corner_every_corner_matches_numpy(size):
    pair = (size, size) if isinstance(size, int) else size
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 4)).astype("float32")
    for corner in itertools.product(range(pair[0]), range(pair[1])):
        y = layers.FixedCornerUnpooling2D(size, corner)(x)
        np.testing.assert_array_equal(
            to_numpy(y), references.fixed_corner_unpool(x, pair, corner)
        )


def test_fixed_corner_default_is_upper_left_as_in_paper():
    x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1) + 1
    y = to_numpy(layers.FixedCornerUnpooling2D()(x))[0, :, :, 0]
    np.testing.assert_array_equal(
        y, [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]
    )


@pytest.mark.parametrize("size, corner", [(2, (1, 0)), ((2, 3), (1, 2))])
def test_fixed_corner_gradient_picks_the_corner(size, corner):
    layer = layers.FixedCornerUnpooling2D(size, corner)
    x = np.ones((1, 2, 2, 1), "float32")
    pair = layer.size
    weights = np.arange(4 * pair[0] * pair[1], dtype="float32").reshape(
        1, 2 * pair[0], 2 * pair[1], 1
    )
    (grad,) = gradients(
        lambda t: keras.ops.sum(keras.ops.multiply(layer(t), weights)), x
    )
    np.testing.assert_array_equal(
        grad, weights[:, corner[0] :: pair[0], corner[1] :: pair[1]]
    )


def test_random_unpooling_puts_each_value_once_in_its_cell():
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 2, size=(3, 4, 5, 2)).astype("float32")
    y = to_numpy(layers.RandomUnpooling2D((2, 3), seed=3)(x, training=True))
    cells = y.reshape(3, 4, 2, 5, 3, 2)
    assert ((cells != 0).sum(axis=(2, 4)) == 1).all()
    np.testing.assert_array_equal(cells.sum(axis=(2, 4)), x)


def test_random_unpooling_positions_are_uniform():
    x = np.ones((8, 16, 16, 8), "float32")
    y = to_numpy(layers.RandomUnpooling2D(2, seed=0)(x, training=True))
    counts = y.reshape(8, 16, 2, 16, 2, 8).sum(axis=(0, 1, 3, 5)).ravel()
    n = x.size
    # Chi-square with 3 degrees of freedom; 16.27 is the 0.999 quantile.
    chi2 = ((counts - n / 4) ** 2 / (n / 4)).sum()
    assert chi2 < 16.27, counts


def test_random_unpooling_is_seeded_and_fixed_corner_at_inference():
    x = np.random.default_rng(2).normal(size=(2, 3, 3, 2)).astype("float32")
    a = layers.RandomUnpooling2D(2, seed=7)(x, training=True)
    b = layers.RandomUnpooling2D(2, seed=7)(x, training=True)
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    layer = layers.RandomUnpooling2D(2, seed=7)
    assert not np.array_equal(
        to_numpy(layer(x, training=True)), to_numpy(layer(x, training=True))
    )
    np.testing.assert_array_equal(
        to_numpy(layer(x)), references.fixed_corner_unpool(x, (2, 2), (0, 0))
    )


def test_random_unpooling_gradient_follows_the_values():
    # Training-mode unpooling is linear in its input with one 1 per cell, so
    # the gradient of sum(y * w) is w read where each value landed.
    layer = layers.RandomUnpooling2D(2, seed=5)
    x = np.random.default_rng(3).uniform(1, 2, (2, 3, 4, 2)).astype("float32")
    weights = np.random.default_rng(4).normal(size=(2, 6, 8, 2)).astype("float32")
    layer.build(x.shape)
    state = [v.value for v in layer.non_trainable_variables]  # the seed

    def unpool(t):
        return layer.stateless_call([], state, t, training=True)[0]

    (grad,) = gradients(
        lambda t: keras.ops.sum(keras.ops.multiply(unpool(t), weights)), x
    )
    placed = to_numpy(unpool(x)) != 0
    expected = (weights * placed).reshape(2, 3, 2, 4, 2, 2).sum(axis=(2, 4))
    np.testing.assert_allclose(grad, expected, rtol=1e-6)


@pytest.mark.parametrize(
    "cls", [layers.FixedCornerUnpooling2D, layers.RandomUnpooling2D]
)
def test_compiles_with_any_batch_size(cls):
    layer = cls((2, 3))
    fn = compiled(lambda t: layer(t, training=False))
    for batch in (1, 3):
        x = np.random.default_rng(batch).normal(size=(batch, 3, 4, 2)).astype("float32")
        np.testing.assert_array_equal(
            to_numpy(fn(x)), references.fixed_corner_unpool(x, (2, 3), (0, 0))
        )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": 0}, "`size` must be a positive int"),
        ({"size": (2, 2, 2)}, "`size` must be a positive int or a pair"),
        ({"size": 2, "corner": (2, 0)}, "inside the 2x2 unpooling cell"),
        ({"size": (2, 3), "corner": (0, -1)}, "0 <= dx < 3"),
        ({"data_format": "channels_first"}, "channels_last"),
    ],
)
def test_fixed_corner_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.FixedCornerUnpooling2D(**kwargs)


def test_random_unpooling_bad_arguments():
    with pytest.raises(ValueError, match="`seed` must be an int"):
        layers.RandomUnpooling2D(seed="x")
    with pytest.raises(ValueError, match="`size` must be"):
        layers.RandomUnpooling2D(size=-1)


@pytest.mark.parametrize(
    "cls", [layers.FixedCornerUnpooling2D, layers.RandomUnpooling2D]
)
def test_wrong_rank_input(cls):
    with pytest.raises(ValueError, match="ndim=4|rank 4"):
        cls()(np.zeros((2, 4, 4), "float32"))
    with pytest.raises(ValueError, match="rank 4"):
        cls().build((2, 4, 4))


def test_channels_first_global_setting_is_refused():
    keras.config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="supports only data_format="):
            layers.FixedCornerUnpooling2D()
    finally:
        keras.config.set_image_data_format("channels_last")
