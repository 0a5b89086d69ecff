"""Each Keras backend's recipes for the layers, one function per operation.

The layers say what they compute in `keras.ops`; where a backend has a
faster exact recipe for the same numbers, it lives in that backend's
module here, as Keras keeps its kernels in ``keras/src/backend/<name>/``:

* `tensorflow`: switch pooling with `tf.nn.max_pool_with_argmax` and
  unpooling with the max-pool gradient kernels (MaxPool and
  SelectAndScatter under XLA); `UnpoolConv2D`'s phase sub-kernels by
  split + concat rather than strided slices, and in bfloat16 its kernel's
  gradient by one matrix product per input shift; a bfloat16 bias's
  gradient by `reduce_sum`; a float32 dense product's input gradient as
  ``(kernel @ dy^T)^T``;
* `torch`: `max_pool2d(return_indices=True)`, then `max_unpool2d` or
  `scatter_add`;
* `jax`: the `keras.ops` definitions (`layers._switch_windows`), which XLA
  fuses; a bfloat16 or float16 bias's gradient summed in float32.

The module is picked once, when this package is imported, from
`keras.backend.backend()`; the layers call the functions below and never
branch on the backend themselves. Any other backend gets the `keras.ops`
definitions (the layers refuse to be built there, `layers._backend`).

What `max_pool_with_switches` returns as switches is always a tensor equal
to the pooled input, gradient stopped; on TensorFlow graphs and on PyTorch
it also carries the pooling's flat argmax indices (an ``IdentityN`` op over
both in the graph; a `layers.backends.torch.Switches` tensor), which
`switch_unpool` uses when its window arguments match.
"""

import keras

from layers import _backend

BACKEND = keras.backend.backend()
if BACKEND == "tensorflow":
    from layers.backends import tensorflow as _recipes
elif BACKEND == "torch":
    from layers.backends import torch as _recipes
else:
    from layers.backends import jax as _recipes

# `UnpoolConv2D(implementation="auto")`: the width (filters) from which one
# convolution per output phase ("phases") beats one wide sub-pixel
# convolution ("subpixel"), per backend and compute dtype ("low_precision":
# bfloat16 and float16, unless the dtype has its own entry). "transpose" is
# never chosen. TensorFlow's bfloat16 phases take their kernel gradient from
# `shifted_kernel_gradient`, which makes them win from 32 filters rather
# than 64. Measured with `experiments.bench_layers` and, for TensorFlow's
# bfloat16, the script beside the figures in docs/benchmarks.md.
UCONV_PHASES_FROM = {
    "tensorflow": {"float32": 16, "float64": 16, "bfloat16": 32, "low_precision": 64},
    "jax": {"float32": 16, "float64": 16, "low_precision": 64},
    "torch": {"float32": 128, "float64": 128, "low_precision": 128},
}


def max_pool_with_switches(inputs, pool_size, strides, padding):
    """Max pooling of NHWC `inputs` that also returns its switches.

    Args:
        inputs: ``(B, H, W, C)`` floating-point tensor.
        pool_size, strides: pairs of positive ints.
        padding: ``"valid"`` or ``"same"``.

    Returns:
        ``(pooled, switches)``: ``pooled`` ``(B, pooled_h, pooled_w, C)``
        equals ``keras.ops.max_pool``, its gradient going to each window's
        first maximum (row-major order); ``switches`` ``(B, H, W, C)``
        equals `inputs` with its gradient stopped, and may carry the flat
        argmax indices for `switch_unpool` (see the module docstring).
    """
    return _recipes.max_pool_with_switches(inputs, pool_size, strides, padding)


def switch_unpool(updates, switches, pool_size, strides, padding):
    """Puts each value of `updates` ``(B, pooled_h, pooled_w, C)`` at the
    first maximum (row-major order) of its window in `switches`
    ``(B, H, W, C)``, zeros elsewhere, adding values that land on one
    position. Returns ``(B, H, W, C)`` in the dtype of `updates`."""
    return _recipes.switch_unpool(updates, switches, pool_size, strides, padding)


def add_bias(outputs, bias):
    """``outputs + bias``, `bias` ``(C,)`` added along the last axis of
    `outputs` ``(..., C)``, in the dtype of `outputs`, its gradient summed
    without losing precision: TensorFlow's CPU kernel for it and XLA (on
    JAX) sum bfloat16 in bfloat16, which stops growing at 256 to 512, so
    both sum it in float32 there (`layers.backends.tensorflow.add_bias`,
    `layers.backends.jax.add_bias`); PyTorch adds as `keras.ops.add`."""
    recipe = getattr(_recipes, "add_bias", None)
    if recipe is None:
        return keras.ops.add(outputs, keras.ops.cast(bias, outputs.dtype))
    return recipe(outputs, bias)


def matmul(x, kernel):
    """``x @ kernel`` as a dense layer computes it (`x` ``(B, in)``,
    `kernel` ``(in, out)``), its gradients in the form the backend runs
    fastest: on TensorFlow in float32 the input's gradient as
    ``(kernel @ dy^T)^T`` (`layers.backends.tensorflow.matmul`); elsewhere
    `keras.ops.matmul`."""
    recipe = getattr(_recipes, "matmul", None)
    return keras.ops.matmul(x, kernel) if recipe is None else recipe(x, kernel)


def sub_kernels(kernel, row_starts, col_starts, size):
    """``{(t0y, t0x): kernel[t0y::sy, t0x::sx]}`` for every ``t0y`` in
    `row_starts` and ``t0x`` in `col_starts`: the phase sub-kernels of a
    ``(kh, kw, in, out)`` kernel for an unpooling of `size` ``(sy, sx)``.
    Strided slices, except on TensorFlow (split + concat, see
    `layers.backends.tensorflow.sub_kernels`)."""
    recipe = getattr(_recipes, "sub_kernels", _strided_sub_kernels)
    return recipe(kernel, row_starts, col_starts, size)


def takes_kernel_gradient(dtype):
    """Whether `with_kernel_gradient` has a recipe for `UnpoolConv2D`'s
    kernel in this compute dtype on the running backend: TensorFlow in
    bfloat16, where oneDNN's kernel gradient is slow (one matrix product
    per input shift instead)."""
    dtypes = getattr(_recipes, "SHIFTED_KERNEL_GRADIENT_DTYPES", ())
    return keras.backend.standardize_dtype(dtype) in dtypes


def with_kernel_gradient(outputs, inputs, kernel, taps, size):
    """`outputs`, `UnpoolConv2D`'s phases computed from `inputs` and
    `kernel` with the kernel's gradient stopped, given the kernel's
    gradient by the backend's recipe (`takes_kernel_gradient`; on
    TensorFlow `layers.backends.tensorflow.shifted_kernel_gradient`). The
    gradient of `inputs` flows through `outputs` as before."""
    return _recipes.with_kernel_gradient(outputs, inputs, kernel, taps, size)


def _strided_sub_kernels(kernel, row_starts, col_starts, size):
    sy, sx = size
    return {
        (t0y, t0x): kernel[t0y::sy, t0x::sx] for t0y in row_starts for t0x in col_starts
    }


def uconv_implementation(filters, dtype, backend=None):
    """``"phases"`` or ``"subpixel"``: what `UnpoolConv2D`'s ``"auto"`` runs
    for `filters` outputs in compute `dtype` on `backend` (None: the
    running one)."""
    rules = UCONV_PHASES_FROM[backend or _backend.name()]
    return (
        "phases" if filters >= rules.get(dtype, rules["low_precision"]) else "subpixel"
    )
