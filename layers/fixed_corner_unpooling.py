"""Fixed-corner unpooling (Dosovitskiy et al., "Learning to Generate Chairs")."""

import keras

from layers import _backend, _checks, _spatial, arithmetic


class CellUnpooling2D(keras.layers.Layer):
    """Base of the unpoolings that map each pixel to a ``kh x kw`` cell.

    Holds the cell `size`, the channels-last check and the exact output
    shape; subclasses decide where in its cell each value goes.
    """

    def __init__(self, size=2, data_format=None, **kwargs):
        _backend.check_supported(type(self).__name__)
        super().__init__(**kwargs)
        self.size = _checks.positive_pair(size, "size")
        self.data_format = _checks.channels_last(data_format, type(self).__name__)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        _checks.rank4(input_shape, type(self).__name__)
        self.built = True

    def compute_output_shape(self, input_shape):
        b, h, w, c = _checks.rank4(input_shape, type(self).__name__)
        return (
            b,
            arithmetic.unpooled_size(h, self.size[0]),
            arithmetic.unpooled_size(w, self.size[1]),
            c,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
        }


@keras.saving.register_keras_serializable(package="layers")
class FixedCornerUnpooling2D(CellUnpooling2D):
    """Unpooling that puts each value in one fixed corner of its cell.

    Each input pixel becomes a ``kh x kw`` cell of the output: its value goes
    to position ``(dy, dx)`` of the cell and the rest of the cell is zero, so
    the value at ``(i, j)`` lands at ``(i*kh + dy, j*kw + dx)``. With the
    default corner ``(0, 0)`` (the upper-left, as in the paper) this is the
    unpooling of Dosovitskiy et al. and of Goodfellow et al., Deep Learning,
    sec. 20.10.6. Follow it with a convolution to fill the zeros in; the fused
    `layers.UnpoolConv2D` computes that pair without materialising them.

    For nearest-neighbour unpooling (every output pixel of a cell copies the
    value) use `keras.layers.UpSampling2D`.

    Args:
        size: int or pair ``(kh, kw)``, the cell size (upsampling factor).
        corner: pair ``(dy, dx)``, the position of the value inside its cell,
            ``0 <= dy < kh`` and ``0 <= dx < kw``.
        data_format: only ``"channels_last"`` (or None for Keras' global
            setting, which must then be channels-last).
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Input shape:
        4D tensor ``(batch, height, width, channels)``.

    Output shape:
        4D tensor ``(batch, height * kh, width * kw, channels)``.

    Example:

    >>> x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
    >>> y = layers.FixedCornerUnpooling2D(size=2)(x)
    >>> y[0, :, :, 0]
    [[0, 0, 1, 0],
     [0, 0, 0, 0],
     [2, 0, 3, 0],
     [0, 0, 0, 0]]
    """

    def __init__(self, size=2, corner=(0, 0), data_format=None, **kwargs):
        super().__init__(size=size, data_format=data_format, **kwargs)
        self.corner = _checks.corner_in_cell(corner, self.size)

    def call(self, inputs):
        return _spatial.place_in_cells(inputs, self.size, self.corner)

    def get_config(self):
        return {**super().get_config(), "corner": self.corner}
