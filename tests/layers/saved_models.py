"""A model with every layer, saved on one backend and loaded on another.

`save(folder)` writes ``every_layer.keras`` with its inputs and outputs;
`check(folder)` loads that file with ``safe_mode=True`` on the running
backend and compares the outputs. `tests/layers/test_backends.py` saves on
TensorFlow, the JAX and PyTorch runs load that and save their own, and
TensorFlow loads theirs.
"""

import os

import keras
import numpy as np

import layers
from tests.layers.backend_utils import to_numpy

FILE = "every_layer.keras"
ARRAYS = "every_layer.npz"


def every_layer_model():
    """Every registered layer (every UnpoolConv2D implementation, a
    TiedConv2D both ways and one used only forwards) in one small model."""
    image = keras.Input((8, 10, 3), name="image")
    pool = layers.MaxPoolingWithSwitches2D(2, name="pool")
    pooled, switches = pool(image)
    tied = layers.TiedConv2D(
        4, 3, strides=2, activation="relu", bias_initializer="ones", name="tied"
    )
    back = tied(tied(pooled), transpose=True)
    encoder = layers.TiedConv2D(3, 3, padding="valid", name="encoder_only")
    switch = layers.SwitchUnpooling2D(2, name="switch_unpool")(back, switches)
    overlapping = layers.MaxPoolingWithSwitches2D(3, 2, "same", name="pool3")
    p3, s3 = overlapping(image)
    switch3 = overlapping.matching_unpooling(name="switch_unpool3")(p3, s3)
    corner = layers.FixedCornerUnpooling2D(2, (1, 0), name="corner")(pooled)
    random = layers.RandomUnpooling2D(2, seed=3, name="random")(pooled)
    uconvs = [
        layers.UnpoolConv2D(
            2,
            3,
            implementation=implementation,
            bias_initializer="ones",
            name=f"uconv_{implementation}",
        )(pooled)
        for implementation in ("auto", "phases", "subpixel", "transpose")
    ]
    mixed = keras.layers.Concatenate(name="mixed")(
        [switch, switch3, corner, random] + uconvs
    )
    return keras.Model(
        image, {"mixed": mixed, "encoded": encoder(image)}, name="every_layer"
    )


def _inputs():
    return np.random.default_rng(0).normal(size=(2, 8, 10, 3)).astype("float32")


def _outputs(model, x):
    outputs = model(x)
    return {name: to_numpy(value) for name, value in outputs.items()}


def save(folder):
    os.makedirs(folder, exist_ok=True)
    keras.utils.set_random_seed(1)
    model = every_layer_model()
    # Non-zero weights everywhere, so that every weight shows in the outputs.
    rng = np.random.default_rng(2)
    model.set_weights(
        [
            rng.normal(size=w.shape).astype(w.dtype)
            if "float" in str(w.dtype)
            else to_numpy(w)
            for w in model.weights
        ]
    )
    x = _inputs()
    model.save(os.path.join(folder, FILE))
    np.savez(os.path.join(folder, ARRAYS), x=x, **_outputs(model, x))


def check(folder):
    expected = np.load(os.path.join(folder, ARRAYS))
    loaded = keras.models.load_model(os.path.join(folder, FILE), safe_mode=True)
    assert [w.name for w in loaded.get_layer("tied").weights] == [
        "kernel",
        "bias",
        "transpose_bias",
    ]
    assert [w.name for w in loaded.get_layer("encoder_only").weights] == [
        "kernel",
        "bias",
    ]
    outputs = _outputs(loaded, expected["x"])
    for name in ("mixed", "encoded"):
        np.testing.assert_allclose(
            outputs[name], expected[name], rtol=1e-5, atol=1e-5, err_msg=name
        )
