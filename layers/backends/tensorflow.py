"""TensorFlow's recipes for the layers (imported on that backend only).

Switch pooling, outside XLA: `tf.nn.max_pool_with_argmax` finds each
window's first maximum once (row-major order on ties, on CPU and GPU). In
a graph (`tf.function`, Keras' `fit` and `predict`) the switches it returns
are the output of an ``IdentityN`` op over the stopped input and those
flat indices, so the indices are part of the switches' own definition: the
unpooling reads them from there (`indices_in_switches`) and routes values
with the max-pool gradient kernel, which adds where windows overlap.
Switches without them (eager tensors, a copy, a model's input, another
pooling's arguments) are pooled again. XLA has no argmax kernel: under
``jit_compile=True`` MaxPool and MaxPoolGrad (SelectAndScatter) do the
same.
"""

import tensorflow as tf
from keras import ops

from layers import _spatial


def _in_xla():
    """Whether ops are being traced for XLA (`jit_compile=True`)."""
    try:
        from tensorflow.python.ops import control_flow_util
    except ImportError:  # Internal API gone: take the path XLA compiles.
        return True
    graph = tf.compat.v1.get_default_graph()
    return control_flow_util.GraphOrParentsInXlaContext(graph)


def _windows(pool_size, strides, padding):
    return (
        (1,) + tuple(pool_size) + (1,),
        (1,) + tuple(strides) + (1,),
        padding.upper(),
    )


def max_pool_with_switches(inputs, pool_size, strides, padding):
    """``(pooled, switches)``; in a graph outside XLA the switches carry
    `max_pool_with_argmax`'s indices (see the module docstring)."""
    switches = tf.stop_gradient(inputs)
    if _in_xla():
        return ops.max_pool(inputs, pool_size, strides, padding), switches
    ksize, stride, pad = _windows(pool_size, strides, padding)
    pooled, argmax = tf.nn.max_pool_with_argmax(
        inputs, ksize, stride, pad, include_batch_in_index=True
    )
    if not tf.executing_eagerly():
        switches = tf.raw_ops.IdentityN(input=[switches, argmax])[0]
    return pooled, switches


def indices_in_switches(switches, pool_size, strides, padding):
    """The flat argmax indices that `max_pool_with_switches` with these
    arguments made `switches` from, or None (an eager tensor, a copy,
    another pooling)."""
    if tf.executing_eagerly() or not hasattr(switches, "op"):
        return None
    op = switches.op
    if op.type != "IdentityN" or len(op.inputs) != 2:
        return None
    argmax = op.inputs[1]
    pooling = argmax.op
    ksize, stride, pad = _windows(pool_size, strides, padding)
    if (
        pooling.type != "MaxPoolWithArgmax"
        or argmax.value_index != 1
        or list(pooling.get_attr("ksize")) != list(ksize)
        or list(pooling.get_attr("strides")) != list(stride)
        or pooling.get_attr("padding").decode() != pad
        or not pooling.get_attr("include_batch_in_index")
    ):
        return None
    return argmax


def switch_unpool(updates, switches, pool_size, strides, padding):
    """Switch unpooling with the max-pool gradient kernels."""
    ksize, stride, pad = _windows(pool_size, strides, padding)
    if _in_xla():
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
    argmax = indices_in_switches(switches, pool_size, strides, padding)
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


def add_bias(outputs, bias):
    """``outputs + bias`` over the last axis, as `tf.nn.bias_add`; in
    bfloat16 with the bias's gradient summed by `tf.reduce_sum`.

    TensorFlow's CPU `BiasAddGrad` sums a bfloat16 gradient in bfloat16,
    whose sum stops growing at 256 (each further 1 rounds away): over the
    64 x 32 x 32 positions of a uconv's output the bias's gradient came out
    up to 99% off (tensorflow/tensorflow#86378). `reduce_sum` accumulates
    bfloat16 in float32, and runs faster. float16 keeps `BiasAddGrad`,
    which accumulates it in float32 (its `reduce_sum` does not).
    """
    bias = tf.cast(bias, outputs.dtype)
    if outputs.dtype != tf.bfloat16:
        return tf.nn.bias_add(outputs, bias)

    @tf.custom_gradient
    def biased(outputs, bias):
        def gradient(upstream):
            axes = list(range(upstream.shape.rank - 1))
            return upstream, tf.reduce_sum(upstream, axis=axes)

        return tf.nn.bias_add(outputs, bias), gradient

    return biased(outputs, bias)


def matmul(x, kernel):
    """``x @ kernel`` for a dense layer, `x` ``(B, in)``, `kernel`
    ``(in, out)``; in float32 the gradient of `x` is taken as
    ``(kernel @ dy^T)^T`` rather than TensorFlow's ``dy @ kernel^T``.

    oneDNN's float32 product with a transposed right operand runs that
    second form at about 60 GFLOP/s for the chairs generator's
    1024 -> 16,384 layer at batch 64, the first at about 135, with the same
    numbers (docs/benchmarks.md). bfloat16 keeps TensorFlow's gradient,
    which is the faster form there.
    """
    x, kernel = tf.convert_to_tensor(x), tf.convert_to_tensor(kernel)
    if kernel.dtype != tf.float32 or x.dtype != tf.float32 or x.shape.rank != 2:
        return ops.matmul(x, kernel)

    @tf.custom_gradient
    def product(x, kernel):
        def gradient(upstream):
            d_x = tf.transpose(tf.matmul(kernel, upstream, transpose_b=True))
            return d_x, tf.matmul(x, upstream, transpose_a=True)

        return tf.matmul(x, kernel), gradient

    return product(x, kernel)


