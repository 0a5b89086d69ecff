"""Small, slow, obviously-correct numpy implementations used as test oracles.

Written from the definitions (loops over output positions), independently of
the code under test: none of these import `layers`.
"""

import math

import numpy as np


def same_pads(size, kernel, stride):
    """TensorFlow's SAME rule: ceil(i/s) outputs, smaller half of padding first."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv2d(x, w, strides=(1, 1), padding="same"):
    """Cross-correlation, NHWC input, (kh, kw, in, out) kernel."""
    b, h, wd, _ = x.shape
    kh, kw, _, f = w.shape
    sy, sx = strides
    if padding == "same":
        (pt, pb), (pl, pr) = same_pads(h, kh, sy), same_pads(wd, kw, sx)
    else:
        pt = pb = pl = pr = 0
    xp = np.pad(x, [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    oh = (h + pt + pb - kh) // sy + 1
    ow = (wd + pl + pr - kw) // sx + 1
    out = np.zeros((b, oh, ow, f), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * sy:i * sy + kh, j * sx:j * sx + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def fixed_corner_unpool(x, size, corner):
    b, h, w, c = x.shape
    out = np.zeros((b, h * size[0], w * size[1], c), x.dtype)
    out[:, corner[0]::size[0], corner[1]::size[1], :] = x
    return out


def max_pool_argmax(x, pool, strides, padding):
    """Max pooling; returns pooled values and, per window, the (y, x) of its
    first maximum in row-major order (input coordinates)."""
    b, h, w, c = x.shape
    if padding == "same":
        oh, ow = math.ceil(h / strides[0]), math.ceil(w / strides[1])
        pt = max((oh - 1) * strides[0] + pool[0] - h, 0) // 2
        pl = max((ow - 1) * strides[1] + pool[1] - w, 0) // 2
    else:
        oh = (h - pool[0]) // strides[0] + 1
        ow = (w - pool[1]) // strides[1] + 1
        pt = pl = 0
    pooled = np.zeros((b, oh, ow, c), x.dtype)
    where = np.zeros((b, oh, ow, c, 2), np.int64)
    for n in range(b):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    best, pos = -np.inf, None
                    for u in range(pool[0]):
                        for v in range(pool[1]):
                            y, xx = i * strides[0] + u - pt, j * strides[1] + v - pl
                            if 0 <= y < h and 0 <= xx < w and x[n, y, xx, ch] > best:
                                best, pos = x[n, y, xx, ch], (y, xx)
                    pooled[n, i, j, ch] = best
                    where[n, i, j, ch] = pos
    return pooled, where


def switch_unpool(updates, where, in_hw):
    """Puts each update at its window's maximum; overlapping landings add."""
    b, oh, ow, c = updates.shape
    out = np.zeros((b,) + tuple(in_hw) + (c,), np.float64)
    for n in range(b):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    y, x = where[n, i, j, ch]
                    out[n, y, x, ch] += updates[n, i, j, ch]
    return out
