"""TiedConv2D: a Conv2D and its exact adjoint sharing one kernel."""

import itertools
import warnings

import keras
import numpy as np
import pytest

import layers
from layers import arithmetic
from tests import references
from tests.layers.backend_utils import compiled, layer_gradients, matrix, to_numpy


def _transposed_oracle(y, kernel, forward_hw, strides, padding):
    """The adjoint of references.conv2d: d/dx of sum(conv2d(x, k) * y)."""
    x = np.zeros((y.shape[0],) + tuple(forward_hw) + (kernel.shape[2],))
    return references.conv2d_gradients(x, kernel, y, strides, padding)[0]


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_adjoint_identity_odd_sizes_strides_1_to_3(padding):
    rng = np.random.default_rng(0)
    for (h, w), k, s in itertools.product(
        matrix([(7, 5), (8, 9)], [(7, 5)]), matrix((1, 3, 4), (3, 4)), (1, 2, 3)
    ):
        layer = layers.TiedConv2D(3, k, strides=s, padding=padding, use_bias=False)
        x = rng.normal(size=(2, h, w, 2)).astype("float32")
        y_shape = layer.compute_output_shape(x.shape)
        y = rng.normal(size=y_shape).astype("float32")
        forward = to_numpy(layer(x))
        back = to_numpy(layer(y, transpose=True))
        assert back.shape == x.shape, (h, w, k, s)
        lhs = float(np.sum(forward.astype(np.float64) * y))
        rhs = float(np.sum(x.astype(np.float64) * back))
        assert abs(lhs - rhs) <= 1e-5 * (abs(lhs) + 1), (h, w, k, s, lhs, rhs)