def sub_kernels(kernel, row_starts, col_starts, size):
    """The phase sub-kernels ``kernel[t0y::sy, t0x::sx]``, cut by splitting
    the kernel into single rows (then columns) and concatenating every
    ``s``-th: the same values as strided slices, whose gradients (one
    full-size strided-slice gradient per phase, then their sum) made the
    training step slower (docs/benchmarks.md)."""
    sy, sx = size
    kh, kw = kernel.shape[0], kernel.shape[1]
    rows = ops.split(kernel, kh, axis=0)
    subs = {}
    for t0y in row_starts:
        cols = ops.split(_joined(rows[t0y::sy], axis=0), kw, axis=1)
        for t0x in col_starts:
            subs[t0y, t0x] = _joined(cols[t0x::sx], axis=1)
    return subs


def _joined(pieces, axis):
    """`pieces` concatenated along `axis` (one piece: itself)."""
    return pieces[0] if len(pieces) == 1 else ops.concatenate(pieces, axis=axis)


# The compute dtypes in which `UnpoolConv2D`'s "phases" take the kernel's
# gradient from `shifted_kernel_gradient` rather than oneDNN's
# Conv2DBackpropFilter, which runs at about 40% of the forward convolution's
# speed in bfloat16 on these shapes (docs/benchmarks.md).
SHIFTED_KERNEL_GRADIENT_DTYPES = ("bfloat16",)


def with_kernel_gradient(outputs, inputs, kernel, taps, size):
    """`outputs` (the phases' output, computed from `kernel` with its
    gradient stopped) with `kernel`'s gradient taken by
    `shifted_kernel_gradient`. The input's gradient is untouched: it flows
    through `outputs` as before."""

    @tf.custom_gradient
    def attach(outputs, kernel):
        def gradient(upstream):
            return upstream, shifted_kernel_gradient(
                inputs, upstream, kernel.shape, taps, size
            )

        return tf.identity(outputs), gradient

    return attach(outputs, kernel)


def shifted_kernel_gradient(inputs, upstream, kernel_shape, taps, size):
    """The gradient of an `UnpoolConv2D` kernel, ``(kh, kw, in, out)``, as
    one matrix product per input shift.

    Tap ``(t0y + sy*a, t0x + sx*b)`` of phase ``(ry, rx)`` meets input pixel
    ``(i + oy + a, j + ox + b)`` at that phase's output ``(i, j)`` (`taps`:
    `layers.unpool_conv.phase_taps` of each axis). So its gradient is the
    input shifted by ``(oy + a, ox + b)``, flattened to ``(B*H*W, in)``,
    transposed, times the phase's upstream gradient ``(B*H*W, out)``. The
    taps that share a shift (one per phase) share one product, their
    phases' gradients side by side: 9 products for a 5x5 kernel and
    ``size=2``, no multiply-add wasted.
    """
    kh, kw, channels, filters = kernel_shape
    sy, sx = size
    # (B, H, W, sy*sx*filters), phase ry*sx + rx at channels p*filters...
    phases = _phase_split(upstream, size)
    lo = [min(o for _, n, o in axis if n) for axis in taps]
    hi = [max(o + n - 1 for _, n, o in axis if n) for axis in taps]
    height, width = tf.shape(inputs)[1], tf.shape(inputs)[2]
    padded = _spatial.pad_or_crop(inputs, (-lo[0], hi[0]), (-lo[1], hi[1]))
    by_shift = {}
    for ry, (t0y, ny, oy) in enumerate(taps[0]):
        for rx, (t0x, nx, ox) in enumerate(taps[1]):
            for a in range(ny):
                for b in range(nx):
                    by_shift.setdefault((oy + a, ox + b), []).append(
                        ((t0y + sy * a, t0x + sx * b), ry * sx + rx)
                    )
    gradients = {}
    for (dy, dx), uses in sorted(by_shift.items()):
        shifted = padded[
            :, dy - lo[0] : dy - lo[0] + height, dx - lo[1] : dx - lo[1] + width
        ]
        phase_ids = [p for _, p in uses]
        product = tf.matmul(
            tf.reshape(shifted, (-1, channels)),
            tf.reshape(
                _channel_blocks(phases, phase_ids, filters), (-1, len(uses) * filters)
            ),
            transpose_a=True,
        )
        for (tap, _), block in zip(uses, tf.split(product, len(uses), axis=1)):
            gradients[tap] = block
    zeros = tf.zeros((channels, filters), upstream.dtype)
    stacked = tf.stack(
        [gradients.get((ty, tx), zeros) for ty in range(kh) for tx in range(kw)]
    )
    return tf.reshape(stacked, (kh, kw, channels, filters))


def _phase_split(images, size):
    """(B, sy*H, sx*W, C) -> (B, H, W, sy*sx*C), phase ``ry*sx + rx`` at
    channels ``[p*C, (p+1)*C)``: the inverse of interleaving the phases."""
    sy, sx = size
    if sy == sx:
        return tf.nn.space_to_depth(images, sy)
    shape = tf.shape(images)
    b, h, w, c = shape[0], shape[1] // sy, shape[2] // sx, images.shape[-1]
    cells = tf.reshape(images, (b, h, sy, w, sx, c))
    return tf.reshape(tf.transpose(cells, (0, 1, 3, 2, 4, 5)), (b, h, w, sy * sx * c))


def _channel_blocks(phases, phase_ids, filters):
    """The channels of the given phases, side by side: one slice where they
    are consecutive."""
    if phase_ids == list(range(phase_ids[0], phase_ids[-1] + 1)):
        return phases[..., phase_ids[0] * filters : (phase_ids[-1] + 1) * filters]
    return tf.concat(
        [phases[..., p * filters : (p + 1) * filters] for p in phase_ids], -1
    )
