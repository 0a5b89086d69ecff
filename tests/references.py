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


def _pads(h, wd, kh, kw, strides, padding):
    """((top, bottom), (left, right)) padding of a "same" or "valid" conv."""
    if padding == "same":
        return same_pads(h, kh, strides[0]), same_pads(wd, kw, strides[1])
    return (0, 0), (0, 0)


def conv2d(x, w, strides=(1, 1), padding="same"):
    """Cross-correlation, NHWC input, (kh, kw, in, out) kernel."""
    b, h, wd, _ = x.shape
    kh, kw, _, f = w.shape
    sy, sx = strides
    (pt, pb), (pl, pr) = _pads(h, wd, kh, kw, strides, padding)
    xp = np.pad(x, [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    oh = (h + pt + pb - kh) // sy + 1
    ow = (wd + pl + pr - kw) // sx + 1
    out = np.zeros((b, oh, ow, f), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * sy : i * sy + kh, j * sx : j * sx + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def fixed_corner_unpool(x, size, corner):
    b, h, w, c = x.shape
    out = np.zeros((b, h * size[0], w * size[1], c), x.dtype)
    out[:, corner[0] :: size[0], corner[1] :: size[1], :] = x
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


def conv2d_gradients(x, w, probe, strides=(1, 1), padding="same"):
    """Gradients of ``sum(conv2d(x, w) * probe)`` for `x` and `w`, from the
    definition (each output position's patch, one at a time)."""
    b, h, wd, _ = x.shape
    kh, kw, _, _ = w.shape
    sy, sx = strides
    (pt, pb), (pl, pr) = _pads(h, wd, kh, kw, strides, padding)
    xp = np.pad(np.asarray(x, np.float64), [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    dxp = np.zeros_like(xp)
    dw = np.zeros(w.shape, np.float64)
    _, oh, ow, _ = probe.shape
    for i in range(oh):
        for j in range(ow):
            rows, cols = slice(i * sy, i * sy + kh), slice(j * sx, j * sx + kw)
            g = probe[:, i, j, :]
            dw += np.einsum("bhwc,bf->hwcf", xp[:, rows, cols, :], g)
            dxp[:, rows, cols, :] += np.einsum("hwcf,bf->bhwc", w, g)
    return dxp[:, pt : pt + h, pl : pl + wd, :], dw


def switch_unpool_gradient(probe, where):
    """Gradient of ``sum(switch_unpool(updates, where) * probe)`` for the
    updates: each window reads the probe at its maximum."""
    b, oh, ow, c = where.shape[:4]
    out = np.zeros((b, oh, ow, c), np.float64)
    for n in range(b):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    y, x = where[n, i, j, ch]
                    out[n, i, j, ch] = probe[n, y, x, ch]
    return out


# --- Keras' own numpy oracle of Conv2DTranspose ----------------------------
# Ported (channels-last, numpy only) from keras-team/keras,
# keras/src/layers/convolutional/conv_transpose_test.py (`np_conv2d_transpose`)
# and the two helpers it calls from keras/src/backend/common/backend_utils.py
# (`compute_conv_transpose_output_shape`, the Keras-to-JAX padding).


def _keras_conv_transpose_length(length, kernel, stride, padding, output_padding):
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        return length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


def _keras_to_jax_left_padding(kernel, stride, padding, output_padding):
    if padding == "valid":
        return kernel - 1
    if output_padding is None:
        pad_len = stride + kernel - 2
    else:
        pad_len = kernel + kernel % 2 - 2 + output_padding
    return min(pad_len // 2 + pad_len % 2, kernel - 1)


def keras_np_conv2d_transpose(
    x, kernel_weights, bias_weights, strides, padding, output_padding
):
    """Keras' `np_conv2d_transpose` (dilation 1): kernel (kh, kw, out, in)."""
    h_stride, w_stride = (strides, strides) if isinstance(strides, int) else strides
    if output_padding is None or isinstance(output_padding, int):
        output_padding = (output_padding, output_padding)
    h_kernel, w_kernel, ch_out, _ = kernel_weights.shape
    n_batch, h_x, w_x, _ = x.shape
    h_out = _keras_conv_transpose_length(
        h_x, h_kernel, h_stride, padding, output_padding[0]
    )
    w_out = _keras_conv_transpose_length(
        w_x, w_kernel, w_stride, padding, output_padding[1]
    )
    h_pad_side1 = (
        h_kernel
        - 1
        - _keras_to_jax_left_padding(h_kernel, h_stride, padding, output_padding[0])
    )
    w_pad_side1 = (
        w_kernel
        - 1
        - _keras_to_jax_left_padding(w_kernel, w_stride, padding, output_padding[1])
    )
    output = np.zeros([n_batch, h_out + h_kernel, w_out + w_kernel, ch_out])
    for nb in range(n_batch):
        for h_x_idx in range(h_x):
            h_out_idx = h_x_idx * h_stride
            for w_x_idx in range(w_x):
                w_out_idx = w_x_idx * w_stride
                output[
                    nb,
                    h_out_idx : h_out_idx + h_kernel,
                    w_out_idx : w_out_idx + w_kernel,
                    :,
                ] += np.sum(
                    kernel_weights[:, :, :, :] * x[nb, h_x_idx, w_x_idx, :], axis=-1
                )
    output = output + bias_weights
    return output[
        :, h_pad_side1 : h_out + h_pad_side1, w_pad_side1 : w_out + w_pad_side1
    ]
