"""JAX's recipes for the layers: the `keras.ops` definitions themselves.

Switch pooling and unpooling run `layers._switch_windows` (shifted views
and first-maximum masks), which XLA fuses into one loop per direction; it
is faster there than `lax.reduce_window` max and its gradient
(docs/benchmarks.md). The switches are the pooled input, gradient
stopped; they carry nothing else, since the unpooling finds the maxima
again inside the same fused loop.

A bias's gradient is summed in float32 where the compute dtype is
bfloat16 or float16: XLA sums the transpose of the bias's broadcast in
the dtype itself, and a bfloat16 sum stops growing at 256 to 512.
"""

import jax
import jax.numpy as jnp
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


def add_bias(outputs, bias):
    """``outputs + bias`` over the last axis; in bfloat16 and float16 the
    bias's gradient summed in float32 (see the module docstring)."""
    bias = ops.cast(bias, outputs.dtype)
    if outputs.dtype in (jnp.bfloat16, jnp.float16):
        return _add_bias_summed_in_float32(outputs, bias)
    return outputs + bias


@jax.custom_vjp
def _add_bias_summed_in_float32(outputs, bias):
    return outputs + bias


def _forward(outputs, bias):
    return outputs + bias, None


def _backward(_, upstream):
    axes = tuple(range(upstream.ndim - 1))
    summed = jnp.sum(upstream, axis=axes, dtype=jnp.float32)
    return upstream, summed.astype(upstream.dtype)


_add_bias_summed_in_float32.defvjp(_forward, _backward)
