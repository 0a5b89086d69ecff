"""From a chairs dataset to the generator's batches.

    data = load_chairs("synthetic_chairs", resolution=64, num_chairs=100)
    train = select(data, holdout="views", subset="train")
    batches = training_batches(train, batch_size=64, seed=0, augment=True,
                               ramp_steps=10_000)
    inputs, targets = next(iter(batches))

`load_chairs` builds the TFDS dataset if needed (offline) and holds it in
memory as a `ChairsData`; `select` holds views or chairs out;
`training_batches` and `eval_batches` turn it into `(inputs, targets)`
batches of float32:

- inputs["class"]: [B, num_classes] one-hot of the chair style;
- inputs["view"]: [B, 4] = [sin az, cos az, sin el, cos el];
- inputs["transform"]: [B, NUM_TRANSFORM] theta of `gen.augment`
  (zeros without augmentation);
- targets["rgb"]: [B, R, R, 3] the image in [0, 1] times its mask;
- targets["mask"]: [B, R, R, 1] in {0, 1}.

Training batches are a pure function of (seed, start_step): global example
`i = step * batch_size + k` is example `index_shuffle(i % N)` of a
permutation drawn (statelessly) from the seed and the epoch `i // N`, and its
augmentation is drawn from the seed and `i` at strength
`min(1, step / ramp_steps)` (1 when `ramp_steps == 0`). A run resumes at any
step by asking for `start_step=step`, with no iterator state to save.

The data are held in memory, so the pipeline only gathers, augments and
batches (in parallel, prefetched): it delivers many times the images per
second that a training step consumes (`python -m experiments.bench_data`).
"""

import dataclasses
import os

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from gen import augment as augmentation
from gen import chair_family, chair_renderer, chair_views
# Importing the builders registers them with TFDS.
from gen.datasets import rendered_chairs, synthetic_chairs
from gen.errors import UserError

NUM_TRANSFORM = augmentation.NUM_TRANSFORM
DATASETS = ("synthetic_chairs", "rendered_chairs")
HOLDOUTS = ("views", "chairs", "none")
SUBSETS = ("train", "eval")
# holdout="chairs" keeps chair ids 0, 10, 20, ... for evaluation.
HELDOUT_CHAIR_STEP = 10

_ARRAYS = ("images", "masks", "chair_ids", "azimuths", "elevations", "view_indices")


@dataclasses.dataclass(frozen=True)
class ChairsData:
    """A chairs dataset in memory, one row per (chair, view).

    Attributes:
      images: (N, R, R, 3) uint8, chairs on white.
      masks: (N, R, R, 1) uint8 in {0, 1}.
      chair_ids: (N,) int32 in 0..num_classes-1.
      azimuths, elevations: (N,) float32 degrees.
      view_indices: (N,) int32 in 0..61 (`gen.chair_views`).
      num_classes: number of chair styles in the dataset (the one-hot size).
      chair_names: the name of every chair id.
    """

    images: np.ndarray
    masks: np.ndarray
    chair_ids: np.ndarray
    azimuths: np.ndarray
    elevations: np.ndarray
    view_indices: np.ndarray
    num_classes: int
    chair_names: list

    def __post_init__(self):
        n = len(self.images)
        for name in _ARRAYS:
            if len(getattr(self, name)) != n:
                raise ValueError(
                    f"ChairsData: {name} has {len(getattr(self, name))} rows, images {n}"
                )
        if len(self.chair_names) != self.num_classes:
            raise ValueError(
                f"ChairsData: {len(self.chair_names)} chair names for {self.num_classes} classes"
            )

    def __len__(self):
        return len(self.images)

    @property
    def resolution(self):
        return self.images.shape[1]

    def rows(self, index):
        """The rows `index` selects, a boolean mask or integer indices (numpy
        indexing); `num_classes` and `chair_names` stay."""
        return dataclasses.replace(self, **{name: getattr(self, name)[index] for name in _ARRAYS})


