"""TiedConv2D: a Conv2D and its exact adjoint sharing one kernel."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

import layers
from layers import arithmetic
from tests import references


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_adjoint_identity_odd_sizes_strides_1_to_3(padding):
    rng = np.random.default_rng(0)
    for (h, w), k, s in itertools.product([(7, 5), (8, 9)], (1, 3, 4), (1, 2, 3)):
        layer = layers.TiedConv2D(3, k, strides=s, padding=padding,
                                  use_bias=False)
        x = rng.normal(size=(2, h, w, 2)).astype("float32")
        y_shape = layer.compute_output_shape(x.shape)
        y = rng.normal(size=y_shape).astype("float32")
        forward = layer(x)
        back = layer(y, transpose=True)
        assert back.shape == x.shape, (h, w, k, s)
        lhs = float(np.sum(forward.numpy().astype(np.float64) * y))
        rhs = float(np.sum(x.astype(np.float64) * back.numpy()))
        assert abs(lhs - rhs) <= 1e-5 * (abs(lhs) + 1), (h, w, k, s, lhs, rhs)


def test_forward_is_conv2d_and_matches_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 7, 6, 3)).astype("float32")
    layer = layers.TiedConv2D(4, 3, strides=2, activation="relu")
    y = layer(x)
    kernel, bias, _ = (w.numpy() for w in layer.weights)
    expected = np.maximum(references.conv2d(x, kernel, (2, 2)) + bias, 0)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_transpose_equals_keras_conv2d_transpose(padding):
    rng = np.random.default_rng(2)
    for h, k, s in itertools.product((9, 10), (3, 5), (2, 3)):
        layer = layers.TiedConv2D(4, k, strides=s, padding=padding)
        x = rng.normal(size=(1, h, h, 2)).astype("float32")
        code = layer(x)
        layer.transpose_bias.assign(rng.normal(size=2))
        a = arithmetic.transposed_output_padding(h, k, s, padding)
        keras_t = keras.layers.Conv2DTranspose(2, k, strides=s, padding=padding,
                                               output_padding=a)
        keras_t.build(code.shape)
        keras_t.set_weights([layer.kernel.numpy(), layer.transpose_bias.numpy()])
        np.testing.assert_allclose(layer(code, transpose=True), keras_t(code),
                                   rtol=1e-5, atol=1e-5)


def test_one_kernel_through_save_and_load(tmp_path):
    inputs = keras.Input((9, 7, 3))
    conv = layers.TiedConv2D(5, 3, strides=2, activation="relu", name="tied")
    outputs = conv(conv(inputs), transpose=True)
    model = keras.Model(inputs, outputs)
    assert [w.name for w in model.weights] == ["kernel", "bias",
                                               "transpose_bias"]
    x = np.random.default_rng(3).normal(size=(4, 9, 7, 3)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert len(loaded.weights) == 3
    kernels = [w for w in loaded.weights if w.name == "kernel"]
    assert len(kernels) == 1
    np.testing.assert_allclose(loaded(x), model(x), rtol=1e-6)

    # One training step on the loaded model moves the kernel both calls use.
    tied = loaded.get_layer("tied")
    before = tied.kernel.numpy().copy()
    encoded_before = tied(x).numpy()
    loaded.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    loaded.train_on_batch(x, x)
    assert not np.allclose(tied.kernel.numpy(), before)
    assert not np.allclose(tied(x), encoded_before)
    code = tied(x)
    w = tied.kernel.numpy()
    back = tf.nn.conv2d_transpose(code, w, x.shape, 2, "SAME") + (
        tied.transpose_bias.numpy())
    np.testing.assert_allclose(tied(code, transpose=True), back, rtol=1e-5,
                               atol=1e-5)


def test_unknown_spatial_size_uses_keras_default():
    inputs = keras.Input((None, None, 2))
    conv = layers.TiedConv2D(3, 3, strides=2)
    model = keras.Model(inputs, conv(conv(inputs), transpose=True))
    assert model(np.zeros((1, 8, 6, 2), "float32")).shape == (1, 8, 6, 2)


def test_errors():
    with pytest.raises(ValueError, match="`filters` must be a positive int"):
        layers.TiedConv2D(0, 3)
    with pytest.raises(ValueError, match="`padding` must be 'valid' or 'same'"):
        layers.TiedConv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="`strides` must be"):
        layers.TiedConv2D(2, 3, strides=0)
    with pytest.raises(ValueError, match="channels_last"):
        layers.TiedConv2D(2, 3, data_format="channels_first")
    conv = layers.TiedConv2D(4, 3, strides=2)
    with pytest.raises(ValueError, match="transpose=True before its forward"):
        conv(np.zeros((1, 4, 4, 4), "float32"), transpose=True)
    conv(np.zeros((1, 7, 7, 2), "float32"))
    with pytest.raises(ValueError, match="takes maps with 4 channels"):
        conv(np.zeros((1, 4, 4, 3), "float32"), transpose=True)
    with pytest.raises(ValueError, match="maps 7x7 inputs to 4x4 maps"):
        conv(np.zeros((1, 5, 4, 4), "float32"), transpose=True)
    with pytest.raises(ValueError, match="rank 4"):
        conv(np.zeros((4, 4, 4), "float32"), transpose=True)
