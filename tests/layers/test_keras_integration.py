"""Every layer through Keras' machinery: config, .keras files, shapes,
dtypes and XLA."""

import keras
import numpy as np
import pytest

import layers
from tests.layers.backend_utils import (
    jit_compile_setting,
    matrix,
    tensorflow_only,
    to_numpy,
)


def _unpool_model():
    inputs = keras.Input((4, 5, 3))
    h = keras.layers.Conv2D(2, 1)(inputs)
    return keras.Model(inputs, layers.FixedCornerUnpooling2D((2, 3), (1, 2))(h))


def _random_unpool_model():
    inputs = keras.Input((4, 5, 3))
    h = keras.layers.Conv2D(2, 1)(inputs)
    return keras.Model(inputs, layers.RandomUnpooling2D(2, seed=1)(h))


def _switch_model():
    inputs = keras.Input((7, 5, 3))
    h = keras.layers.Conv2D(2, 1)(inputs)
    pool = layers.MaxPoolingWithSwitches2D(3, 2, "same")
    pooled, switches = pool(h)
    pooled = keras.layers.Conv2D(2, 1)(pooled)
    return keras.Model(inputs, pool.matching_unpooling()(pooled, switches))


def _uconv_model():
    inputs = keras.Input((2, 2, 3))
    h = layers.UnpoolConv2D(4, 5, activation="relu")(inputs)
    h = layers.UnpoolConv2D(3, 3, implementation="transpose")(h)
    return keras.Model(
        inputs,
        layers.UnpoolConv2D(2, 3, size=3, corner=(1, 2), implementation="subpixel")(h),
    )


def _tied_model():
    inputs = keras.Input((7, 7, 3))
    conv = layers.TiedConv2D(4, 3, strides=2, activation="relu")
    return keras.Model(inputs, conv(conv(inputs), transpose=True))


MODELS = {
    "fixed_corner": (_unpool_model, (4, 8, 15, 2)),
    "random": (_random_unpool_model, (4, 8, 10, 2)),
    "switches": (_switch_model, (4, 7, 5, 2)),
    "uconv": (_uconv_model, (4, 24, 24, 2)),
    "tied": (_tied_model, (4, 7, 7, 3)),
}

LAYER_INSTANCES = [
    layers.FixedCornerUnpooling2D((2, 3), (1, 2), name="a"),
    layers.RandomUnpooling2D(3, seed=4),
    layers.MaxPoolingWithSwitches2D((2, 3), (1, 2), "same"),
    layers.SwitchUnpooling2D(3, 2, "same"),
    layers.UnpoolConv2D(
        7,
        (3, 5),
        size=(2, 3),
        corner=(1, 0),
        activation="tanh",
        use_bias=False,
        kernel_regularizer="l2",
        implementation="phases",
    ),
    layers.TiedConv2D(
        6,
        3,
        strides=2,
        padding="valid",
        activation="relu",
        transpose_activation="sigmoid",
        bias_initializer="ones",
    ),
]


def _inputs(name, batch=4):
    model = MODELS[name][0]()
    shape = (batch,) + tuple(model.input_shape[1:])
    return np.random.default_rng(0).normal(size=shape).astype("float32")


@pytest.mark.parametrize("layer", LAYER_INSTANCES, ids=lambda l: type(l).__name__)
def test_get_config_round_trips(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer)
    )
    assert type(restored) is type(layer)
    assert restored.get_config() == config
    registered = keras.saving.serialize_keras_object(layer)["registered_name"]
    assert registered == f"layers>{type(layer).__name__}"


@pytest.mark.parametrize("name", MODELS)
def test_output_shape_is_exact_with_unknown_batch(name):
    model = MODELS[name][0]()
    assert model.output_shape[0] is None
    assert tuple(model.output_shape[1:]) == MODELS[name][1][1:]
    assert tuple(model(_inputs(name)).shape) == MODELS[name][1]


@pytest.mark.parametrize("name", MODELS)
def test_saved_model_loads_with_safe_mode(name, tmp_path):
    model = MODELS[name][0]()
    x = _inputs(name)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        to_numpy(loaded(x)), to_numpy(model(x)), rtol=1e-6, atol=1e-6
    )
    assert len(loaded.weights) == len(model.weights)


@pytest.mark.parametrize("name", MODELS)
def test_compiled_fit_keeps_its_compilation(name):
    # TensorFlow: jit_compile=True (XLA) stays on; JAX: Keras' default
    # jax.jit stays on; PyTorch: eager.
    model = MODELS[name][0]()
    jit = jit_compile_setting()
    model.compile(optimizer="adam", loss="mse", jit_compile=jit)
    assert model.jit_compile is jit
    x = _inputs(name, batch=8)
    y = np.zeros((8,) + MODELS[name][1][1:], "float32")
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert model.jit_compile is jit
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize(
    "policy", matrix(["bfloat16", "mixed_bfloat16"], ["mixed_bfloat16"])
)
def test_bfloat16_policies(name, policy):
    reference = MODELS[name][0]()
    x = _inputs(name)
    expected = reference.predict(x, verbose=0)
    keras.config.set_dtype_policy(policy)
    model = MODELS[name][0]()
    model.set_weights(reference.get_weights())
    y = model(x)
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    variable_dtype = "float32" if policy == "mixed_bfloat16" else "bfloat16"
    assert all(w.dtype == variable_dtype for w in model.weights if w.trainable)
    y = to_numpy(keras.ops.cast(y, "float32"))
    model.compile(optimizer="sgd", loss="mse")
    model.train_on_batch(x, y)
    if name == "switches":
        # bfloat16 rounding can turn a near-tie into a different maximum,
        # which moves a value but keeps it: compare per-map sums.
        y, expected = y.sum(axis=(1, 2)), expected.sum(axis=(1, 2))
    scale = np.abs(expected).max() + 1e-6
    np.testing.assert_allclose(y / scale, expected / scale, atol=3e-2)


@tensorflow_only
@pytest.mark.parametrize("name", MODELS)
def test_xla_with_unknown_batch_size(name):
    import tensorflow as tf

    model = MODELS[name][0]()
    spec = tf.TensorSpec((None,) + tuple(model.input_shape[1:]), tf.float32)
    run = tf.function(lambda t: model(t), jit_compile=True, input_signature=[spec])
    for batch in (1, 3):
        x = _inputs(name, batch=batch)
        np.testing.assert_allclose(
            to_numpy(run(x)), to_numpy(model(x)), rtol=1e-5, atol=1e-5
        )
