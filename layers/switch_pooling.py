"""Max pooling that records its switches, and unpooling that uses them.

Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks"
(2014): the deconvnet records, for every pooling window, where its maximum
was (the "switch"), and unpools by putting each value back there, zeros
elsewhere; where windows overlap, values landing on one position add up.

How the switches are recorded
-----------------------------
The switches are the pooled input itself (with its gradient stopped):
unpooling recomputes each window's first maximum (row-major order on ties)
from it. Keeping the input instead of flat argmax indices

* makes the unpooled shape exact from ``unpool(updates, switches)`` alone,
  odd sizes and ``"same"`` padding included (indices cannot tell a 4-wide
  input from a 5-wide one);
* compiles under XLA (TensorFlow's ``jit_compile=True``, ``jax.jit``),
  unlike `tf.nn.max_pool_with_argmax`, which has no XLA kernel;
* means the same on every backend, where PyTorch's `max_unpool2d` writes one
  of the values that land on a position instead of adding them;
* costs the same memory as int32 indices of the input's size.

How it is computed
------------------
`pool_by_windows` and `unpool_by_windows` are the definitions in
`keras.ops`: the ``kh * kw`` shifted views of the input that the windows
read, each window's first maximum as one mask per view, and each view added
back into place. Each backend runs its fastest exact recipe for the same
functions (the seam at the end of this module, with its measurements):
TensorFlow `max_pool_with_argmax`, whose indices ride on the switches to the
unpooling and route values with the max-pool gradient kernel (MaxPool and
SelectAndScatter under XLA, which has no argmax kernel), JAX the keras.ops
definitions (one fused XLA loop, many times faster than
`lax.reduce_window` and its gradient), PyTorch
`max_pool2d(return_indices=True)` and `max_unpool2d`, or `scatter_add` where
windows overlap (adding where `max_unpool2d` would overwrite). Indices are
only a shortcut: switches that lost them (a model's output, a copy) are
pooled again.
"""

import keras
from keras import ops

from layers import _backend, _checks, _spatial, arithmetic


def _pool_arguments(pool_size, strides, padding):
    pool_size = _checks.positive_pair(pool_size, "pool_size")
    strides = (
        pool_size if strides is None else _checks.positive_pair(strides, "strides")
    )
    return pool_size, strides, _checks.padding_string(padding)


@keras.saving.register_keras_serializable(package="layers")
class MaxPoolingWithSwitches2D(keras.layers.Layer):
    """Max pooling that also returns where each maximum was (its switches).

    ``pooled`` equals `keras.layers.MaxPooling2D` with the same arguments, and
    gradients flow through it to the input, to each window's first maximum
    (row-major order on ties) on every backend. ``switches`` records where
    each window's maximum was: it is the pooled input itself with its
    gradient stopped, not argmax indices (see the module docstring for
    why). Pass it to a `layers.SwitchUnpooling2D` with the same arguments
    (`matching_unpooling` builds one) to put values back where the maxima
    were.

    Args:
        pool_size: int or pair, the window size.
        strides: int, pair or None (defaults to `pool_size`). Windows overlap
            when a stride is smaller than the window.
        padding: ``"valid"`` or ``"same"``, as in `keras.layers.MaxPooling2D`.
        data_format: only ``"channels_last"`` (or None for Keras' global
            setting, which must then be channels-last).
        **kwargs: base `keras.layers.Layer` arguments.

    Input shape:
        4D tensor ``(batch, height, width, channels)``.

    Output:
        A tuple ``(pooled, switches)``: ``pooled`` is
        ``(batch, pooled_height, pooled_width, channels)``; ``switches`` is
        ``(batch, height, width, channels)``, in the layer's compute dtype.

    Example:

    >>> pool = layers.MaxPoolingWithSwitches2D(pool_size=2)
    >>> unpool = pool.matching_unpooling()
    >>> pooled, switches = pool(x)            # x: (B, 5, 7, C)
    >>> y = unpool(pooled, switches)          # (B, 5, 7, C): maxima, 0 elsewhere
    """

    def __init__(
        self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs
    ):
        _backend.check_supported(type(self).__name__)
        super().__init__(**kwargs)
        self.pool_size, self.strides, self.padding = _pool_arguments(
            pool_size, strides, padding
        )
        self.data_format = _checks.channels_last(data_format, type(self).__name__)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        _checks.rank4(input_shape, type(self).__name__)
        self.built = True

    def call(self, inputs):
        return _pool(inputs, self.pool_size, self.strides, self.padding)

    def compute_output_shape(self, input_shape):
        b, h, w, c = _checks.rank4(input_shape, type(self).__name__)
        pooled = (
            b,
            arithmetic.pool_output_size(
                h, self.pool_size[0], self.strides[0], self.padding
            ),
            arithmetic.pool_output_size(
                w, self.pool_size[1], self.strides[1], self.padding
            ),
            c,
        )
        return pooled, (b, h, w, c)

    def compute_output_spec(self, inputs):
        pooled_shape, switches_shape = self.compute_output_shape(inputs.shape)
        return (
            keras.KerasTensor(pooled_shape, dtype=self.compute_dtype),
            keras.KerasTensor(switches_shape, dtype=self.compute_dtype),
        )

    def matching_unpooling(self, **kwargs):
        """A `SwitchUnpooling2D` with this layer's pool size, strides, padding."""
        return SwitchUnpooling2D(self.pool_size, self.strides, self.padding, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="layers")
