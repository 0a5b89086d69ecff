"""Random-position unpooling: each value lands at a random place in its cell."""

import keras
from keras import ops

from layers import _spatial
from layers.fixed_corner_unpooling import CellUnpooling2D


@keras.saving.register_keras_serializable(package="layers")
class RandomUnpooling2D(CellUnpooling2D):
    """Unpooling that places each value at a random position of its cell.

    A variant from the course literature on unpooling: when training, every
    value (each batch element, pixel and channel independently) goes to a
    position of its ``kh x kw`` output cell drawn uniformly at random, the
    rest of the cell being zero. At inference it is deterministic and
    identical to `layers.FixedCornerUnpooling2D` with the upper-left corner.

    Args:
        size: int or pair ``(kh, kw)``, the cell size (upsampling factor).
        seed: int or None, seeds the layer's `keras.random.SeedGenerator`, so
            that a seeded model draws the same positions on every run.
        data_format: only ``"channels_last"`` (or None for Keras' global
            setting, which must then be channels-last).
        **kwargs: base `keras.layers.Layer` arguments.

    Input shape:
        4D tensor ``(batch, height, width, channels)``.

    Output shape:
        4D tensor ``(batch, height * kh, width * kw, channels)``.

    Call arguments:
        inputs: the 4D input.
        training: Python bool; random positions when True, the fixed
            upper-left corner otherwise.

    Example:

    >>> unpool = layers.RandomUnpooling2D(size=2, seed=1)
    >>> y = unpool(x, training=True)    # one non-zero per 2x2 cell, anywhere
    >>> y = unpool(x)                    # upper-left corner, like inference
    """

    def __init__(self, size=2, seed=None, data_format=None, **kwargs):
        super().__init__(size=size, data_format=data_format, **kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an int or None, got {seed!r}.")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training:
            return _spatial.place_in_cells(inputs, self.size, (0, 0))
        sy, sx = self.size
        _, h, w, c = _spatial.dims(inputs)
        position = keras.random.randint(
            ops.shape(inputs), 0, sy * sx, dtype="int32", seed=self.seed_generator
        )
        # One-hot over the cell's positions, laid out (B, H, W, C, sy, sx),
        # then moved next to the spatial axes and folded into them.
        dtype = keras.backend.standardize_dtype(inputs.dtype)
        onehot = ops.one_hot(position, sy * sx, dtype=dtype)
        cells = ops.reshape(onehot * ops.expand_dims(inputs, -1), (-1, h, w, c, sy, sx))
        cells = ops.transpose(cells, (0, 1, 4, 2, 5, 3))
        return ops.reshape(cells, (-1, h * sy, w * sx, c))

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
