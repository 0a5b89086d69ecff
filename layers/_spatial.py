"""Spatial rearrangements shared by the unpooling layers (NHWC tensors).

All of them are reshapes, transposes, pads and slices: they compile under XLA
and work with an unknown batch (and, outside XLA, unknown spatial) size.
"""

import tensorflow as tf


def dims(x):
    """``(batch, height, width, channels)``: static ints where known, else tensors."""
    static = x.shape
    dynamic = tf.shape(x)
    return tuple(static[i] if static[i] is not None else dynamic[i]
                 for i in range(4))


def interleave_phases(phases, size):
    """Merges ``sy * sx`` phase images into one image ``sy`` x ``sx`` larger.

    `phases` lists (B, H, W, C) tensors in row-major phase order: entry
    ``ry * sx + rx`` holds the output pixels ``(sy * i + ry, sx * j + rx)``.
    """
    sy, sx = size
    if len(phases) == 1:
        return phases[0]
    b, h, w, c = dims(phases[0])
    if sy == sx:
        # depth_to_space reads depth as (ry, rx, c), the order of `phases`.
        return tf.nn.depth_to_space(tf.concat(phases, axis=-1), sy)
    stacked = tf.reshape(tf.stack(phases, axis=3), [b, h, w, sy, sx, c])
    stacked = tf.transpose(stacked, [0, 1, 3, 2, 4, 5])
    return tf.reshape(stacked, [b, h * sy, w * sx, c])


def place_in_cells(x, size, corner):
    """Fixed-corner unpooling: (B, H, W, C) -> (B, H*sy, W*sx, C).

    The value at (i, j) goes to ``(i*sy + dy, j*sx + dx)``; zeros elsewhere.
    """
    sy, sx = size
    dy, dx = corner
    b, h, w, c = dims(x)
    cells = tf.pad(x[:, :, None, :, None, :],
                   [[0, 0], [0, 0], [dy, sy - 1 - dy], [0, 0],
                    [dx, sx - 1 - dx], [0, 0]])
    return tf.reshape(cells, [b, h * sy, w * sx, c])


def pad_or_crop(x, rows, cols, constant_values=0):
    """Pads (positive) or crops (negative) the spatial axes of `x`.

    `rows` and `cols` are ``(before, after)`` pairs of Python ints.
    """
    pads = [[0, 0], [max(rows[0], 0), max(rows[1], 0)],
            [max(cols[0], 0), max(cols[1], 0)], [0, 0]]
    if any(p for pair in pads for p in pair):
        x = tf.pad(x, pads, constant_values=constant_values)
    crop_top, crop_bottom = max(-rows[0], 0), max(-rows[1], 0)
    crop_left, crop_right = max(-cols[0], 0), max(-cols[1], 0)
    if crop_top or crop_bottom or crop_left or crop_right:
        _, h, w, _ = dims(x)
        x = x[:, crop_top:h - crop_bottom, crop_left:w - crop_right, :]
    return x
