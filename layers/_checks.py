"""Argument and input validation shared by the layers.

Every check raises a ValueError whose message names the argument, the value
received and the values accepted, so that a mistake is fixed from the message
alone.
"""

import keras


def positive_pair(value, name):
    """An int or a pair of ints, each >= 1, as a tuple of two ints."""
    pair = _as_pair(value)
    if pair is None or any(v < 1 for v in pair):
        raise ValueError(
            f"`{name}` must be a positive int or a pair of positive ints, "
            f"got {value!r}."
        )
    return pair


def corner_in_cell(corner, size, name="corner"):
    """A ``(dy, dx)`` pair with ``0 <= dy < size[0]`` and ``0 <= dx < size[1]``."""
    pair = _as_pair(corner)
    if pair is None or not all(0 <= c < s for c, s in zip(pair, size)):
        raise ValueError(
            f"`{name}` must be a pair (dy, dx) inside the {size[0]}x{size[1]} "
            f"unpooling cell, i.e. 0 <= dy < {size[0]} and 0 <= dx < "
            f"{size[1]}, got {corner!r}."
        )
    return pair


def padding_string(value):
    if not isinstance(value, str) or value.lower() not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same', got {value!r}.")
    return value.lower()


def channels_last(data_format, layer_name):
    """Resolves `data_format` (None means Keras' global setting)."""
    fmt = data_format or keras.config.image_data_format()
    if fmt != "channels_last":
        raise ValueError(
            f"{layer_name} supports only data_format='channels_last' (inputs "
            f"shaped (batch, height, width, channels)), got {fmt!r}. Transpose "
            "channels-first inputs with keras.layers.Permute((2, 3, 1)) and "
            "set keras.config.set_image_data_format('channels_last')."
        )
    return fmt


def rank4(shape, layer_name, what="input"):
    """Checks that `shape` is a rank-4 (batch, height, width, channels) shape."""
    if shape is None or len(shape) != 4:
        rank = None if shape is None else len(shape)
        raise ValueError(
            f"{layer_name} expects its {what} to be rank 4, shaped (batch, "
            f"height, width, channels), got shape {shape} (rank {rank})."
        )
    if shape[-1] is None:
        raise ValueError(
            f"{layer_name} needs the channel dimension of its {what} to be "
            f"known, got shape {shape}."
        )
    return tuple(shape)


def _as_pair(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return tuple(value)
    return None
