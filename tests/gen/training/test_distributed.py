"""gen.training.distributed and gen.training.cluster without a cluster: the
strategies, the chief, and every TF_CONFIG mistake (the end-to-end runs of
several workers are in tests/experiments/test_train_distributed.py)."""

import json

import pytest
import tensorflow as tf

from gen.errors import UserError
from gen.training import cluster, distributed


def test_default_and_mirrored_strategies():
    default = distributed.make_strategy("default")
    assert default.num_replicas_in_sync == 1
    assert distributed.is_chief(default)
    assert distributed.worker_count(default) == 1
    mirrored = distributed.make_strategy("mirrored")
    # One replica per GPU, or per logical CPU device where there is none.
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices(
        "CPU"
    )
    assert mirrored.num_replicas_in_sync == len(devices)
    assert distributed.any_worker(default, True) is True
    assert distributed.any_worker(default, False) is False


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "TF_CONFIG environment variable, which is not set"),
        ("[1, 2", "TF_CONFIG is not valid JSON"),
        (
            '{"task": {"type": "worker", "index": 0}}',
            "TF_CONFIG has no cluster of workers",
        ),
        (
            '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker"}}',
            "TF_CONFIG does not say which task this process is",
        ),
        (
            '{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 1}}',
            "TF_CONFIG's task worker 1 is not in its cluster, which "
            "has 1 worker task(s)",
        ),
    ],
)
def test_tf_config_mistakes(monkeypatch, value, message):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    if value is not None:
        monkeypatch.setenv("TF_CONFIG", value)
    with pytest.raises(
        UserError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        cluster.from_tf_config()
    with pytest.raises(UserError):
        distributed.make_strategy("multi_worker")


def test_a_good_tf_config_is_read(monkeypatch):
    config = {
        "cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]},
        "task": {"type": "worker", "index": 1},
    }
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert cluster.from_tf_config() == config


def test_the_time_limit_stops_every_worker_at_the_same_step():
    """Each step, the workers agree on whether any is over its time (here:
    the other worker says so at step 3, this one is never over)."""
    import time

    import keras
    import numpy as np

    from gen.training import callbacks

    asked = []

    def agree(over):
        asked.append(over)
        return len(asked) >= 3

    limit = callbacks.TimeLimit(60.0, time.perf_counter(), agree=agree)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(
        np.zeros((40, 2)),
        np.zeros((40, 1)),
        batch_size=4,
        epochs=1,
        callbacks=[limit],
        verbose=0,
    )
    assert asked == [False, False, False] and limit.stopped
    assert len(history.history["loss"]) == 1  # stopped within the epoch
