"""Result files written the safe way: PNG, GIF, JSON and text.

Everything goes to a temporary file in the destination folder and is renamed
into place, so a reader (or a crash) never sees a half-written file.
"""

import contextlib
import json
import os
import tempfile

from PIL import Image

from gen.pictures import grids


@contextlib.contextmanager
def atomic_path(path, suffix=".tmp"):
    """Yields a temporary path next to `path`; renames it to `path` on success."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=suffix)
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


def save_png(target, image):
    """One (H, W, 3), (H, W, 1) or (H, W) image (uint8, or float in [0, 1])
    as PNG into `target`, a path or a binary file."""
    image = grids.to_uint8(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    Image.fromarray(image).save(target, format="PNG")


def save_gif(target, frames, frame_ms=80, loop=0):
    """(T, H, W, 3) frames as an animated GIF into `target`, a path or a
    binary file; loops forever by default."""
    frames = grids.as_rgb(grids.to_uint8(frames))
    pictures = [Image.fromarray(f) for f in frames]
    pictures[0].save(
        target,
        format="GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=frame_ms,
        loop=loop,
        disposal=2,
    )


def write_png(path, image):
    """Writes one image (`save_png`) atomically."""
    with atomic_path(path, ".png") as temporary:
        save_png(temporary, image)
    return path


def write_gif(path, frames, frame_ms=80, loop=0):
    """Writes an animated GIF (`save_gif`) atomically."""
    with atomic_path(path, ".gif") as temporary:
        save_gif(temporary, frames, frame_ms, loop)
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