class SwitchUnpooling2D(keras.layers.Layer):
    """Unpooling with recorded switches (Zeiler & Fergus).

    Called as ``unpool(updates, switches)``: every value of `updates` (one
    per pooling window) goes to the position of its window's maximum in the
    input that `layers.MaxPoolingWithSwitches2D` pooled, zeros elsewhere.
    Where windows overlap, values that land on the same position are added,
    as in Zeiler & Fergus' Caffe unpooling (PyTorch's `max_unpool2d` writes
    one of them instead). Ties go to the first maximum in row-major order.
    The output has exactly the shape of the pooled input. It is linear in
    `updates`, so gradients flow to `updates`; `switches` carry none. The
    same on TensorFlow (also under ``jit_compile=True``), JAX (also under
    `jax.jit`) and PyTorch.

    Use the same `pool_size`, `strides` and `padding` as the pooling layer
    (`MaxPoolingWithSwitches2D.matching_unpooling()` does that).

    Args:
        pool_size: int or pair, the pooling window size.
        strides: int, pair or None (defaults to `pool_size`).
        padding: ``"valid"`` or ``"same"``.
        data_format: only ``"channels_last"``.
        **kwargs: base `keras.layers.Layer` arguments.

    Call arguments:
        updates: ``(batch, pooled_height, pooled_width, channels)``, values
            to unpool (the pooled maps, or a signal projected down to them).
        switches: ``(batch, height, width, channels)`` from
            `MaxPoolingWithSwitches2D`.

    Output shape:
        ``(batch, height, width, channels)``, the switches' shape.
    """

    def __init__(
        self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs
    ):
        _backend.check_supported(type(self).__name__)
        super().__init__(**kwargs)
        self.pool_size, self.strides, self.padding = _pool_arguments(
            pool_size, strides, padding
        )
        self.data_format = _checks.channels_last(data_format, type(self).__name__)

    def build(self, updates_shape, switches_shape):
        self._check_shapes(updates_shape, switches_shape)
        self.built = True

    def _check_shapes(self, updates_shape, switches_shape):
        name = type(self).__name__
        updates_shape = _checks.rank4(updates_shape, name, "updates")
        switches_shape = _checks.rank4(switches_shape, name, "switches")
        if updates_shape[-1] != switches_shape[-1]:
            raise ValueError(
                f"{name}: updates have {updates_shape[-1]} channels but the "
                f"switches have {switches_shape[-1]}; pass the switches "
                "recorded when pooling the maps that `updates` stand for."
            )
        for axis in (1, 2):
            expected = arithmetic.pool_output_size(
                switches_shape[axis],
                self.pool_size[axis - 1],
                self.strides[axis - 1],
                self.padding,
            )
            if (
                expected is not None
                and updates_shape[axis] is not None
                and (expected != updates_shape[axis])
            ):
                raise ValueError(
                    f"{name}: switches of shape {switches_shape} come from "
                    f"pooling a {switches_shape[1]}x{switches_shape[2]} input, "
                    f"which with pool_size={self.pool_size}, strides="
                    f"{self.strides} and padding='{self.padding}' gives "
                    "pooled maps of "
                    f"{arithmetic.pool_output_size(switches_shape[1], self.pool_size[0], self.strides[0], self.padding)}x"
                    f"{arithmetic.pool_output_size(switches_shape[2], self.pool_size[1], self.strides[1], self.padding)}"
                    f", but updates have shape {updates_shape}. Use the "
                    "switches and pool arguments of the pooling that produced "
                    "these updates."
                )
        return updates_shape, switches_shape

    def call(self, updates, switches):
        dtype = keras.backend.standardize_dtype(switches.dtype)
        if not keras.backend.is_float_dtype(dtype):
            raise ValueError(
                f"{type(self).__name__}: switches must be the floating-point "
                "tensor that MaxPoolingWithSwitches2D returns (the pooled "
                f"input), got dtype {dtype}. Integer argmax indices "
                "(tf.nn.max_pool_with_argmax, PyTorch's return_indices) are "
                "not accepted."
            )
        self._check_shapes(tuple(updates.shape), tuple(switches.shape))
        return _native_unpool(
            updates, switches, self.pool_size, self.strides, self.padding
        )

    def compute_output_shape(self, updates_shape, switches_shape):
        updates_shape, switches_shape = self._check_shapes(
            updates_shape, switches_shape
        )
        return tuple(switches_shape[:3]) + (updates_shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
            }
        )
        return config


