"""MaxPoolingWithSwitches2D / SwitchUnpooling2D against a numpy deconvnet."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import layers
from tests import references

CONFIGS = [
    # pool, strides, padding, input (H, W)
    ((2, 2), (2, 2), "valid", (4, 6)),
    ((2, 2), (2, 2), "valid", (5, 7)),      # odd sizes: last row/col unused
    ((2, 2), (2, 2), "same", (5, 7)),
    ((3, 3), (2, 2), "valid", (7, 6)),      # overlapping windows
    ((3, 3), (2, 2), "same", (6, 5)),
    ((3, 3), (1, 1), "same", (4, 5)),       # heavy overlap
    ((2, 3), (1, 2), "valid", (5, 8)),
    ((2, 2), (3, 3), "same", (7, 8)),       # gaps between windows
    ((1, 1), (3, 3), "same", (9, 7)),       # windows cover less than the input
]


def _random_input(hw, seed, channels=3, batch=2, ties=False):
    rng = np.random.default_rng(seed)
    if ties:
        return rng.integers(0, 3, size=(batch,) + hw + (channels,)).astype(
            "float32")
    return rng.normal(size=(batch,) + hw + (channels,)).astype("float32")


@pytest.mark.parametrize("pool, strides, padding, hw", CONFIGS)
@pytest.mark.parametrize("ties", [False, True])
def test_matches_numpy_deconvnet(pool, strides, padding, hw, ties):
    x = _random_input(hw, seed=sum(hw), ties=ties)
    layer = layers.MaxPoolingWithSwitches2D(pool, strides, padding)
    pooled, switches = layer(x)
    ref_pooled, where = references.max_pool_argmax(x, pool, strides, padding)
    np.testing.assert_array_equal(pooled, ref_pooled)
    assert switches.shape == x.shape

    updates = _random_input(pooled.shape[1:3], seed=5, channels=3)
    y = layer.matching_unpooling()(updates, switches)
    assert y.shape == x.shape
    np.testing.assert_allclose(y, references.switch_unpool(updates, where, hw),
                               rtol=1e-6, atol=1e-6)


def test_golden_case_from_tf_addons():
    x = np.array([[1, 2, 4, 3], [8, 6, 7, 5], [9, 10, 12, 11],
                  [13, 16, 15, 14]], "float32").reshape(1, 4, 4, 1)
    pool = layers.MaxPoolingWithSwitches2D(2)
    pooled, switches = pool(x)
    y = pool.matching_unpooling()(pooled, switches)
    np.testing.assert_array_equal(
        y[0, :, :, 0], [[0, 0, 0, 0], [8, 0, 7, 0], [0, 0, 0, 0], [0, 16, 15, 0]])


@pytest.mark.parametrize("jit_compile", [False, True])
def test_ties_go_to_the_first_maximum_in_row_major_order(jit_compile):
    pool = layers.MaxPoolingWithSwitches2D(2)
    unpool = pool.matching_unpooling()
    x = np.ones((1, 2, 4, 1), "float32")
    x[0, 1, 2, 0] = x[0, 0, 3, 0] = 0.5
    y = tf.function(lambda t: unpool(*pool(t)), jit_compile=jit_compile)(x)
    np.testing.assert_array_equal(y[0, :, :, 0], [[1, 0, 1, 0], [0, 0, 0, 0]])


def test_overlapping_windows_add():
    # 1-D along width: windows of 3 with stride 2 over [0, 1, 9, 1, 0]
    # both pick position 2, so unpooling adds their values there.
    x = np.array([0, 1, 9, 1, 0], "float32").reshape(1, 1, 5, 1)
    pool = layers.MaxPoolingWithSwitches2D((1, 3), (1, 2))
    pooled, switches = pool(x)
    np.testing.assert_array_equal(pooled[0, 0, :, 0], [9, 9])
    y = pool.matching_unpooling()(np.array([2, 5], "float32").reshape(1, 1, 2, 1),
                                  switches)
    np.testing.assert_array_equal(y[0, 0, :, 0], [0, 0, 7, 0, 0])


def test_pooled_equals_keras_max_pooling():
    x = _random_input((9, 8), seed=3)
    for pool, strides, padding in [(2, None, "valid"), (3, 2, "same"),
                                   ((2, 3), (1, 2), "same")]:
        ours, _ = layers.MaxPoolingWithSwitches2D(pool, strides, padding)(x)
        theirs = keras.layers.MaxPooling2D(pool, strides, padding)(x)
        np.testing.assert_array_equal(ours, theirs)


def test_gradients_flow_to_updates_and_through_pooled():
    x = tf.constant(_random_input((6, 6), seed=4))
    pool = layers.MaxPoolingWithSwitches2D(3, 2, "same")
    unpool = pool.matching_unpooling()
    probe = tf.constant(_random_input((6, 6), seed=9))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        pooled, switches = pool(x)
        y = unpool(pooled, switches)
        loss = tf.reduce_sum(y * probe)
    # d loss / d x: pooled is max_pool(x), and unpooling is linear.
    with tf.GradientTape() as ref_tape:
        ref_tape.watch(x)
        ref_pooled = tf.nn.max_pool2d(x, 3, 2, "SAME")
        ref_loss = tf.reduce_sum(unpool(ref_pooled, tf.stop_gradient(switches))
                                 * probe)
    np.testing.assert_allclose(tape.gradient(loss, x),
                               ref_tape.gradient(ref_loss, x), rtol=1e-6)
    assert np.abs(tape.gradient(loss, x)).sum() > 0

    # d loss / d updates by finite differences (the map is linear).
    updates = tf.Variable(tf.random.normal(pooled.shape, seed=1))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(unpool(updates, switches) * probe)
    grad = tape.gradient(loss, updates).numpy()
    eps, flat = 1e-2, updates.numpy().ravel()
    for index in [0, 7, 20, flat.size - 1]:
        bumped = flat.copy()
        bumped[index] += eps
        delta = tf.reduce_sum(unpool(bumped.reshape(pooled.shape), switches)
                              * probe) - loss
        np.testing.assert_allclose(delta / eps, grad.ravel()[index], rtol=1e-3,
                                   atol=1e-4)


def test_dynamic_batch_and_xla():
    pool = layers.MaxPoolingWithSwitches2D(3, 2, "same")
    unpool = pool.matching_unpooling()

    @tf.function(jit_compile=True, input_signature=[
        tf.TensorSpec((None, 7, 5, 2), tf.float32)])
    def roundtrip(x):
        return unpool(*pool(x))

    for batch in (1, 3):
        x = _random_input((7, 5), seed=batch, channels=2, batch=batch)
        _, where = references.max_pool_argmax(x, (3, 3), (2, 2), "same")
        pooled = references.max_pool_argmax(x, (3, 3), (2, 2), "same")[0]
        np.testing.assert_allclose(roundtrip(x),
                                   references.switch_unpool(pooled, where, (7, 5)))


def test_unknown_spatial_size_outside_xla():
    inputs = keras.Input((None, None, 2))
    pool = layers.MaxPoolingWithSwitches2D(2, padding="same")
    outputs = pool.matching_unpooling()(*pool(inputs))
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, None, None, 2)
    x = _random_input((5, 3), seed=0, channels=2)
    pooled, where = references.max_pool_argmax(x, (2, 2), (2, 2), "same")
    np.testing.assert_allclose(model(x), references.switch_unpool(pooled, where,
                                                                  (5, 3)))


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
    with pytest.raises(ValueError, match="updates have 2 channels but the "
                                         "switches have 3"):
        unpool(pooled[..., :2], switches)
    with pytest.raises(ValueError, match="switches must be the floating-point"):
        unpool(pooled, tf.cast(switches, tf.int32))
    with pytest.raises(ValueError, match="rank 4"):
        unpool(pooled[0], switches)
    with pytest.raises(ValueError, match="ndim=4|rank 4"):
        pool(np.zeros((4, 4, 3), "float32"))
    inputs = keras.Input((6, 6, 3))
    p, s = pool(inputs)
    with pytest.raises(ValueError, match="gives pooled maps"):
        layers.SwitchUnpooling2D(3)(p, s)
