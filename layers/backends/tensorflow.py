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
