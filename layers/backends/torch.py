"""PyTorch's recipes for the layers (imported on that backend only).

Switch pooling runs `max_pool2d(return_indices=True)` once. The switches it
returns are a `Switches`: the pooled input (detached, sharing its storage)
that also holds those flat indices, the window arguments they were found
with and the padded planes' geometry. The unpooling reads them from there
and writes values back with `max_unpool2d` where windows do not overlap
(no index repeats, so writing is adding) or `scatter_add` where they do
(values that land on one position add, where `max_unpool2d` would keep one
of them). Any op on a `Switches` returns a plain tensor, so a copy or a
model's input carries no indices and is pooled again.
"""

import torch
import torch.nn.functional as F

from layers import arithmetic


class Switches(torch.Tensor):
    """The switches of `max_pool_with_switches` on PyTorch.

    A tensor equal to the pooled input ``(B, H, W, C)`` (no gradient), with:

    * ``window``: ``(pool_size, strides, padding)`` of the pooling;
    * ``indices``: ``(B, C, pooled_h, pooled_w)`` int64, `max_pool2d`'s flat
      per-plane index of each window's first maximum in the padded planes;
    * ``geometry``: ``(top, left, padded_h, padded_w)`` of those planes.

    Like `torch.nn.Parameter`, it opts out of ``__torch_function__``: what
    an op makes from it is a plain `torch.Tensor`.
    """

    __torch_function__ = torch._C._disabled_torch_function_impl

    @staticmethod
    def __new__(cls, values, window, indices, geometry):
        switches = torch.Tensor._make_subclass(cls, values.detach(), False)
        switches.window = window
        switches.indices = indices
        switches.geometry = geometry
        return switches


def _window(pool_size, strides, padding):
    return (tuple(pool_size), tuple(strides), padding)


def _max_pool(x, pool_size, strides, padding):
    """PyTorch max pooling of NHWC `x`: ``(pooled NHWC, indices, geometry)``
    (see `Switches`)."""
    _, h, w, _ = x.shape
    planes = x.permute(0, 3, 1, 2)
    top = left = 0
    if padding == "same":
        top, bottom = arithmetic.same_padding(h, pool_size[0], strides[0])
        left, right = arithmetic.same_padding(w, pool_size[1], strides[1])
        if top or bottom or left or right:
            planes = F.pad(planes, (left, right, top, bottom), value=float("-inf"))
    pooled, indices = F.max_pool2d(
        planes, tuple(pool_size), tuple(strides), return_indices=True
    )
    geometry = (top, left, planes.shape[2], planes.shape[3])
    return pooled.permute(0, 2, 3, 1), indices, geometry


def max_pool_with_switches(inputs, pool_size, strides, padding):
    """``(pooled, switches)``, the switches a `Switches`."""
    pooled, indices, geometry = _max_pool(inputs, pool_size, strides, padding)
    window = _window(pool_size, strides, padding)
    return pooled, Switches(inputs, window, indices, geometry)


def switch_unpool(updates, switches, pool_size, strides, padding):
    """Switch unpooling with `max_unpool2d` or `scatter_add`."""
    window = _window(pool_size, strides, padding)
    if isinstance(switches, Switches) and switches.window == window:
        indices, geometry = switches.indices, switches.geometry
    else:
        _, indices, geometry = _max_pool(switches, pool_size, strides, padding)
    top, left, hp, wp = geometry
    n, h, w, c = switches.shape
    values = updates.permute(0, 3, 1, 2)
    if strides[0] >= pool_size[0] and strides[1] >= pool_size[1]:
        # Windows do not overlap: no index repeats, so writing is adding.
        unpooled = F.max_unpool2d(
            values, indices, tuple(pool_size), tuple(strides), output_size=(hp, wp)
        )
    else:
        unpooled = torch.zeros(
            (n, c, hp * wp), dtype=values.dtype, device=values.device
        ).scatter_add(2, indices.reshape(n, c, -1), values.reshape(n, c, -1))
        unpooled = unpooled.reshape(n, c, hp, wp)
    unpooled = unpooled[:, :, top : top + h, left : left + w]
    return unpooled.permute(0, 2, 3, 1)
