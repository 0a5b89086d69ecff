"""A slow, step-by-step numpy deconvnet (Zeiler & Fergus) used as a test oracle.

Written from the paper's description with loops over positions, independently
of `gen.deconvnet` and `layers` (neither is imported): the forward pass
records each max pooling's switches (the first maximum of every window in
row-major order), and the deconvnet unpools with them (adding where windows
overlap), rectifies, and filters with the transposed filters.

A network is a list of steps, each a tuple:

    ("conv", kernel (kh, kw, cin, cout), bias, (sy, sx), padding, activation)
    ("relu",)
    ("pool", (ky, kx), (sy, sx), padding)
    ("bn", gamma, beta, mean, variance, epsilon)
    ("flatten",)
    ("dense", kernel (in, out), bias, activation)

padding is "valid" or "same" (TensorFlow's rule: ceil(i/s) outputs, the
smaller half of the padding first); activation is "relu", "linear" or
"softmax" (the deconvnet starts from a softmax layer's pre-activation).
"""

import math

import numpy as np


def pads(size, kernel, stride, padding):
    if padding == "valid":
        return 0, 0
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv(x, w, b, strides, padding):
    n, h, wd, _ = x.shape
    kh, kw, _, f = w.shape
    (pt, pb), (pl, pr) = (
        pads(h, kh, strides[0], padding),
        pads(wd, kw, strides[1], padding),
    )
    xp = np.pad(x, [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    oh = (h + pt + pb - kh) // strides[0] + 1
    ow = (wd + pl + pr - kw) // strides[1] + 1
    out = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = xp[
                :,
                i * strides[0] : i * strides[0] + kh,
                j * strides[1] : j * strides[1] + kw,
                :,
            ]
            out[:, i, j, :] = np.tensordot(patch, w, 3) + b
    return out


def conv_transpose(y, w, in_shape, strides, padding):
    """Filtering with the transposed filters: every output value y[i, j, f]
    adds y * w[:, :, :, f] back onto the input window it was computed from."""
    n, h, wd, cin = in_shape
    kh, kw = w.shape[:2]
    (pt, pb), (pl, pr) = (
        pads(h, kh, strides[0], padding),
        pads(wd, kw, strides[1], padding),
    )
    xp = np.zeros((n, h + pt + pb, wd + pl + pr, cin))
    for i in range(y.shape[1]):
        for j in range(y.shape[2]):
            xp[
                :,
                i * strides[0] : i * strides[0] + kh,
                j * strides[1] : j * strides[1] + kw,
                :,
            ] += np.tensordot(y[:, i, j, :], w, axes=([1], [3]))
    return xp[:, pt : pt + h, pl : pl + wd, :]


def max_pool(x, pool, strides, padding):
    """Pooled maps and switches: for each window, (row, col) of its first
    maximum in row-major order (input coordinates)."""
    n, h, w, c = x.shape
    (pt, pb), (pl, pr) = (
        pads(h, pool[0], strides[0], padding),
        pads(w, pool[1], strides[1], padding),
    )
    xp = np.pad(x, [(0, 0), (pt, pb), (pl, pr), (0, 0)], constant_values=-np.inf)
    oh = (h + pt + pb - pool[0]) // strides[0] + 1
    ow = (w + pl + pr - pool[1]) // strides[1] + 1
    pooled = np.zeros((n, oh, ow, c))
    switches = np.zeros((n, oh, ow, c, 2), int)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for k in range(c):
                    window = xp[
                        b,
                        i * strides[0] : i * strides[0] + pool[0],
                        j * strides[1] : j * strides[1] + pool[1],
                        k,
                    ]
                    r, s = np.unravel_index(np.argmax(window), window.shape)
                    pooled[b, i, j, k] = window[r, s]
                    switches[b, i, j, k] = (
                        i * strides[0] + r - pt,
                        j * strides[1] + s - pl,
                    )
    return pooled, switches


def unpool(y, switches, in_shape):
    out = np.zeros(in_shape)
    n, oh, ow, c = y.shape
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for k in range(c):
                    r, s = switches[b, i, j, k]
                    out[b, r, s, k] += y[b, i, j, k]  # overlapping windows add
    return out


def forward(steps, x):
    """The convnet's forward pass: (top activations, per-step records)."""
    records = []
    x = np.asarray(x, np.float64)
    for step in steps:
        kind = step[0]
        records.append(x.shape)
        if kind == "conv":
            _, w, b, strides, padding, act = step
            x = conv(x, w, b, strides, padding)
            x = np.maximum(x, 0) if act == "relu" else x
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "pool":
            x, switches = max_pool(x, *step[1:])
            records[-1] = (records[-1], switches)
        elif kind == "bn":
            _, gamma, beta, mean, var, eps = step
            x = gamma * (x - mean) / np.sqrt(var + eps) + beta
        elif kind == "flatten":
            x = x.reshape(len(x), -1)
        elif kind == "dense":
            _, w, b, act = step
            x = x @ w + b
            x = np.maximum(x, 0) if act == "relu" else x
    return x, records


def deconvnet(steps, records, signal):
    """Projects `signal` (top-layer activations, others zeroed) to pixels."""
    for step, record in zip(steps[::-1], records[::-1]):
        kind = step[0]
        if kind == "conv":
            _, w, _, strides, padding, act = step
            signal = np.maximum(signal, 0) if act == "relu" else signal
            signal = conv_transpose(signal, w, record, strides, padding)
        elif kind == "relu":
            signal = np.maximum(signal, 0)
        elif kind == "pool":
            in_shape, switches = record
            signal = unpool(signal, switches, in_shape)
        elif kind == "bn":
            _, gamma, _, _, var, eps = step
            signal = signal * gamma / np.sqrt(var + eps)
        elif kind == "flatten":
            signal = signal.reshape(record)
        elif kind == "dense":
            _, w, _, act = step
            signal = np.maximum(signal, 0) if act == "relu" else signal
            signal = signal @ w.T
    return signal