def _window_geometry(size, pool, stride, padding):
    """``(before, pooled_size, canvas_size)`` of one axis.

    The canvas holds whole stride cells, enough to cover every window:
    ``pooled_size + ceil(pool / stride) - 1`` of them.
    """
    pooled = arithmetic.pool_output_size(size, pool, stride, padding)
    before = 0
    if padding == "same":
        before = arithmetic.same_padding(size, pool, stride)[0]
    return before, pooled, (pooled - 1 + -(-pool // stride)) * stride


def _windows(x, pool_size, strides, padding):
    """The ``kh * kw`` shifted views of `x` that pooling windows read.

    Entry ``u * kw + v`` is ``(B, pooled_h, pooled_w, C)``: element
    ``(i, j)`` is row ``i*sh + u - top``, column ``j*sw + v - left`` of `x`
    (``-inf`` outside it), so pooling window ``(i, j)`` is entry ``[i, j]``
    of every view, in row-major order.
    """
    (kh, kw), (sh, sw) = pool_size, strides
    _, h, w, c = _spatial.dims(x)
    top, oh, rows = _window_geometry(h, kh, sh, padding)
    left, ow, cols = _window_geometry(w, kw, sw, padding)
    canvas = _spatial.pad_or_crop(
        x, (top, rows - top - h), (left, cols - left - w), constant_values=float("-inf")
    )
    cells = ops.reshape(canvas, (-1, rows // sh, sh, cols // sw, sw, c))
    return [
        cells[:, u // sh : u // sh + oh, u % sh, v // sw : v // sw + ow, v % sw]
        for u in range(kh)
        for v in range(kw)
    ]


def _first_maxima(windows):
    """One boolean mask per view: where it holds its window's first maximum
    (row-major order). Elementwise ops only, which XLA fuses into a loop."""
    window_max = windows[0]
    for window in windows[1:]:
        window_max = ops.maximum(window_max, window)
    masks, taken = [], None
    for window in windows:
        hit = ops.equal(window, window_max)
        if taken is not None:
            hit = ops.logical_and(hit, ops.logical_not(taken))
        taken = hit if taken is None else ops.logical_or(taken, hit)
        masks.append(hit)
    return masks


def pool_by_windows(inputs, pool_size, strides, padding):
    """Max pooling in `keras.ops` whose gradient goes to each window's first
    maximum (row-major order), as TensorFlow's and PyTorch's do."""
    windows = _windows(inputs, pool_size, strides, padding)
    masks = _first_maxima([ops.stop_gradient(w) for w in windows])
    zeros = ops.zeros_like(windows[0])
    pooled = None
    for window, mask in zip(windows, masks):
        part = ops.where(mask, window, zeros)
        pooled = part if pooled is None else pooled + part
    return pooled


def unpool_by_windows(updates, switches, pool_size, strides, padding):
    """Switch unpooling written in `keras.ops` (the definition).

    Every value of `updates` goes to the first maximum (row-major order) of
    its pooling window in `switches`; values landing on one position add.
    Needs the spatial size of `switches` to be known.
    """
    (kh, kw), (sh, sw) = pool_size, strides
    _, h, w, _ = _spatial.dims(switches)
    top, _, rows = _window_geometry(h, kh, sh, padding)
    left, _, cols = _window_geometry(w, kw, sw, padding)
    masks = _first_maxima(_windows(switches, pool_size, strides, padding))
    zeros = ops.zeros_like(updates)
    # View (u, v) = (a*sh + ry, b*sw + rx) lands on output phase (ry, rx),
    # shifted by (a, b) cells; the phases interleave into the canvas.
    qy, qx = -(-kh // sh), -(-kw // sw)
    phases = [None] * (sh * sw)
    for index, mask in enumerate(masks):
        u, v = divmod(index, kw)
        part = _spatial.pad_or_crop(
            ops.where(mask, updates, zeros),
            (u // sh, qy - 1 - u // sh),
            (v // sw, qx - 1 - v // sw),
        )
        phase = (u % sh) * sw + v % sw
        phases[phase] = part if phases[phase] is None else phases[phase] + part
    filler = next(p for p in phases if p is not None)
    phases = [ops.zeros_like(filler) if p is None else p for p in phases]
    unpooled = _spatial.interleave_phases(phases, (sh, sw))
    return _spatial.pad_or_crop(
        unpooled, (-top, h - (rows - top)), (-left, w - (cols - left))
    )


# --- The seam: each backend's fastest exact recipe -------------------------
#
# Measured on a 2-core CPU, batch 64, 2x2 pooling then unpooling, forward +
# backward (16x16x256, 32x32x256, 64x64x92 inputs):
# * TensorFlow: max_pool_with_argmax once, its indices kept on the switches,
#   MaxPoolGradWithArgmax to unpool: 1.04-1.13x the speed of TF Addons'
#   max_pool_with_argmax + scatter_nd (recomputing the maxima with MaxPool
#   and MaxPoolGrad was 0.92x); the keras.ops windows are 1.3-2.5x slower.
# * JAX: the keras.ops windows for both directions (one fused XLA loop) are
#   5-11x faster than reduce_window max and its gradient.
# * PyTorch: max_pool2d's indices, kept on the switches tensor for the
#   unpooling, then max_unpool2d (windows that do not overlap never repeat
#   an index) or scatter_add (overlapping windows: values add).


def _pool(inputs, pool_size, strides, padding):
    """``(pooled, switches)`` on the running backend."""
    backend = _backend.name()
    if backend == "jax":
        return (
            pool_by_windows(inputs, pool_size, strides, padding),
            ops.stop_gradient(inputs),
        )
    if backend == "torch":
        return _torch_pool(inputs, pool_size, strides, padding)
    return _tensorflow_pool(inputs, pool_size, strides, padding)


def _native_unpool(updates, switches, pool_size, strides, padding):
    """Switch unpooling by the running backend's fastest exact recipe."""
    backend = _backend.name()
    if backend == "tensorflow":
        return _tensorflow_unpool(updates, switches, pool_size, strides, padding)
    if backend == "torch":
        return _torch_unpool(updates, switches, pool_size, strides, padding)
    return unpool_by_windows(updates, switches, pool_size, strides, padding)


# Indices that a pooling found, kept on the switches tensor it returns (a new
# tensor object) for the unpooling, keyed by the pooling's arguments: an
# unpooling with other arguments, or switches that lost them (a model's
# output, a copy), finds the maxima again.
_KEPT_INDICES = "_layers_switch_indices"


def _keep_indices(switches, pool_size, strides, padding, indices):
    setattr(
        switches, _KEPT_INDICES, ((tuple(pool_size), tuple(strides), padding), indices)
    )


def _kept_indices(switches, pool_size, strides, padding):
    """The indices kept by `_keep_indices` for these arguments, or None."""
    kept = getattr(switches, _KEPT_INDICES, None)
    if kept is None or kept[0] != (tuple(pool_size), tuple(strides), padding):
        return None
    return kept[1]


# TensorFlow: outside XLA, `max_pool_with_argmax` finds each window's first
# maximum once (row-major order on ties, on CPU and GPU); the indices ride on
# the switches tensor to the unpooling, which routes values with the
# max-pool gradient kernel (it adds overlaps). Under XLA, which has no
# argmax kernel, MaxPool and MaxPoolGrad (SelectAndScatter) do the same.


def _tensorflow_in_xla():
    """Whether ops are being traced for XLA (`jit_compile=True`)."""
    import tensorflow as tf

    try:
        from tensorflow.python.ops import control_flow_util
    except ImportError:  # Internal API gone: take the path XLA compiles.
        return True
    graph = tf.compat.v1.get_default_graph()
    return control_flow_util.GraphOrParentsInXlaContext(graph)


def _tensorflow_windows(pool_size, strides, padding):
    return (
        (1,) + tuple(pool_size) + (1,),
        (1,) + tuple(strides) + (1,),
        padding.upper(),
    )


def _tensorflow_pool(inputs, pool_size, strides, padding):
    import tensorflow as tf

    switches = tf.stop_gradient(inputs)
    if _tensorflow_in_xla():
        return ops.max_pool(inputs, pool_size, strides, padding), switches
    ksize, stride, pad = _tensorflow_windows(pool_size, strides, padding)
    pooled, argmax = tf.nn.max_pool_with_argmax(
        inputs, ksize, stride, pad, include_batch_in_index=True
    )
    _keep_indices(switches, pool_size, strides, padding, argmax)
    return pooled, switches


def _tensorflow_unpool(updates, switches, pool_size, strides, padding):
    import tensorflow as tf

    ksize, stride, pad = _tensorflow_windows(pool_size, strides, padding)
    if _tensorflow_in_xla():
        # Route in the switches' own dtype: rounding them to the updates'
        # dtype could create ties that move a maximum.
        window_max = tf.nn.max_pool2d(switches, ksize, stride, pad)
        unpooled = tf.raw_ops.MaxPoolGrad(
            orig_input=switches,
            orig_output=window_max,
            grad=tf.cast(updates, switches.dtype),
            ksize=ksize,
            strides=stride,
            padding=pad,
        )
        return tf.cast(unpooled, updates.dtype)
    argmax = _kept_indices(switches, pool_size, strides, padding)
    if argmax is None:
        _, argmax = tf.nn.max_pool_with_argmax(
            switches, ksize, stride, pad, include_batch_in_index=True
        )
    # Only the shape of this input is read.
    shape_of = tf.cast(switches, updates.dtype)

    @tf.custom_gradient
    def route(values):
        unpooled = tf.raw_ops.MaxPoolGradWithArgmax(
            input=shape_of,
            grad=values,
            argmax=argmax,
            ksize=ksize,
            strides=stride,
            padding=pad,
            include_batch_in_index=True,
        )

        def gradient(upstream):
            # Each value's gradient is read where it was put.
            return tf.gather(tf.reshape(upstream, (-1,)), argmax)

        return unpooled, gradient

    return route(updates)


def _torch_max_pool(x, pool_size, strides, padding):
    """PyTorch max pooling of NHWC `x`: ``(pooled NHWC, indices)``, where
    `indices` are max_pool2d's flat per-plane indices (first maximum on
    ties) into the padded planes, with the padding and the planes' size."""
    import torch.nn.functional as F

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
    return pooled.permute(0, 2, 3, 1), (indices, geometry)


def _torch_pool(inputs, pool_size, strides, padding):
    pooled, indices = _torch_max_pool(inputs, pool_size, strides, padding)
    switches = inputs.detach()
    _keep_indices(switches, pool_size, strides, padding, indices)
    return pooled, switches


def _torch_unpool(updates, switches, pool_size, strides, padding):
    import torch
    import torch.nn.functional as F

    kept = _kept_indices(switches, pool_size, strides, padding)
    if kept is None:
        _, kept = _torch_max_pool(switches, pool_size, strides, padding)
    indices, (top, left, hp, wp) = kept
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
