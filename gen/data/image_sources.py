"""Images to explain a model with: a folder of PNG/JPEG files or a TFDS dataset.

Every source gives float32 images in [0, 1], resized to the model's input
size, and a name for each (its file name, or its dataset and index), for the
deconvnet visualiser (`gen.deconvnet.feature_sheets`).

    images, names = load_images("photos/", (64, 64))
    images, names = load_images("synthetic_chairs", (64, 64), num_chairs=20)
    images, names = load_images("mnist", (28, 28), channels=1)

Non-square pictures are centre-cropped to the target's aspect ratio before
resizing, so nothing is stretched.
"""

import os
import re

import numpy as np
from PIL import Image

from gen import choices
from gen.errors import UserError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def fit(picture, size, channels=3):
    """A PIL image centre-cropped to the aspect of `size` = (rows, cols) and
    resized to it: float32 (rows, cols, channels) in [0, 1]."""
    rows, cols = size
    picture = picture.convert("L" if channels == 1 else "RGB")
    width, height = picture.size
    target = cols / rows
    if width / height > target:  # too wide: crop the sides
        keep = round(height * target)
        left = (width - keep) // 2
        picture = picture.crop((left, 0, left + keep, height))
    elif width / height < target:  # too tall: crop top and bottom
        keep = round(width / target)
        top = (height - keep) // 2
        picture = picture.crop((0, top, width, top + keep))
    if picture.size != (cols, rows):
        picture = picture.resize((cols, rows), Image.BILINEAR)
    array = np.asarray(picture, np.float32) / 255.0
    return array.reshape(rows, cols, channels)


def _check_channels(channels):
    if channels not in (1, 3):
        raise UserError(
            f"The model takes {channels}-channel images; image "
            "sources give grey (1) or RGB (3) images."
        )


# A TFDS name: "name", "name/config", "name:1.2.0", "name/config:1.*.*".
_DATASET_NAME = re.compile(r"^[a-z][a-z0-9_]*(/[A-Za-z0-9_.-]+)?(:[0-9.*]+)?$")


def is_folder_source(source):
    """Whether `source` names a folder (an existing one, or anything that
    cannot be a TFDS dataset name) rather than a dataset."""
    return os.path.isdir(source) or not _DATASET_NAME.match(source)


def list_folder(folder):
    """The PNG/JPEG file names in `folder`, sorted (not recursive); a
    UserError if the folder is missing or has none."""
    if not os.path.isdir(folder):
        raise UserError(f"The image folder {folder} does not exist.")
    names = sorted(
        n
        for n in os.listdir(folder)
        if n.lower().endswith(IMAGE_SUFFIXES)
        and os.path.isfile(os.path.join(folder, n))
    )
    if not names:
        raise UserError(
            f"The folder {folder} has no PNG or JPEG files "
            f"({', '.join(IMAGE_SUFFIXES)})."
        )
    return names


def folder_images(folder, size, channels=3, max_images=None):
    """The PNG/JPEG files of `folder` (sorted by name, not recursive)."""
    _check_channels(channels)
    names = list_folder(folder)[:max_images]
    images = []
    for name in names:
        path = os.path.join(folder, name)
        try:
            with Image.open(path) as picture:
                images.append(fit(picture, size, channels))
        except OSError as e:
            raise UserError(f"Cannot read the image {path}: {e}.") from None
    return np.stack(images), names


def chairs_images(
    name, size, channels=3, max_images=None, data_dir=None, num_chairs=None
):
    """The held-out views (every 5th azimuth) of a chairs dataset, built
    offline by `gen.chairs_data.load_chairs` at the smallest of its
    resolutions that is at least `size`."""
    from gen.data import chairs_data, splits

    _check_channels(channels)
    resolution = next(
        (r for r in choices.RESOLUTIONS if r >= max(size)), choices.RESOLUTIONS[-1]
    )
    data = chairs_data.load_chairs(
        name, data_dir=data_dir, resolution=resolution, num_chairs=num_chairs
    )
    data = splits.select(data, holdout="views", subset="eval")
    count = len(data) if max_images is None else min(len(data), max_images)
    names = [
        f"{name}/chair{c}_view{v}"
        for c, v in zip(data.chair_ids[:count], data.view_indices[:count])
    ]
    if tuple(size) == (resolution, resolution) and channels == 3:
        return data.images[:count].astype(np.float32) / 255.0, names
    return np.stack(
        [fit(Image.fromarray(image), size, channels) for image in data.images[:count]]
    ), names


def tfds_images(name, size, channels=3, max_images=None, data_dir=None, split=None):
    """The "image" feature of an already prepared TFDS dataset (nothing is
    downloaded). `split` defaults to "test", else "validation", else
    "train"."""
    import tensorflow_datasets as tfds

    _check_channels(channels)
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        raise UserError(
            f"{name!r} is neither a folder nor a TFDS dataset name. Pass a "
            "folder of PNG/JPEG files, synthetic_chairs, or the name of a "
            "TFDS dataset you have prepared."
        ) from None
    if not builder.is_prepared():
        raise UserError(
            f"The TFDS dataset {name!r} is not prepared in "
            f"{builder.data_dir}: nothing is downloaded here. Prepare it "
            "first (tfds build, or tfds.load with download=True where you have "
            "network), or pass --data_dir where it is."
        )
    if "image" not in builder.info.features:
        raise UserError(
            f"The TFDS dataset {name!r} has no 'image' feature "
            f"(it has {', '.join(builder.info.features)})."
        )
    splits = list(builder.info.splits)
    if split is None:
        split = next(
            (s for s in ("test", "validation", "train") if s in splits), splits[0]
        )
    elif split not in splits:
        raise UserError(
            f"The TFDS dataset {name!r} has no split {split!r} "
            f"(it has {', '.join(splits)})."
        )
    dataset = builder.as_dataset(split=split, shuffle_files=False)
    if max_images is not None:
        dataset = dataset.take(max_images)
    images, names = [], []
    for index, example in enumerate(tfds.as_numpy(dataset)):
        array = example["image"]
        picture = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
        images.append(fit(picture, size, channels))
        names.append(f"{name}/{split}/{index}")
    if not images:
        raise UserError(f"The split {split!r} of {name!r} is empty.")
    return np.stack(images), names


def load_images(
    source, size, channels=3, max_images=None, data_dir=None, num_chairs=None
):
    """Images from `source`: a folder of PNG/JPEG files, a chairs dataset
    name (built offline), or the name of a prepared TFDS dataset.

    Args:
        source: folder path or dataset name.
        size: (rows, cols) to give the images.
        channels: 1 (grey) or 3 (RGB).
        max_images: keep at most this many (the first ones).
        data_dir: TFDS data directory for dataset names.
        num_chairs: chairs datasets: the number of styles.

    Returns:
        (images, names): float32 (N, rows, cols, channels) in [0, 1] and N
        strings.
    """
    if max_images is not None and max_images < 1:
        raise UserError(f"max_images must be at least 1, got {max_images}.")
    if is_folder_source(source):
        return folder_images(source, size, channels, max_images)
    if source in choices.DATASETS:
        return chairs_images(source, size, channels, max_images, data_dir, num_chairs)
    return tfds_images(source, size, channels, max_images, data_dir)
