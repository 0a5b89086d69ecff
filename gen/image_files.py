"""Pictures and result files written the safe way.

Everything goes to a temporary file in the destination folder and is renamed
into place, so a reader (or a crash) never sees a half-written file.
"""

import contextlib
import json
import os
import tempfile

import numpy as np
from PIL import Image

GUTTER = 2  # pixels between tiles
GUTTER_VALUE = 210  # light grey, so that white-background tiles stay apart


@contextlib.contextmanager
def atomic_path(path, suffix=".tmp"):
    """Yields a temporary path next to `path`; renames it to `path` on success."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".",
                                         suffix=suffix)
    os.close(handle)
    try:
        yield temporary
        # mkstemp creates files readable by their owner only; give the file
        # the permissions an ordinary open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


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
    sheet = np.full((rows * (h + gutter) + gutter, cols * (w + gutter) + gutter,
                     3), background, np.uint8)
    for k, image in enumerate(images):
        r, c = divmod(k, cols)
        top, left = gutter + r * (h + gutter), gutter + c * (w + gutter)
        sheet[top:top + h, left:left + w] = image
    return sheet


def write_png(path, image):
    """Writes one (H, W, 3) or (H, W) image (uint8, or float in [0, 1])."""
    image = to_uint8(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    with atomic_path(path, ".png") as temporary:
        Image.fromarray(image).save(temporary, format="PNG")
    return path


def write_gif(path, frames, frame_ms=80, loop=0):
    """Writes an animated GIF from (T, H, W, 3) frames; loops forever by
    default."""
    frames = as_rgb(to_uint8(frames))
    pictures = [Image.fromarray(f) for f in frames]
    with atomic_path(path, ".gif") as temporary:
        pictures[0].save(temporary, format="GIF", save_all=True,
                         append_images=pictures[1:], duration=frame_ms,
                         loop=loop, disposal=2)
    return path


def write_json(path, obj):
    with atomic_path(path, ".json") as temporary:
        with open(temporary, "w") as f:
            json.dump(obj, f, indent=2, sort_keys=True)
            f.write("\n")
    return path


def write_text(path, text):
    with atomic_path(path, ".txt") as temporary:
        with open(temporary, "w") as f:
            f.write(text)
    return path
