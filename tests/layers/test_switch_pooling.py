"""MaxPoolingWithSwitches2D / SwitchUnpooling2D against a numpy deconvnet,
on every backend (and each backend's recipe against the keras.ops one)."""

import keras
import numpy as np
import pytest

import layers
from layers import _switch_windows
from tests import references
from tests.layers.backend_utils import (
    compiled,
    gradients,
    matrix,
    tensorflow_only,
    to_numpy,
)

CONFIGS = [
    # pool, strides, padding, input (H, W)
    ((2, 2), (2, 2), "valid", (4, 6)),
    ((2, 2), (2, 2), "valid", (5, 7)),  # odd sizes: last row/col unused
    ((2, 2), (2, 2), "same", (5, 7)),
    ((3, 3), (2, 2), "valid", (7, 6)),  # overlapping windows
    ((3, 3), (2, 2), "same", (6, 5)),
    ((3, 3), (1, 1), "same", (4, 5)),  # heavy overlap
    ((2, 3), (1, 2), "valid", (5, 8)),
    ((2, 2), (3, 3), "same", (7, 8)),  # gaps between windows
    ((1, 1), (3, 3), "same", (9, 7)),  # windows cover less than the input
]


def _random_input(hw, seed, channels=3, batch=2, ties=False):
    rng = np.random.default_rng(seed)
    if ties:
        return rng.integers(0, 3, size=(batch,) + hw + (channels,)).astype("float32")
    return rng.normal(size=(batch,) + hw + (channels,)).astype("float32")


