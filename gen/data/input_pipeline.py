"""From the chairs data in memory to the generator's batches.

    data = chairs_data.load_chairs("synthetic_chairs", resolution=64)
    train = splits.select(data, holdout="views", subset="train")
    batches = training_batches(train, batch_size=64, seed=0, augment=True,
                               ramp_steps=10_000)
    inputs, targets = next(iter(batches))

`training_batches` and `eval_batches` turn a `gen.data.chairs_data.ChairsData`
into `(inputs, targets)` batches of float32:

- inputs["class"]: [B, num_classes] one-hot of the chair style;
- inputs["view"]: [B, 4] = [sin az, cos az, sin el, cos el];
- inputs["transform"]: [B, NUM_TRANSFORM] theta of `gen.data.augment`
  (zeros without augmentation);
- targets["rgb"]: [B, R, R, 3] the image in [0, 1] times its mask;
- targets["mask"]: [B, R, R, 1] in {0, 1}.

Training batches are a pure function of (seed, start_step): global example
`i = step * batch_size + k` is example `index_shuffle(i % N)` of a
permutation drawn (statelessly) from the seed and the epoch `i // N`, and its
augmentation is drawn from the seed and `i` at strength
`min(1, step / ramp_steps)` (1 when `ramp_steps == 0`). A run resumes at any
step by asking for `start_step=step`, with no iterator state to save, and
the workers of a distributed run each make their own part of every batch
(`shard`, `shards`) from the same formula.

The data are held in memory, so the pipeline only gathers, augments and
batches (in parallel, prefetched): it delivers many times the images per
second that a training step consumes (`python -m experiments.bench_data`).
"""

import numpy as np
import tensorflow as tf

from gen.data import augment as augmentation
from gen.errors import UserError

NUM_TRANSFORM = augmentation.NUM_TRANSFORM


def _derived_seed(seed, stream):
    """An independent int64 seed for each random stream of a run."""
    return int(
        np.random.SeedSequence([seed, stream]).generate_state(1, np.uint64)[0] >> 1
    )


class _Batcher:
    """Makes (inputs, targets) from row indices and theta; holds the data as tensors."""

    def __init__(self, data, augmented):
        if len(data) == 0:
            raise UserError("The dataset has no rows: check the holdout and subset.")
        self._images = tf.constant(data.images)
        self._masks = tf.constant(data.masks)
        self._chair_ids = tf.constant(data.chair_ids)
        self._views = tf.constant(_view_vectors(data.azimuths, data.elevations))
        self._num_classes = data.num_classes
        self._augmented = augmented

    def __call__(self, index, theta):
        images = tf.cast(tf.gather(self._images, index), tf.float32) / 255.0
        masks = tf.cast(tf.gather(self._masks, index), tf.float32)
        if self._augmented:
            images, masks = augmentation.apply(images, masks, theta)
        inputs = {
            "class": tf.one_hot(tf.gather(self._chair_ids, index), self._num_classes),
            "view": tf.gather(self._views, index),
            "transform": theta,
        }
        return inputs, {"rgb": images * masks, "mask": masks}


def _view_vectors(azimuths, elevations):
    az, el = np.radians(azimuths), np.radians(elevations)
    return np.stack([np.sin(az), np.cos(az), np.sin(el), np.cos(el)], axis=1).astype(
        np.float32
    )


def training_batches(
    data,
    *,
    batch_size,
    seed,
    start_step=0,
    augment=False,
    ramp_steps=0,
    shuffle=True,
    shard=0,
    shards=1,
    per_replica_batch=None,
):
    """Infinite training batches, a pure function of (seed, start_step).

    Args:
      data: a `ChairsData`.
      batch_size: examples per (global) batch.
      seed: int; the order and augmentation of every example.
      start_step: the first batch is batch `start_step` of the run.
      augment: apply and report `gen.data.augment` transforms.
      ramp_steps: augmentation strength grows linearly from 0 at step 0 to 1
        at step `ramp_steps` (0: full strength from the start).
      shuffle: a fresh permutation every epoch (False: the data's order).
      shard, shards: make only part `shard` of `shards` equal parts of every
        batch (rows ``shard * b .. (shard + 1) * b - 1`` with
        ``b = batch_size / shards``): what one of `shards` workers trains on.
      per_replica_batch: split each (part of a) batch into batches of this
        size, one for each replica of the worker, in turn (default: no
        split).

    Returns:
      A `tf.data.Dataset` of (inputs, targets) (see the module docstring).
    """
    if batch_size < 1 or start_step < 0 or ramp_steps < 0:
        raise UserError(
            f"batch_size must be >= 1 and start_step, ramp_steps >= 0, got "
            f"{batch_size}, {start_step}, {ramp_steps}."
        )
    if batch_size % shards or not 0 <= shard < shards:
        raise UserError(
            f"batch_size {batch_size} must split into {shards} "
            f"equal parts, and part {shard} be one of them."
        )
    part = batch_size // shards
    batcher = _Batcher(data, augment)
    n = len(data)
    order_seed, augment_seed = _derived_seed(seed, 0), _derived_seed(seed, 1)

    def global_index(c):
        """The run's example number of this part's example number `c`."""
        return c // part * batch_size + shard * part + c % part

    def locate(i):
        position = i % n
        if shuffle:
            key = tf.stack([tf.constant(order_seed, tf.int64), i // n])
            index = tf.random.experimental.index_shuffle(position, key, n - 1)
        else:
            index = position
        if augment:
            step = tf.cast(i // batch_size, tf.float32)
            strength = tf.minimum(1.0, step / ramp_steps) if ramp_steps else 1.0
            theta = augmentation.draw_theta(augment_seed, i, strength)
        else:
            theta = tf.zeros([NUM_TRANSFORM], tf.float32)
        return index, theta

    batches = (
        tf.data.Dataset.counter(start=start_step * part)
        .map(lambda c: locate(global_index(c)), num_parallel_calls=tf.data.AUTOTUNE)
        .batch(part, drop_remainder=True)
        .map(batcher, num_parallel_calls=tf.data.AUTOTUNE)
    )
    if per_replica_batch is not None and per_replica_batch != part:
        batches = batches.rebatch(per_replica_batch)
    return batches.prefetch(tf.data.AUTOTUNE)


def eval_batches(data, *, batch_size):
    """Finite batches of `data` in order, without augmentation (theta zero);
    the last batch may be smaller."""
    if batch_size < 1:
        raise UserError(f"batch_size must be >= 1, got {batch_size}.")
    batcher = _Batcher(data, False)
    return (
        tf.data.Dataset.range(len(data))
        .batch(batch_size)
        .map(
            lambda index: batcher(index, tf.zeros([tf.shape(index)[0], NUM_TRANSFORM])),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        .prefetch(tf.data.AUTOTUNE)
    )
