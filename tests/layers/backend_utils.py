"""What the layer tests need to run unchanged on every Keras backend.

Keras fixes its backend when it is first imported, so one pytest process
tests one backend: `tests/layers/test_backends.py` reruns this folder with
``KERAS_BACKEND=jax`` and ``torch``. Gradients and compilation differ per
backend; these helpers hide that.
"""

import keras
import numpy as np
import pytest
from keras import ops

BACKEND = keras.backend.backend()

tensorflow_only = pytest.mark.skipif(
    BACKEND != "tensorflow", reason="TensorFlow-specific"
)

# The TensorFlow run (the parent of `make test`) checks every combination of
# the larger test matrices; the JAX and PyTorch reruns check a
# representative part of them, so that they stay lean (JAX compiles every
# op for every new shape).
FULL_MATRIX = BACKEND == "tensorflow"


def matrix(full, lean):
    """`full` on TensorFlow, `lean` on the other backends."""
    return full if FULL_MATRIX else lean


def to_numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def gradients(fn, *args):
    """The gradients of the scalar ``fn(*args)`` for each of `args` (numpy
    arrays in, numpy arrays out), by the backend's own autodiff."""
    args = [np.asarray(a) for a in args]
    if BACKEND == "tensorflow":
        import tensorflow as tf

        tensors = [tf.convert_to_tensor(a) for a in args]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            loss = fn(*tensors)
        return [
            to_numpy(g)
            for g in tape.gradient(
                loss, tensors, unconnected_gradients=tf.UnconnectedGradients.ZERO
            )
        ]
    if BACKEND == "jax":
        import jax

        grads = jax.grad(fn, argnums=tuple(range(len(args))))(
            *[jax.numpy.asarray(a) for a in args]
        )
        return [to_numpy(g) for g in grads]
    if BACKEND == "torch":
        import torch

        tensors = [torch.tensor(a, requires_grad=True) for a in args]
        fn(*tensors).backward()
        return [
            np.zeros_like(a) if t.grad is None else t.grad.numpy()
            for a, t in zip(args, tensors)
        ]
    raise ValueError(
        f"No gradients for Keras backend {BACKEND!r}: the layer "
        "tests run on tensorflow, jax and torch."
    )


def layer_gradients(layer, inputs, probe, **call_kwargs):
    """Gradients of ``sum(layer(*inputs) * probe)`` for each input, then for
    each trainable weight. The layer is called as a model calls it, in a
    `keras.StatelessScope` that gives its weights the values being
    differentiated: `layer.stateless_call` would run `call` without the
    dtype policy's casts (a "mixed_bfloat16" layer would compute in
    float32)."""
    inputs = list(inputs)
    weights = [to_numpy(v) for v in layer.trainable_variables]
    fixed = [(v, v.value) for v in layer.non_trainable_variables]

    def loss(*args):
        values = args[len(inputs) :]
        mapping = list(zip(layer.trainable_variables, values)) + fixed
        with keras.StatelessScope(state_mapping=mapping):
            outputs = layer(*args[: len(inputs)], **call_kwargs)
        return ops.sum(ops.multiply(ops.cast(outputs, "float32"), probe))

    return gradients(loss, *inputs, *weights)


def compiled(fn):
    """`fn` as each backend compiles it: TensorFlow XLA
    (``jit_compile=True``), `jax.jit`; PyTorch runs eagerly."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, jit_compile=True)
    if BACKEND == "jax":
        import jax

        return jax.jit(fn)
    return fn


def jit_compile_setting():
    """The `compile(jit_compile=...)` a user of this backend keeps: XLA on
    TensorFlow and JAX; PyTorch's layers run eagerly."""
    return BACKEND in ("tensorflow", "jax")
