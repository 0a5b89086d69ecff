"""Spatial rearrangements shared by the unpooling layers (NHWC tensors).

All of them are `keras.ops` reshapes, transposes, pads and slices: they run
on every supported backend, compile under XLA (TensorFlow's
``jit_compile=True``, ``jax.jit``) and work with an unknown batch size (and,
on TensorFlow outside XLA, unknown spatial sizes).
"""

from keras import ops


def dims(x):
    """``(batch, height, width, channels)``: static ints where known, else
    scalar tensors (TensorFlow graphs only)."""
    return tuple(ops.shape(x))


def interleave_phases(phases, size):
    """Merges ``sy * sx`` phase images into one image ``sy`` x ``sx`` larger.

    `phases` lists (B, H, W, C) tensors in row-major phase order: entry
    ``ry * sx + rx`` holds the output pixels ``(sy * i + ry, sx * j + rx)``.
    """
    sy, sx = size
    if len(phases) == 1:
        return phases[0]
    if sy == sx:
        # depth_to_space reads depth as (ry, rx, c), the order of `phases`.
        return ops.depth_to_space(ops.concatenate(phases, axis=-1), sy)
    _, h, w, c = dims(phases[0])
    stacked = ops.reshape(ops.stack(phases, axis=3), (-1, h, w, sy, sx, c))
    stacked = ops.transpose(stacked, (0, 1, 3, 2, 4, 5))
    return ops.reshape(stacked, (-1, h * sy, w * sx, c))


def place_in_cells(x, size, corner):
    """Fixed-corner unpooling: (B, H, W, C) -> (B, H*sy, W*sx, C).

    The value at (i, j) goes to ``(i*sy + dy, j*sx + dx)``; zeros elsewhere.
    """
    sy, sx = size
    if (sy, sx) == (1, 1):
        return x
    zeros = ops.zeros_like(x)
    return interleave_phases(
        [
            x if (ry, rx) == tuple(corner) else zeros
            for ry in range(sy)
            for rx in range(sx)
        ],
        size,
    )


def pad_or_crop(x, rows, cols, constant_values=0):
    """Pads (positive) or crops (negative) the spatial axes of `x`.

    `rows` and `cols` are ``(before, after)`` pairs of Python ints.
    """
    pads = [
        [0, 0],
        [max(rows[0], 0), max(rows[1], 0)],
        [max(cols[0], 0), max(cols[1], 0)],
        [0, 0],
    ]
    if any(p for pair in pads for p in pair):
        x = ops.pad(x, pads, constant_values=constant_values)
    crop_top, crop_bottom = max(-rows[0], 0), max(-rows[1], 0)
    crop_left, crop_right = max(-cols[0], 0), max(-cols[1], 0)
    if crop_top or crop_bottom or crop_left or crop_right:
        _, h, w, _ = dims(x)
        x = x[:, crop_top : h - crop_bottom, crop_left : w - crop_right, :]
    return x