@pytest.mark.parametrize("pool, strides, padding, hw", CONFIGS)
@pytest.mark.parametrize("ties", matrix([False, True], [True]))
def test_matches_numpy_deconvnet(pool, strides, padding, hw, ties):
    x = _random_input(hw, seed=sum(hw), ties=ties)
    layer = layers.MaxPoolingWithSwitches2D(pool, strides, padding)
    pooled, switches = layer(x)
    ref_pooled, where = references.max_pool_argmax(x, pool, strides, padding)
    np.testing.assert_array_equal(to_numpy(pooled), ref_pooled)
    np.testing.assert_array_equal(to_numpy(switches), x)

    updates = _random_input(ref_pooled.shape[1:3], seed=5, channels=3)
    expected = references.switch_unpool(updates, where, hw)
    y = layer.matching_unpooling()(updates, switches)
    assert tuple(y.shape) == x.shape
    np.testing.assert_allclose(to_numpy(y), expected, rtol=1e-6, atol=1e-6)
    # The keras.ops definition, which every backend's recipe must equal.
    x_t = keras.ops.convert_to_tensor(x)
    np.testing.assert_array_equal(
        to_numpy(_switch_windows.pool_by_windows(x_t, pool, strides, padding)),
        ref_pooled,
    )
    y = _switch_windows.unpool_by_windows(
        keras.ops.convert_to_tensor(updates), x_t, pool, strides, padding
    )
    np.testing.assert_allclose(to_numpy(y), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "pool, strides, padding, hw", matrix(CONFIGS[1:6], CONFIGS[1:6:2])
)
def test_gradients_reach_updates_and_the_pooled_input(pool, strides, padding, hw):
    x = _random_input(hw, seed=4, ties=True)
    probe = _random_input(hw, seed=9)
    pool_layer = layers.MaxPoolingWithSwitches2D(pool, strides, padding)
    unpool = pool_layer.matching_unpooling()
    ref_pooled, where = references.max_pool_argmax(x, pool, strides, padding)
    updates = _random_input(ref_pooled.shape[1:3], seed=1)
    # d/d updates of sum(unpool(updates) * probe): the probe at each maximum.
    expected_updates = references.switch_unpool_gradient(probe, where)
    # Through the pooled maps: unpool(max_pool(x)) with fixed switches has
    # d/dx = the probe at each maximum, put back at that maximum (first
    # maximum on ties, as TensorFlow's and PyTorch's max pooling).
    expected_x = references.switch_unpool(expected_updates, where, hw)

    def through_pooling(t):
        y = unpool(*pool_layer(t))
        return keras.ops.sum(keras.ops.multiply(y, probe))

    def through_updates(u, s):
        return keras.ops.sum(keras.ops.multiply(unpool(u, s), probe))

    (grad_x,) = gradients(through_pooling, x)
    grad_updates, grad_switches = gradients(through_updates, updates, x)
    np.testing.assert_allclose(grad_x, expected_x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad_updates, expected_updates, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(grad_switches, 0)  # switches carry none


@pytest.mark.parametrize("compile_it", [False, True])
def test_ties_go_to_the_first_maximum_in_row_major_order(compile_it):
    pool = layers.MaxPoolingWithSwitches2D(2)
    unpool = pool.matching_unpooling()
    x = np.ones((1, 2, 4, 1), "float32")
    x[0, 1, 2, 0] = x[0, 0, 3, 0] = 0.5
    fn = lambda t: unpool(*pool(t))  # noqa: E731
    y = (compiled(fn) if compile_it else fn)(x)
    np.testing.assert_array_equal(to_numpy(y)[0, :, :, 0], [[1, 0, 1, 0], [0, 0, 0, 0]])


def test_overlapping_windows_add():
    # 1-D along width: windows of 3 with stride 2 over [0, 1, 9, 1, 0]
    # both pick position 2, so unpooling adds their values there.
    x = np.array([0, 1, 9, 1, 0], "float32").reshape(1, 1, 5, 1)
    pool = layers.MaxPoolingWithSwitches2D((1, 3), (1, 2))
    pooled, switches = pool(x)
    np.testing.assert_array_equal(to_numpy(pooled)[0, 0, :, 0], [9, 9])
    y = pool.matching_unpooling()(
        np.array([2, 5], "float32").reshape(1, 1, 2, 1), switches
    )
    np.testing.assert_array_equal(to_numpy(y)[0, 0, :, 0], [0, 0, 7, 0, 0])


def test_pooled_equals_keras_max_pooling():
    x = _random_input((9, 8), seed=3)
    for pool, strides, padding in [
        (2, None, "valid"),
        (3, 2, "same"),
        ((2, 3), (1, 2), "same"),
    ]:
        ours, _ = layers.MaxPoolingWithSwitches2D(pool, strides, padding)(x)
        theirs = keras.layers.MaxPooling2D(pool, strides, padding)(x)
        np.testing.assert_array_equal(to_numpy(ours), to_numpy(theirs))


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_compiled_with_any_batch_size(padding):
    # TensorFlow: one XLA function; JAX: jax.jit; PyTorch: eager.
    pool = layers.MaxPoolingWithSwitches2D(3, 2, padding)
    unpool = pool.matching_unpooling()
    roundtrip = compiled(lambda t: unpool(*pool(t)))
    for batch in (1, 3):
        x = _random_input((7, 5), seed=batch, channels=2, batch=batch)
        pooled, where = references.max_pool_argmax(x, (3, 3), (2, 2), padding)
        np.testing.assert_allclose(
            to_numpy(roundtrip(x)), references.switch_unpool(pooled, where, (7, 5))
        )


def test_unknown_spatial_size():
    inputs = keras.Input((None, None, 2))
    pool = layers.MaxPoolingWithSwitches2D(2, padding="same")
    outputs = pool.matching_unpooling()(*pool(inputs))
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, None, None, 2)
    x = _random_input((5, 3), seed=0, channels=2)
    pooled, where = references.max_pool_argmax(x, (2, 2), (2, 2), "same")
    np.testing.assert_allclose(
        to_numpy(model(x)), references.switch_unpool(pooled, where, (5, 3))
    )


def test_switches_from_another_pooling_are_recomputed():
    # Unpooling with switches that a pooling with other arguments returned
    # (PyTorch keeps its indices on the switches) routes by its own windows.
    x = _random_input((6, 6), seed=2)
    _, switches = layers.MaxPoolingWithSwitches2D(2)(x)
    updates = _random_input((2, 2), seed=3)
    y = layers.SwitchUnpooling2D(3)(updates, switches)
    _, where = references.max_pool_argmax(x, (3, 3), (3, 3), "valid")
    np.testing.assert_allclose(
        to_numpy(y), references.switch_unpool(updates, where, (6, 6))
    )


