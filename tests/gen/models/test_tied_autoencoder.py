"""gen.models.tied_autoencoder: one kernel per conv layer, numbers from
numpy."""

import keras
import numpy as np
import pytest

from gen.errors import UserError
from gen.models import tied_autoencoder
from tests import numpy_deconvnet as ref

SHAPE = {"resolution": 16, "filters": (4, 6), "kernel_size": 3}


def _build(unpooling):
    return tied_autoencoder.build_autoencoder(**SHAPE, unpooling=unpooling)


def _randomise(model, seed=0):
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.normal(scale=0.5, size=w.shape).astype("float32"))


def _weights(model):
    return [(w.path, tuple(w.shape)) for w in model.weights]


EXPECTED_WEIGHTS = [
    ("conv1/kernel", (3, 3, 3, 4)),
    ("conv1/bias", (4,)),
    ("conv1/transpose_bias", (3,)),
    ("conv2/kernel", (3, 3, 4, 6)),
    ("conv2/bias", (6,)),
    ("conv2/transpose_bias", (4,)),
]


@pytest.mark.parametrize("unpooling", tied_autoencoder.UNPOOLINGS)
def test_one_kernel_per_conv_layer_before_and_after_save_load(unpooling, tmp_path):
    model = _build(unpooling)
    _randomise(model)
    assert _weights(model) == EXPECTED_WEIGHTS
    assert len(model.trainable_weights) == 6
    assert [w.path for w in model.weights if w.name == "kernel"] == [
        "conv1/kernel",
        "conv2/kernel",
    ]
    x = np.random.default_rng(1).uniform(size=(2, 16, 16, 3)).astype("float32")
    before = model.predict(x, verbose=0)
    assert before.shape == x.shape

    path = tmp_path / "ae.keras"
    model.save(path)
    loaded = tied_autoencoder.load_autoencoder(str(path))
    assert _weights(loaded) == EXPECTED_WEIGHTS
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), before, rtol=1e-6, atol=1e-6
    )
    # Still tied after loading: the decoder uses the encoder's kernel, so
    # zeroing conv1's one kernel leaves the image sigmoid(transpose_bias).
    kernel = loaded.get_layer("conv1").kernel
    kernel.assign(np.zeros(kernel.shape, "float32"))
    bias = loaded.get_layer("conv1").transpose_bias.numpy()
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0),
        np.broadcast_to(1 / (1 + np.exp(-bias)), x.shape),
        rtol=1e-6,
    )


def _numpy_autoencoder(model, x, unpooling):
    """The autoencoder step by step: conv + ReLU, 2x2 pooling with switches,
    then unpooling and the transposed filtering with the same kernel, its
    transpose bias and ReLU (sigmoid for the image)."""
    convs = [model.get_layer(f"conv{i}") for i in (1, 2)]
    h, records = x.astype(np.float64), []
    for conv in convs:
        w, b = conv.kernel.numpy(), conv.bias.numpy()
        in_shape = h.shape
        h = np.maximum(ref.conv(h, w, b, (1, 1), "same"), 0)
        pooled, switches = ref.max_pool(h, (2, 2), (2, 2), "valid")
        records.append((in_shape, h.shape, switches))
        h = pooled
    for conv, (in_shape, shape, switches) in zip(convs[::-1], records[::-1]):
        if unpooling == "switch":
            h = ref.unpool(h, switches, shape)
        else:
            up = np.zeros(shape)
            up[:, ::2, ::2] = h
            h = up
        h = ref.conv_transpose(h, conv.kernel.numpy(), in_shape, (1, 1), "same")
        h = h + conv.transpose_bias.numpy()
        h = 1 / (1 + np.exp(-h)) if conv.name == "conv1" else np.maximum(h, 0)
    return h


@pytest.mark.parametrize("unpooling", tied_autoencoder.UNPOOLINGS)
def test_reconstruction_equals_numpy(unpooling):
    model = _build(unpooling)
    _randomise(model, seed=2)
    x = np.random.default_rng(3).uniform(size=(2, 16, 16, 3)).astype("float32")
    expected = _numpy_autoencoder(model, x, unpooling)
    got = model.predict(x, verbose=0)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert 0.05 < expected.std()  # not saturated: the test sees real numbers


def test_switch_and_fixed_corner_differ_only_in_the_unpooling():
    switch = _build("switch")
    fixed = _build("fixed_corner")
    _randomise(switch, seed=4)
    fixed.set_weights(switch.get_weights())  # same weights, same layout
    assert _weights(fixed) == _weights(switch)
    assert [type(l).__name__ for l in switch.layers if "unpool" in l.name] == [
        "SwitchUnpooling2D"
    ] * 2
    assert [type(l).__name__ for l in fixed.layers if "unpool" in l.name] == [
        "FixedCornerUnpooling2D"
    ] * 2
    x = np.random.default_rng(5).uniform(size=(1, 16, 16, 3)).astype("float32")
    assert not np.allclose(switch.predict(x, verbose=0), fixed.predict(x, verbose=0))


def test_errors(tmp_path):
    with pytest.raises(
        UserError,
        match="Unknown unpooling 'nearest': use one of 'switch', 'fixed_corner'.",
    ):
        _build("nearest")
    with pytest.raises(UserError, match="No model file at "):
        tied_autoencoder.load_autoencoder(str(tmp_path / "missing.keras"))


def test_model_is_a_keras_functional_with_named_layers():
    model = _build("switch")
    assert isinstance(model, keras.Model)
    assert [l.name for l in model.layers] == [
        "image",
        "conv1",
        "pool1",
        "conv2",
        "pool2",
        "unpool2",
        "unpool1",
    ]