def test_forward_is_conv2d_and_matches_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 7, 6, 3)).astype("float32")
    layer = layers.TiedConv2D(4, 3, strides=2, activation="relu")
    y = to_numpy(layer(x))
    kernel, bias = (to_numpy(w) for w in layer.weights)
    expected = np.maximum(references.conv2d(x, kernel, (2, 2)) + bias, 0)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_transpose_matches_numpy_and_keras_conv2d_transpose(padding):
    rng = np.random.default_rng(2)
    for h, k, s in itertools.product(
        matrix((9, 10), (9,)), matrix((2, 3, 5), (2, 3)), (2, 3)
    ):
        layer = layers.TiedConv2D(4, k, strides=s, padding=padding)
        x = rng.normal(size=(1, h, h + 1, 2)).astype("float32")
        code = to_numpy(layer(x))
        layer(code, transpose=True)
        layer.transpose_bias.assign(rng.normal(size=2).astype("float32"))
        ours = to_numpy(layer(code, transpose=True))
        kernel = to_numpy(layer.kernel)
        bias = to_numpy(layer.transpose_bias)
        expected = _transposed_oracle(code, kernel, (h, h + 1), (s, s), padding) + bias
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)
        try:
            a = tuple(
                arithmetic.transposed_output_padding(size, k, s, padding)
                for size in (h, h + 1)
            )
        except ValueError:
            continue  # no Conv2DTranspose restores this size
        keras_t = keras.layers.Conv2DTranspose(
            2, k, strides=s, padding=padding, output_padding=a
        )
        keras_t.build(code.shape)
        keras_t.set_weights([kernel, bias])
        np.testing.assert_allclose(ours, to_numpy(keras_t(code)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("transpose", [False, True])
def test_bfloat16_bias_gradients_are_whole_sums(transpose):
    """Both biases' gradients sum 4 x 32 x 32 positions in bfloat16, which
    TensorFlow's CPU kernel for a bias's gradient summed in bfloat16,
    stopping at 256: 0.5 per position must give 2048, on every backend."""
    layer = layers.TiedConv2D(2, 3, dtype="mixed_bfloat16")
    x = np.zeros((4, 32, 32, 2), "float32")
    code = layer(x)
    layer(code, transpose=True)
    probe = np.full((4, 32, 32, 2), 0.5, "float32")
    if transpose:
        code = to_numpy(code).astype("float32")
        grads = layer_gradients(layer, [code], probe, transpose=True)
        np.testing.assert_array_equal(grads[3], [2048] * 2)
    else:
        np.testing.assert_array_equal(layer_gradients(layer, [x], probe)[2], [2048] * 2)


@pytest.mark.parametrize("padding, strides", [("same", 2), ("valid", 3)])
def test_gradients_match_numpy_both_directions(padding, strides):
    rng = np.random.default_rng(6)
    layer = layers.TiedConv2D(3, 3, strides=strides, padding=padding)
    x = rng.normal(size=(2, 7, 8, 2)).astype("float32")
    code = to_numpy(layer(x))
    layer(code, transpose=True)
    kernel = to_numpy(layer.kernel)
    probe = rng.normal(size=code.shape).astype("float32")
    grad_x, grad_kernel, grad_bias, grad_tbias = layer_gradients(layer, [x], probe)
    d_x, d_kernel = references.conv2d_gradients(
        x, kernel, probe, (strides,) * 2, padding
    )
    np.testing.assert_allclose(grad_x, d_x, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grad_kernel, d_kernel, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(grad_bias, probe.sum(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_array_equal(grad_tbias, 0)

    # Transposed: y = conv^T(code), linear in code and in the kernel; the
    # gradient for `code` is the forward convolution of the probe.
    probe_t = rng.normal(size=x.shape).astype("float32")
    grad_code, grad_kernel, grad_bias, grad_tbias = layer_gradients(
        layer, [code], probe_t, transpose=True
    )
    np.testing.assert_allclose(
        grad_code,
        references.conv2d(probe_t, kernel, (strides,) * 2, padding),
        rtol=1e-4,
        atol=1e-4,
    )
    # sum(conv^T(code; k) * p) = sum(code * conv(p; k)): d/dk as conv's.
    _, d_kernel = references.conv2d_gradients(
        probe_t, kernel, code, (strides,) * 2, padding
    )
    np.testing.assert_allclose(grad_kernel, d_kernel, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(grad_bias, 0)
    np.testing.assert_allclose(grad_tbias, probe_t.sum(axis=(0, 1, 2)), rtol=1e-5)


def test_compiled_with_any_batch_size():
    layer = layers.TiedConv2D(3, 3, strides=2, activation="relu")
    layer(np.zeros((1, 7, 6, 2), "float32"))
    layer(np.zeros((1, 4, 3, 3), "float32"), transpose=True)
    roundtrip = compiled(lambda t: layer(layer(t), transpose=True))
    for batch in (1, 3):
        x = np.random.default_rng(batch).normal(size=(batch, 7, 6, 2)).astype("float32")
        expected = to_numpy(layer(to_numpy(layer(x)), transpose=True))
        np.testing.assert_allclose(
            to_numpy(roundtrip(x)), expected, rtol=1e-5, atol=1e-5
        )


def test_one_kernel_through_save_and_load(tmp_path):
    inputs = keras.Input((9, 7, 3))
    conv = layers.TiedConv2D(5, 3, strides=2, activation="relu", name="tied")
    outputs = conv(conv(inputs), transpose=True)
    model = keras.Model(inputs, outputs)
    assert [w.name for w in model.weights] == ["kernel", "bias", "transpose_bias"]
    x = np.random.default_rng(3).normal(size=(4, 9, 7, 3)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert [w.name for w in loaded.weights] == ["kernel", "bias", "transpose_bias"]
    np.testing.assert_allclose(to_numpy(loaded(x)), to_numpy(model(x)), rtol=1e-6)

    # One training step on the loaded model moves the kernel both calls use.
    tied = loaded.get_layer("tied")
    before = to_numpy(tied.kernel).copy()
    encoded_before = to_numpy(tied(x))
    loaded.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    loaded.train_on_batch(x, x)
    assert not np.allclose(to_numpy(tied.kernel), before)
    assert not np.allclose(to_numpy(tied(x)), encoded_before)
    code = to_numpy(tied(x))
    expected = _transposed_oracle(
        code, to_numpy(tied.kernel), (9, 7), (2, 2), "same"
    ) + to_numpy(tied.transpose_bias)
    np.testing.assert_allclose(
        to_numpy(tied(code, transpose=True)), expected, rtol=1e-4, atol=1e-5
    )


def test_encoder_only_layer_has_no_transpose_bias_and_no_warning():
    inputs = keras.Input((8, 8, 3))
    conv = layers.TiedConv2D(4, 3, strides=2, name="encoder")
    model = keras.Model(inputs, conv(inputs))
    assert [w.name for w in model.weights] == ["kernel", "bias"]
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(4, 8, 8, 3)).astype("float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, np.zeros((4, 4, 4, 4), "float32"), epochs=1, verbose=0)
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "Gradients do not exist" in m], messages


def test_files_with_a_transpose_bias_on_an_encoder_still_load(tmp_path):
    # Files written before the transpose bias was created lazily hold one
    # for every TiedConv2D with use_bias: an encoder-only layer loads it.
    rng = np.random.default_rng(1)
    conv = layers.TiedConv2D(4, 3)
    conv.build((None, 5, 5, 2))
    store = {
        "0": rng.normal(size=(3, 3, 2, 4)).astype("float32"),
        "1": rng.normal(size=(4,)).astype("float32"),
        "2": rng.normal(size=(2,)).astype("float32"),
    }
    conv.load_own_variables(store)
    assert [w.name for w in conv.weights] == ["kernel", "bias", "transpose_bias"]
    for weight, key in zip(conv.weights, "012"):
        np.testing.assert_array_equal(to_numpy(weight), store[key])
    # A layer without biases refuses a store with the wrong count as Keras
    # does.
    plain = layers.TiedConv2D(4, 3, use_bias=False)
    plain.build((None, 5, 5, 2))
    with pytest.raises(ValueError, match="expected 1 variables"):
        plain.load_own_variables(store)


def test_padding_defaults_to_same_and_says_so():
    assert layers.TiedConv2D(2, 3).padding == "same"
    assert keras.layers.Conv2D(2, 3).padding == "valid"
    doc = layers.TiedConv2D.__doc__
    assert 'defaults to ``"same"``, unlike `keras.layers.Conv2D`' in " ".join(
        doc.split()
    )


def test_unknown_spatial_size_uses_keras_default():
    inputs = keras.Input((None, None, 2))
    conv = layers.TiedConv2D(3, 3, strides=2)
    model = keras.Model(inputs, conv(conv(inputs), transpose=True))
    assert model.output_shape == (None, None, None, 2)
    assert tuple(model(np.zeros((1, 8, 6, 2), "float32")).shape) == (1, 8, 6, 2)


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
