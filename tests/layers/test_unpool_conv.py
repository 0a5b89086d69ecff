"""UnpoolConv2D equals FixedCornerUnpooling2D + Conv2D(padding="same")."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

import layers
from layers import unpool_conv
from tests import references


def _explicit_pair(x, kernel, bias, size, corner):
    unpooled = layers.FixedCornerUnpooling2D(size, corner)(x)
    conv = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2],
                               padding="same")
    conv.build(unpooled.shape)
    conv.set_weights([kernel, bias])
    return conv(unpooled).numpy()


def _close(y, reference, tol=1e-5):
    error = np.abs(y - reference).max()
    assert error <= tol * np.abs(reference).max(), error


@pytest.mark.parametrize("implementation", ["phases", "subpixel", "transpose"])
@pytest.mark.parametrize("kernel_size", [1, 3, 5, 7])
@pytest.mark.parametrize("size", [2, 3])
def test_equals_explicit_pair_every_corner(implementation, kernel_size, size):
    rng = np.random.default_rng(kernel_size * 10 + size)
    x = rng.normal(size=(2, 4, 5, 3)).astype("float32")
    kernel = rng.normal(size=(kernel_size, kernel_size, 3, 4)).astype("float32")
    bias = rng.normal(size=(4,)).astype("float32")
    for corner in itertools.product(range(size), repeat=2):
        pads = [unpool_conv.transpose_padding(kernel_size, size, d)
                for d in corner]
        if implementation == "transpose" and min(min(p) for p in pads) < 0:
            with pytest.raises(ValueError, match="negative padding"):
                layers.UnpoolConv2D(4, kernel_size, size, corner,
                                    implementation=implementation)
            continue
        layer = layers.UnpoolConv2D(4, kernel_size, size, corner,
                                    implementation=implementation)
        layer.build(x.shape)
        layer.set_weights([kernel, bias])
        _close(layer(x).numpy(), _explicit_pair(x, kernel, bias, size, corner))


@pytest.mark.parametrize("kernel_size, size, corner", [
    ((3, 5), (2, 3), (1, 2)), (4, 2, (1, 1)), ((2, 6), (3, 2), (2, 0))])
def test_rectangular_and_even_kernels(kernel_size, size, corner):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 3, 4, 2)).astype("float32")
    layer = layers.UnpoolConv2D(3, kernel_size, size, corner)
    kernel = rng.normal(size=layer.kernel_size + (2, 3)).astype("float32")
    bias = np.zeros(3, "float32")
    for implementation in ("phases", "subpixel"):
        layer = layers.UnpoolConv2D(3, kernel_size, size, corner,
                                    implementation=implementation)
        layer.build(x.shape)
        layer.set_weights([kernel, bias])
        _close(layer(x).numpy(), _explicit_pair(x, kernel, bias, size, corner))


def test_matches_numpy_definition():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 3, 2))
    layer = layers.UnpoolConv2D(2, 5, activation="relu")
    layer.build(x.shape)
    kernel, bias = (w.numpy() for w in layer.weights)
    unpooled = references.fixed_corner_unpool(x, (2, 2), (0, 0))
    expected = np.maximum(references.conv2d(unpooled, kernel) + bias, 0)
    _close(layer(x.astype("float32")).numpy(), expected)


def test_kernel_has_conv2d_layout_and_auto_choice():
    layer = layers.UnpoolConv2D(92, 5)
    layer.build((None, 16, 16, 256))
    assert layer.kernel.shape == (5, 5, 256, 92)
    # "auto" follows the measured rule in the module docstring.
    assert layer.resolved_implementation == "phases"
    assert layers.UnpoolConv2D(16, 5).resolved_implementation == "phases"
    assert layers.UnpoolConv2D(3, 5).resolved_implementation == "subpixel"
    bf16 = layers.UnpoolConv2D(92, 5, dtype="mixed_bfloat16")
    assert bf16.resolved_implementation == "phases"
    assert layers.UnpoolConv2D(
        32, 5, dtype="bfloat16").resolved_implementation == "subpixel"


def test_gradients_by_finite_differences():
    rng = np.random.default_rng(5)
    x = tf.Variable(rng.normal(size=(1, 3, 3, 2)))
    layer = layers.UnpoolConv2D(2, 3, dtype="float64")
    layer.build(x.shape)
    probe = rng.normal(size=(1, 6, 6, 2))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) * probe)
    grad_x, grad_k = tape.gradient(loss, [x, layer.kernel])
    eps = 1e-6
    for variable, grad in [(x, grad_x), (layer.kernel, grad_k)]:
        base = variable.numpy()
        for index in [0, 5, base.size - 1]:
            bumped = base.copy().ravel()
            bumped[index] += eps
            variable.assign(bumped.reshape(base.shape))
            numeric = (float(tf.reduce_sum(layer(x) * probe)) - float(loss)) / eps
            variable.assign(base)
            np.testing.assert_allclose(numeric, grad.numpy().ravel()[index],
                                       rtol=1e-4, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`filters` must be a positive int"):
        layers.UnpoolConv2D(0, 3)
    with pytest.raises(ValueError, match="`kernel_size` must be"):
        layers.UnpoolConv2D(4, (3, 0))
    with pytest.raises(ValueError, match="inside the 3x3 unpooling cell"):
        layers.UnpoolConv2D(4, 3, size=3, corner=(3, 0))
    with pytest.raises(ValueError, match="`implementation` must be one of"):
        layers.UnpoolConv2D(4, 3, implementation="fast")
    with pytest.raises(ValueError, match="channels_last"):
        layers.UnpoolConv2D(4, 3, data_format="channels_first")
    with pytest.raises(ValueError, match="ndim=4|rank 4"):
        layers.UnpoolConv2D(4, 3)(np.zeros((2, 3, 3), "float32"))
    layer = layers.UnpoolConv2D(4, 3)
    layer(np.zeros((1, 3, 3, 2), "float32"))
    with pytest.raises(ValueError, match="axis -1|expected axis"):
        layer(np.zeros((1, 3, 3, 5), "float32"))