@tensorflow_only
@pytest.mark.parametrize("kept", [True, False])
def test_tensorflow_graphs_route_by_the_poolings_own_indices(kept, monkeypatch):
    # Outside XLA the pooling's argmax rides on the switches: the unpooling
    # finds no maximum again unless the switches lost it (here: a copy).
    import tensorflow as tf

    calls = []
    argmax = tf.nn.max_pool_with_argmax

    def counted(*args, **kwargs):
        calls.append(args[0].shape)
        return argmax(*args, **kwargs)

    monkeypatch.setattr(tf.nn, "max_pool_with_argmax", counted)
    pool = layers.MaxPoolingWithSwitches2D(3, 2, "same")
    unpool = pool.matching_unpooling()

    @tf.function
    def roundtrip(t):
        pooled, switches = pool(t)
        return unpool(pooled * 2.0, switches if kept else tf.identity(switches))

    x = _random_input((7, 6), seed=6, ties=True)
    y = roundtrip(x)
    assert len(calls) == (1 if kept else 2)
    pooled, where = references.max_pool_argmax(x, (3, 3), (2, 2), "same")
    np.testing.assert_allclose(
        to_numpy(y), references.switch_unpool(pooled * 2.0, where, (7, 6))
    )


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="PyTorch-specific")
@pytest.mark.parametrize("kept", [True, False])
def test_torch_switches_carry_the_poolings_indices(kept, monkeypatch):
    # The switches are a tensor subclass holding max_pool2d's indices: the
    # unpooling pools again only when they are lost (here: a copy).
    import torch.nn.functional as F

    calls = []
    max_pool2d = F.max_pool2d

    def counted(*args, **kwargs):
        calls.append(args[0].shape)
        return max_pool2d(*args, **kwargs)

    monkeypatch.setattr(F, "max_pool2d", counted)
    pool = layers.MaxPoolingWithSwitches2D(3, 2, "same")
    x = _random_input((7, 6), seed=6, ties=True)
    pooled, switches = pool(x)
    np.testing.assert_array_equal(to_numpy(switches), x)
    y = pool.matching_unpooling()(pooled * 2.0, switches if kept else switches * 1)
    assert len(calls) == (1 if kept else 2)
    ref_pooled, where = references.max_pool_argmax(x, (3, 3), (2, 2), "same")
    np.testing.assert_allclose(
        to_numpy(y), references.switch_unpool(ref_pooled * 2.0, where, (7, 6))
    )


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="`pool_size` must be a positive"):
        layers.MaxPoolingWithSwitches2D(0)
    with pytest.raises(ValueError, match="`strides` must be a positive"):
        layers.SwitchUnpooling2D(2, strides=(1, 0))
    with pytest.raises(ValueError, match="`padding` must be 'valid' or 'same'"):
        layers.MaxPoolingWithSwitches2D(2, padding="full")
    pool = layers.MaxPoolingWithSwitches2D(2)
    pooled, switches = pool(_random_input((6, 6), seed=0))
    unpool = pool.matching_unpooling()
    with pytest.raises(ValueError, match="gives pooled maps of 3x3"):
        unpool(pooled[:, :2], switches)
    with pytest.raises(
        ValueError, match="updates have 2 channels but the switches have 3"
    ):
        unpool(pooled[..., :2], switches)
    with pytest.raises(ValueError, match="switches must be the floating-point"):
        unpool(pooled, keras.ops.cast(switches, "int32"))
    with pytest.raises(ValueError, match="rank 4"):
        unpool(pooled[0], switches)
    with pytest.raises(ValueError, match="ndim=4|rank 4"):
        pool(np.zeros((4, 4, 3), "float32"))
    inputs = keras.Input((6, 6, 3))
    p, s = pool(inputs)
    with pytest.raises(ValueError, match="gives pooled maps"):
        layers.SwitchUnpooling2D(3)(p, s)
