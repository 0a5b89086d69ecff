"""Image arrays made into one picture: tiles in a grid, enlarged tiles,
generated chairs shown on white, generated | real pairs.

Every function takes float images in [0, 1] (clipped) or uint8 and returns
numpy arrays; nothing here writes files (`gen.pictures.atomic_files` does).
"""

import math

import numpy as np

GUTTER = 2  # pixels between tiles
GUTTER_VALUE = 210  # light grey, so that white-background tiles stay apart
MIN_TILE = 64  # small images are enlarged to at least this many pixels


def to_uint8(images):
    """Float images in [0, 1] (clipped) or uint8 -> uint8."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    return np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)


def as_rgb(images):
    """(..., H, W, 1) or (..., H, W) grey -> (..., H, W, 3); RGB unchanged."""
    images = np.asarray(images)
    if images.shape[-1] == 3:
        return images
    if images.shape[-1] != 1:
        images = images[..., None]
    return np.repeat(images, 3, axis=-1)


def grid(images, rows, cols, gutter=GUTTER, background=GUTTER_VALUE):
    """Tiles ``rows * cols`` images (row-major, (N, H, W, 3)) into one image.

    Missing tiles (N < rows * cols) stay background; images may be float in
    [0, 1] or uint8.
    """
    images = as_rgb(to_uint8(images))
    n, h, w, _ = images.shape
    if n > rows * cols:
        raise ValueError(f"{n} images do not fit a {rows}x{cols} grid.")
    sheet = np.full(
        (rows * (h + gutter) + gutter, cols * (w + gutter) + gutter, 3),
        background,
        np.uint8,
    )
    for k, image in enumerate(images):
        r, c = divmod(k, cols)
        top, left = gutter + r * (h + gutter), gutter + c * (w + gutter)
        sheet[top : top + h, left : left + w] = image
    return sheet


def tile_scale(resolution, min_tile=MIN_TILE):
    """The integer factor that enlarges `resolution` to at least `min_tile`."""
    return max(1, math.ceil(min_tile / resolution))


def enlarge(images, scale):
    """Nearest-neighbour enlargement of (..., H, W, C) images by `scale`."""
    images = np.asarray(images)
    if scale == 1:
        return images
    return images.repeat(scale, axis=-3).repeat(scale, axis=-2)


def on_white(rgb, mask):
    """A generator's masked RGB in [0, 1] shown on a white background, as the
    training renders are: ``rgb + (1 - mask)``, clipped."""
    return np.clip(np.asarray(rgb) + (1.0 - np.asarray(mask)), 0.0, 1.0)


def comparison_grid(generated, real, rows, cols):
    """Pairs (generated, real) side by side: ``rows`` x ``2 * cols`` tiles.

    `generated` and `real` are (rows * cols, R, R, 3) in row-major order.
    """
    pairs = np.stack([generated, real], axis=1)
    pairs = pairs.reshape((rows, cols * 2) + generated.shape[1:])
    return grid(pairs.reshape((-1,) + generated.shape[1:]), rows, cols * 2)
