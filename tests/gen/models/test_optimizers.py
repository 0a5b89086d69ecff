"""FusedAdam is keras.optimizers.Adam, computed by TensorFlow's fused kernel;
the learning-rate schedules."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gen.models import optimizers
from gen.models.optimizers import FusedAdam


def _train(optimizer, policy, initial, x, y, steps=5):
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(7, activation="relu", dtype=policy),
            keras.layers.Dense(3, dtype=policy),
        ]
    )
    model.set_weights(initial)
    model.compile(optimizer, "mse")
    for _ in range(steps):
        model.train_on_batch(x, y)
    return model


@pytest.mark.parametrize("weight_decay", [None, 0.5])
@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_same_updates_as_keras_adam(policy, weight_decay):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 5)).astype("float32")
    y = rng.normal(size=(16, 3)).astype("float32")
    initial = [
        rng.normal(size=s).astype("float32") * 0.3 for s in ((5, 7), (7,), (7, 3), (3,))
    ]
    settings = dict(
        learning_rate=1e-2,
        beta_1=0.8,
        beta_2=0.99,
        epsilon=1e-6,
        weight_decay=weight_decay,
    )
    ours = _train(FusedAdam(**settings), policy, initial, x, y)
    theirs = _train(keras.optimizers.Adam(**settings), policy, initial, x, y)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-6)
    assert not np.allclose(ours.get_weights()[0], initial[0])


@pytest.mark.parametrize("weight_decay", [None, 0.3])
def test_one_step_by_hand(weight_decay):
    variable = keras.Variable(np.array([1.0, -1.0, 0.5], "float32"))
    optimizer = FusedAdam(learning_rate=0.1, epsilon=1e-6, weight_decay=weight_decay)
    optimizer.build([variable])
    grad = np.array([1.0, -2.0, 0.0], "float32")
    optimizer.apply_gradients([(tf.constant(grad), variable)])
    # Decoupled weight decay (AdamW): the weights shrink by lr x decay
    # first; the gradient is not changed by it.
    start = np.array([1.0, -1.0, 0.5]) * (1 - 0.1 * (weight_decay or 0))
    m = 0.1 * grad
    v = 0.001 * grad**2
    rate = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = start - rate * m / (np.sqrt(v) + 1e-6)
    np.testing.assert_allclose(variable.numpy(), expected, rtol=1e-5)


def test_checkpoints_interchange_with_keras_adam(tmp_path):
    variable = keras.Variable(np.ones(4, "float32"))
    adam = keras.optimizers.Adam(0.1)
    adam.build([variable])
    adam.apply_gradients([(tf.ones(4), variable)])
    path = tf.train.Checkpoint(optimizer=adam, v=variable).save(str(tmp_path / "c"))
    fresh = keras.Variable(np.zeros(4, "float32"))
    fused = FusedAdam(0.1)
    fused.build([fresh])
    tf.train.Checkpoint(optimizer=fused, v=fresh).restore(path).assert_consumed()
    assert int(fused.iterations.numpy()) == 1
    np.testing.assert_array_equal(fused.variables[2].numpy(), adam.variables[2].numpy())


def test_falls_back_for_amsgrad_and_serializes():
    variable = keras.Variable(np.ones(2, "float32"))
    optimizer = FusedAdam(0.1, amsgrad=True)
    optimizer.build([variable])
    optimizer.apply_gradients([(tf.constant([1.0, 1.0]), variable)])
    assert variable.numpy()[0] < 1.0
    config = keras.optimizers.serialize(FusedAdam(3e-4, epsilon=1e-6))
    restored = keras.optimizers.deserialize(config)
    assert isinstance(restored, FusedAdam) and restored.epsilon == 1e-6


def test_learning_rate_schedules():
    constant = optimizers.LearningRate(1e-3, 600, "constant", warmup_steps=10)
    np.testing.assert_allclose(float(constant(0)), 1e-4, rtol=1e-6)
    np.testing.assert_allclose(float(constant(300)), 1e-3, rtol=1e-6)
    step = optimizers.LearningRate(2e-4, 300, "step")
    assert float(step(249)) == pytest.approx(2e-4)
    assert float(step(250)) == pytest.approx(1e-4)
    cosine = optimizers.LearningRate(1e-3, 100, "cosine")
    assert float(cosine(50)) == pytest.approx(5e-4, rel=1e-5)
    assert float(cosine(100)) == pytest.approx(0.0, abs=1e-9)


def test_a_new_horizon_reaches_a_traced_step_without_a_new_trace():
    # --fit_to_time moves a run's end while the training step is traced;
    # the step must follow the new horizon without being traced again.
    schedule = optimizers.LearningRate(1e-3, 1000, "cosine")
    # Steps as tensors, as the optimiser's step counter is.
    rate = tf.function(schedule)
    assert float(rate(tf.constant(250))) == pytest.approx(
        1e-3 * 0.5 * (1 + np.cos(np.pi * 250 / 1000)), rel=1e-5
    )
    schedule.total_steps = 500
    assert float(rate(tf.constant(250))) == pytest.approx(5e-4, rel=1e-5)
    assert float(rate(tf.constant(500))) == pytest.approx(0.0, abs=1e-9)
    halved = optimizers.LearningRate(2e-4, 300, "step")
    dropped = tf.function(halved)
    assert float(dropped(tf.constant(200))) == pytest.approx(2e-4)
    halved.total_steps = 240
    assert float(dropped(tf.constant(200))) == pytest.approx(1e-4)
    assert rate.experimental_get_tracing_count() == 1
    assert dropped.experimental_get_tracing_count() == 1
    # The setting, not the variable, is what the schedule saves.
    assert schedule.get_config()["total_steps"] == 500
    assert optimizers.LearningRate.from_config(schedule.get_config()).total_steps == 500