def _check_choice(what, value, choices):
    if value not in choices:
        raise UserError(f"Unknown {what} {value!r}: use one of {', '.join(map(repr, choices))}.")


def prepare(builder, manual_dir=None):
    """`builder.download_and_prepare`, offline.

    `try_download_gcs=False` stops TFDS from fetching a prepared copy from its
    GCS bucket; its other GCS look-ups are off by default in TFDS 4.9.10
    (`gcs_utils._is_gcs_disabled`). The tests build with the network and the
    bucket refused.
    """
    config = tfds.download.DownloadConfig(try_download_gcs=False, manual_dir=manual_dir)
    builder.download_and_prepare(download_config=config)


def _read(builder):
    """Every example of `builder`'s train split, sorted by (chair id, view)."""
    ds = builder.as_dataset(split="train", shuffle_files=False).batch(1024)
    keys = ("image", "mask", "chair_id", "azimuth", "elevation", "view_index")
    parts = {key: [] for key in keys}
    for batch in tfds.as_numpy(ds):
        for key, values in parts.items():
            values.append(batch[key])
    columns = {key: np.concatenate(values) for key, values in parts.items()}
    order = np.lexsort((columns["view_index"], columns["chair_id"]))
    label = builder.info.features["chair_id"]
    return ChairsData(
        images=columns["image"][order],
        masks=columns["mask"][order],
        chair_ids=columns["chair_id"][order].astype(np.int32),
        azimuths=columns["azimuth"][order].astype(np.float32),
        elevations=columns["elevation"][order].astype(np.float32),
        view_indices=columns["view_index"][order].astype(np.int32),
        num_classes=label.num_classes,
        chair_names=list(label.names),
    )


def load_chairs(name, *, data_dir=None, resolution=64, num_chairs=None,
                chair_list=None, seed=0, manual_dir=None):
    """Builds the dataset `name` if needed (offline) and reads it into memory.

    Args:
      name: "synthetic_chairs" or "rendered_chairs".
      data_dir: the TFDS data directory (default: TFDS's, normally
        ~/tensorflow_datasets); must exist.
      resolution: 32, 64 or 128.
      num_chairs: synthetic_chairs: the number of styles (default 100);
        rendered_chairs: keep the first `num_chairs` chairs (by folder name).
      chair_list: rendered_chairs only: a list file of the chairs to keep.
      seed: synthetic_chairs only: the family seed of the styles.
      manual_dir: rendered_chairs only: where rendered_chairs.tar (or the
        extracted folder) is; default `<data_dir>/downloads/manual`.

    Returns:
      A `ChairsData` sorted by (chair id, view index).
    """
    _check_choice("dataset", name, DATASETS)
    data_dir, manual_dir, chair_list = (
        None if path is None else os.path.expanduser(os.fspath(path))
        for path in (data_dir, manual_dir, chair_list)
    )
    if data_dir is not None and not os.path.isdir(data_dir):
        raise UserError(
            f"The data directory {data_dir} does not exist: create it, or leave "
            f"data_dir out to use TFDS's default."
        )
    if num_chairs is not None and num_chairs < 1:
        raise UserError(f"num_chairs must be at least 1, got {num_chairs}.")
    if name == "synthetic_chairs":
        if chair_list is not None or manual_dir is not None:
            raise UserError(
                "chair_list and manual_dir select real chairs: synthetic_chairs "
                "takes num_chairs and seed instead."
            )
        config = synthetic_chairs.make_config(
            resolution, num_chairs or synthetic_chairs.DEFAULT_NUM_CHAIRS, seed
        )
        builder = synthetic_chairs.SyntheticChairs(data_dir=data_dir, config=config.name)
    else:
        config = rendered_chairs.make_config(resolution)
        builder = rendered_chairs.RenderedChairs(
            data_dir=data_dir, config=config.name, chair_list=chair_list
        )
    prepare(builder, manual_dir)
    data = _read(builder)
    if name == "rendered_chairs" and num_chairs is not None and num_chairs < data.num_classes:
        data = dataclasses.replace(
            data.rows(data.chair_ids < num_chairs),
            num_classes=num_chairs,
            chair_names=data.chair_names[:num_chairs],
        )
    return data


