"""Receptive fields: which input pixels an activation of a layer sees.

Per axis, a layer with kernel k, stride s and p zeros of padding before its
input turns (size r, stride j, start a) into ``(r + (k - 1) j, j s,
a - p j)`` (Dumoulin & Visin's convolution arithmetic, `layers.arithmetic`).
"""

import dataclasses

from layers import arithmetic


@dataclasses.dataclass(frozen=True)
class ReceptiveField:
    """Where in the input an activation of a layer looks, along (rows, cols).

    Activation ``(y, x)`` of the layer depends on input pixels
    ``start + (y, x) * stride`` up to ``size`` pixels further (parts of that
    box may lie in the zero padding, outside the image). Above a Flatten or
    Dense layer every activation sees the whole image: `size` is the image
    size, `start` 0 and `stride` 0.

    Attributes:
        size: (rows, cols) of the field, in input pixels.
        stride: (rows, cols) input pixels between neighbouring activations.
        start: (row, col) of the top-left pixel of activation (0, 0)'s field;
            negative where it starts in the padding.
    """

    size: tuple
    stride: tuple
    start: tuple

    def box(self, y, x):
        """(top, left, bottom, right) of activation (y, x)'s field, bottom and
        right exclusive, in input pixel coordinates (may exceed the image)."""
        top = self.start[0] + y * self.stride[0]
        left = self.start[1] + x * self.stride[1]
        return top, left, top + self.size[0], left + self.size[1]


def receptive_field(geometries, input_hw):
    """The `ReceptiveField` of a chain of spatial layers.

    Args:
        geometries: for each layer from the input up, ``(kernel, strides,
            padding)`` with pairs for kernel and strides and padding
            ``"valid"``/``"same"``, or None for a layer that mixes every
            position (Flatten, Dense); other layers change nothing and are
            left out.
        input_hw: (rows, cols) of the input image (``"same"`` padding depends
            on the sizes).

    Per axis, a layer with kernel k, stride s and p zeros of padding before
    its input turns (size r, stride j, start a) into
    ``(r + (k - 1) j, j s, a - p j)``.

    Example:

    >>> receptive_field([((3, 3), (1, 1), "same"), ((2, 2), (2, 2), "valid")],
    ...                 (8, 8))
    ReceptiveField(size=(4, 4), stride=(2, 2), start=(-1, -1))
    """
    size, stride, start = [1, 1], [1, 1], [0, 0]
    sizes = list(input_hw)
    for geometry in geometries:
        if geometry is None:
            return ReceptiveField(tuple(input_hw), (0, 0), (0, 0))
        kernel, strides, padding = geometry
        for axis in (0, 1):
            k, s = kernel[axis], strides[axis]
            before = arithmetic.explicit_padding(padding, sizes[axis], k, s)[0]
            start[axis] -= before * stride[axis]
            size[axis] += (k - 1) * stride[axis]
            stride[axis] *= s
            sizes[axis] = arithmetic.conv_output_size(sizes[axis], k, s, padding)
    return ReceptiveField(tuple(size), tuple(stride), tuple(start))
