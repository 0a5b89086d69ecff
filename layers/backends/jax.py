"""JAX's recipes for the layers: the `keras.ops` definitions themselves.

Switch pooling and unpooling run `layers._switch_windows` (shifted views
and first-maximum masks), which XLA fuses into one loop per direction; it
is faster there than `lax.reduce_window` max and its gradient
(docs/benchmarks.md). The switches are the pooled input, gradient
stopped; they carry nothing else, since the unpooling finds the maxima
again inside the same fused loop.
"""

from keras import ops

from layers import _switch_windows


def max_pool_with_switches(inputs, pool_size, strides, padding):
    """``(pooled, switches)`` by the `keras.ops` definition."""
    pooled = _switch_windows.pool_by_windows(inputs, pool_size, strides, padding)
    return pooled, ops.stop_gradient(inputs)


def switch_unpool(updates, switches, pool_size, strides, padding):
    """Switch unpooling by the `keras.ops` definition."""
    return _switch_windows.unpool_by_windows(
        updates, switches, pool_size, strides, padding
    )