def render_chairs(num_chairs, *, resolution=64, seed=0):
    """The synthetic chairs rendered straight into memory (no TFDS): the same
    rows `load_chairs("synthetic_chairs", ...)` returns."""
    azimuths, elevations = chair_views.standard_views()
    styles = [chair_family.chair_style(seed, i) for i in range(num_chairs)]
    rendered = [
        chair_renderer.render_chair(s, azimuths, elevations, resolution=resolution)
        for s in styles
    ]
    views = chair_views.NUM_VIEWS
    return ChairsData(
        images=np.concatenate([r[0] for r in rendered]),
        masks=np.concatenate([r[1] for r in rendered]),
        chair_ids=np.repeat(np.arange(num_chairs, dtype=np.int32), views),
        azimuths=np.tile(azimuths, num_chairs),
        elevations=np.tile(elevations, num_chairs),
        view_indices=np.tile(np.arange(views, dtype=np.int32), num_chairs),
        num_classes=num_chairs,
        chair_names=[s.name for s in styles],
    )


def select(data, *, holdout, subset):
    """The training or evaluation rows of `data` under a held-out protocol.

    - "views": eval is every 5th azimuth (azimuth index j % 5 == 0) at both
      elevations, 14 of the 62 views; train is the other 48.
    - "chairs": eval is every view of chair ids 0, 10, 20, ...; train the
      other chairs.
    - "none": train is everything; eval is the "views" eval rows.

    `num_classes` and `chair_names` stay those of `data`.
    """
    _check_choice("holdout", holdout, HOLDOUTS)
    _check_choice("subset", subset, SUBSETS)
    if holdout == "none" and subset == "train":
        return data
    if holdout == "chairs":
        heldout = data.chair_ids % HELDOUT_CHAIR_STEP == 0
    else:
        heldout = chair_views.is_heldout_view(data.view_indices)
    return data.rows(heldout if subset == "eval" else ~heldout)


def _derived_seed(seed, stream):
    """An independent int64 seed for each random stream of a run."""
    return int(np.random.SeedSequence([seed, stream]).generate_state(1, np.uint64)[0] >> 1)


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
    return np.stack([np.sin(az), np.cos(az), np.sin(el), np.cos(el)], axis=1).astype(np.float32)


def training_batches(data, *, batch_size, seed, start_step=0, augment=False,
                     ramp_steps=0, shuffle=True):
    """Infinite training batches, a pure function of (seed, start_step).

    Args:
      data: a `ChairsData`.
      batch_size: examples per batch.
      seed: int; the order and augmentation of every example.
      start_step: the first batch is batch `start_step` of the run.
      augment: apply and report `gen.augment` transforms.
      ramp_steps: augmentation strength grows linearly from 0 at step 0 to 1
        at step `ramp_steps` (0: full strength from the start).
      shuffle: a fresh permutation every epoch (False: the data's order).

    Returns:
      A `tf.data.Dataset` of (inputs, targets) (see the module docstring).
    """
    if batch_size < 1 or start_step < 0 or ramp_steps < 0:
        raise UserError(
            f"batch_size must be >= 1 and start_step, ramp_steps >= 0, got "
            f"{batch_size}, {start_step}, {ramp_steps}."
        )
    batcher = _Batcher(data, augment)
    n = len(data)
    order_seed, augment_seed = _derived_seed(seed, 0), _derived_seed(seed, 1)

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

    return (
        tf.data.Dataset.counter(start=start_step * batch_size)
        .map(locate, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(batch_size, drop_remainder=True)
        .map(batcher, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


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
