"""Files users saved before the reorganisation of `gen/` still load.

The fixtures (tests/fixtures/saved_models/README.md) were written by the
code of commit c3ba44e; every class they hold is found by its registered
name, so they load with `safe_mode=True` after ``import layers, gen.models``
and give the outputs stored beside them.
"""

import pathlib

import keras
import numpy as np
import pytest

import gen.models  # noqa: F401  (registers the project's Keras objects)
import layers
from gen.models import losses, metrics, optimizers

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "saved_models"


@pytest.fixture(scope="module")
def expected():
    return np.load(FIXTURES / "expected.npz")


def test_every_registered_class_loads_with_its_outputs_and_optimiser(expected):
    model = keras.models.load_model(
        FIXTURES / "every_registered_class.keras", safe_mode=True
    )
    out = model.predict(expected["images"], verbose=0)
    np.testing.assert_allclose(out["rgb"], expected["rgb"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(out["mask"], expected["mask"], rtol=1e-6, atol=1e-6)
    found = {type(layer) for layer in model.layers}
    assert {
        layers.MaxPoolingWithSwitches2D,
        layers.SwitchUnpooling2D,
        layers.FixedCornerUnpooling2D,
        layers.RandomUnpooling2D,
        layers.UnpoolConv2D,
        layers.TiedConv2D,
    } <= found
    assert model.get_layer("tied").activation is (
        gen.models.chairs_generator.leaky_relu_01
    )

    optimizer = model.optimizer
    assert isinstance(optimizer, optimizers.FusedAdam)
    assert isinstance(optimizer._learning_rate, optimizers.LearningRate)
    assert optimizer._learning_rate.get_config() == {
        "peak": 1e-3,
        "total_steps": 10,
        "kind": "cosine",
        "warmup_steps": 2,
    }
    assert int(optimizer.iterations.numpy()) == int(expected["iterations"])
    assert float(optimizer.learning_rate.numpy()) == pytest.approx(
        float(expected["learning_rate"]), rel=1e-6
    )
    np.testing.assert_allclose(
        [float(np.sum(v.numpy())) for v in optimizer.variables],
        expected["momentum_sums"],
        rtol=1e-6,
        atol=1e-9,
    )

    # The compiled losses and metrics came back as the project's classes.
    config = model.get_compile_config()
    assert (
        keras.saving.deserialize_keras_object(config["loss"]["rgb"]).__class__
        is losses.EuclideanLoss
    )
    assert [
        keras.saving.deserialize_keras_object(m).__class__
        for m in config["metrics"]["rgb"] + config["metrics"]["mask"]
    ] == [metrics.PSNR, metrics.MaskIoU]


def test_tied_autoencoder_loads_tied_with_its_outputs(expected):
    model = keras.models.load_model(FIXTURES / "tied_autoencoder.keras", safe_mode=True)
    np.testing.assert_allclose(
        model.predict(expected["images"], verbose=0),
        expected["reconstructions"],
        rtol=1e-6,
        atol=1e-6,
    )
    kernels = [w.path for w in model.weights if w.name == "kernel"]
    assert kernels == ["conv1/kernel", "conv2/kernel"]
