"""The chairs data in memory: `load_chairs` builds a TFDS dataset if needed
(offline) and reads it into a `ChairsData`, one row per (chair, view);
`render_chairs` renders the synthetic chairs straight into one.

    data = load_chairs("synthetic_chairs", resolution=64, num_chairs=100)
    data.images.shape          # (6200, 64, 64, 3) uint8, chairs on white
"""

import contextlib
import dataclasses
import fcntl
import os
import sys

import numpy as np
import tensorflow_datasets as tfds

# Importing the builders registers them with TFDS.
import gen.data.datasets  # noqa: F401
from gen import choices
from gen.data import chair_family, chair_views, dataset_registry, ray_caster
from gen.errors import UserError

_ARRAYS = ("images", "masks", "chair_ids", "azimuths", "elevations", "view_indices")


@dataclasses.dataclass(frozen=True)
class ChairsData:
    """A chairs dataset in memory, one row per (chair, view).

    Attributes:
      images: (N, R, R, 3) uint8, chairs on white.
      masks: (N, R, R, 1) uint8 in {0, 1}.
      chair_ids: (N,) int32 in 0..num_classes-1.
      azimuths, elevations: (N,) float32 degrees.
      view_indices: (N,) int32 in 0..61 (`gen.data.chair_views`).
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
        return dataclasses.replace(
            self, **{name: getattr(self, name)[index] for name in _ARRAYS}
        )


def check_choice(what, value, allowed):
    """A UserError naming the choices unless `value` is one of `allowed`."""
    if value not in allowed:
        raise UserError(
            f"Unknown {what} {value!r}: use one of {', '.join(map(repr, allowed))}."
        )


@contextlib.contextmanager
def _build_lock(builder):
    """An exclusive lock on building `builder`'s dataset, shared by every
    process that uses the same data directory; says so while it waits."""
    config_dir = os.path.dirname(os.fspath(builder.data_dir))
    os.makedirs(os.path.dirname(config_dir), exist_ok=True)
    path = os.path.join(
        os.path.dirname(config_dir), f".{os.path.basename(config_dir)}.lock"
    )
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"waiting for another process to finish building "
                f"{builder.name}/{builder.builder_config.name} in "
                f"{os.path.dirname(os.path.dirname(config_dir))}",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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


def load_chairs(
    name,
    *,
    data_dir=None,
    resolution=64,
    num_chairs=None,
    chair_list=None,
    seed=0,
    manual_dir=None,
    category=None,
):
    """Builds the dataset `name` if needed (offline) and reads it into memory.

    Args:
      name: a dataset of `gen.data.dataset_registry` ("synthetic_chairs",
        "rendered_chairs", "mesh_renders").
      data_dir: the TFDS data directory (default: TFDS's, normally
        ~/tensorflow_datasets); must exist.
      resolution: 32, 64 or 128.
      num_chairs: synthetic_chairs: the number of styles (default 100);
        the others: keep the first `num_chairs` classes.
      chair_list: rendered_chairs only: a list file of the chairs to keep.
      seed: synthetic_chairs only: the family seed of the styles.
      manual_dir: rendered_chairs, mesh_renders: where the user's files are;
        default `<data_dir>/downloads/manual`.
      category: mesh_renders only: `gen.choices.MESH_CATEGORIES` (default
        chairs).

    Returns:
      A `ChairsData` sorted by (chair id, view index).
    """
    check_choice("dataset", name, choices.DATASETS)
    kind = dataset_registry.lookup(name)
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
    if name == "synthetic_chairs" and (
        chair_list is not None or manual_dir is not None
    ):
        raise UserError(
            "chair_list and manual_dir select real chairs: synthetic_chairs "
            "takes num_chairs and seed instead."
        )
    settings = dataset_registry.DataSettings(
        resolution=resolution,
        num_chairs=num_chairs,
        seed=seed,
        chair_list=chair_list,
        category=category,
        manual_dir=manual_dir,
    )

    def make_builder():
        return kind.builder(data_dir, settings)

    builder = make_builder()
    # Processes that start together (the workers of one run) build the same
    # dataset once: the first to take the lock builds it, the others wait,
    # then read what it built through a builder made after the wait.
    with _build_lock(builder):
        builder = make_builder()
        prepare(builder, manual_dir)
    data = _read(builder)
    if kind.keeps_first and num_chairs is not None and num_chairs < data.num_classes:
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
        ray_caster.render_chair(s, azimuths, elevations, resolution=resolution)
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
