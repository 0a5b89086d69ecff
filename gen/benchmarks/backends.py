"""What a layer benchmark does differently on each Keras backend: one
forward + backward step, and the backend's own switch-unpooling recipe.

Keras fixes its backend when it is first imported, so everything here works
on the running one (`name`):

* `grad_step`: a compiled (or eager) step that returns the gradients of a
  function's output, against a fixed random cotangent, with respect to its
  input and the Keras variables it reads. TensorFlow: `tf.function` (XLA
  when asked) around a `GradientTape`. JAX: `jax.jit` of `jax.grad` of the
  function with the variables' values substituted
  (`keras.StatelessScope`), always compiled, as JAX runs. PyTorch: eager
  `torch.autograd.grad`.
* `native_switch_recipe`: 2x2 max pooling and unpooling at the maxima with
  the backend's own ops, the reference the switch layers are measured
  against: TensorFlow `tf.nn.max_pool_with_argmax` + `tf.scatter_nd` (TF
  Addons' `MaxUnpooling2D`), PyTorch `max_pool2d(return_indices=True)` +
  `max_unpool2d`, JAX the gradient of `lax.reduce_window` max.
* `SKIPPED`: the steps a backend cannot run in a dtype (TensorFlow's XLA
  cannot compile the switch layers' gradient in bfloat16 on CPU).
"""

import numpy as np

# How a backend times the switch layers, as (label suffix, jit_compile):
# the switch table shows one row per mode.
SWITCH_MODES = {
    "tensorflow": (("", False), (", XLA", True)),
    "jax": (("", True),),
    "torch": (("", False),),
}

# Steps a backend cannot run, by (backend, variant, dtype): the benchmark
# leaves them out and says why.
SKIPPED = {
    (
        "tensorflow",
        "switch layers, XLA",
        "bfloat16",
    ): "XLA has no CPU kernel for MaxPoolGradGrad (the switch unpooling's "
    "gradient) in bfloat16",
}

NATIVE_SWITCH_RECIPES = {
    "tensorflow": "TF Addons recipe (max_pool_with_argmax + scatter_nd)",
    "jax": "gradient of reduce_window max",
    "torch": "max_pool2d(return_indices) + max_unpool2d",
}


def name():
    """The running Keras backend."""
    import keras

    return keras.backend.backend()


def skip_reason(variant, dtype):
    """Why the running backend cannot time `variant` in `dtype`, or None."""
    return SKIPPED.get((name(), variant, dtype))


def execution(jit_compile):
    """How `grad_step` runs on the running backend, in words."""
    backend = name()
    if backend == "tensorflow":
        return f"tf.function, jit_compile={jit_compile}"
    if backend == "jax":
        return "jax.jit (XLA; --jit_compile has no effect)"
    return "eager autograd (--jit_compile has no effect)"


def random_input(shape, seed, dtype):
    """A standard-normal tensor of the running backend in `dtype`."""
    from keras import ops

    values = np.random.default_rng(seed).standard_normal(shape)
    return ops.cast(ops.convert_to_tensor(values.astype(np.float32)), dtype)


def grad_step(fn, x, variables, jit_compile=False):
    """A zero-argument callable: one forward + backward pass of `fn` at `x`.

    It returns the gradients of ``sum(fn(x) * cotangent)`` (in float32,
    against a fixed random cotangent) with respect to `x` and to every
    Keras variable in `variables` that `fn` reads.
    """
    from keras import ops

    variables = list(variables)
    # The cotangent is an argument of the step, never a constant of it,
    # so that no compiler folds part of the backward pass away.
    cotangent = random_input(tuple(fn(x).shape), 12, "float32")

    def loss(y, cotangent):
        return ops.sum(ops.cast(y, "float32") * cotangent)

    backend = name()
    if backend == "tensorflow":
        return _tensorflow_step(fn, loss, x, cotangent, variables, jit_compile)
    if backend == "jax":
        return _jax_step(fn, loss, x, cotangent, variables)
    if backend == "torch":
        return _torch_step(fn, loss, x, cotangent, variables)
    raise ValueError(f"No benchmark step for the Keras backend {backend!r}.")


def _tensorflow_step(fn, loss, x, cotangent, variables, jit_compile):
    import tensorflow as tf

    @tf.function(jit_compile=jit_compile)
    def step(x, cotangent):
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = loss(fn(x), cotangent)
        return tape.gradient(value, [x] + variables)

    return lambda: step(x, cotangent)


def _jax_step(fn, loss, x, cotangent, variables):
    import jax
    import keras

    def pure(x, values, cotangent):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return loss(fn(x), cotangent)

    step = jax.jit(jax.grad(pure, argnums=(0, 1)))
    values = [v.value for v in variables]
    return lambda: step(x, values, cotangent)


def _torch_step(fn, loss, x, cotangent, variables):
    import torch

    x = x.detach().requires_grad_(True)
    values = [v.value for v in variables]
    return lambda: torch.autograd.grad(loss(fn(x), cotangent), [x] + values)


def native_switch_recipe(shape):
    """``(name, fn)``: the running backend's own 2x2 max pooling followed by
    unpooling at the maxima, for channels-last inputs of `shape`."""
    backend = name()
    recipe = {
        "tensorflow": _tensorflow_recipe,
        "jax": _jax_recipe,
        "torch": _torch_recipe,
    }[backend]
    return NATIVE_SWITCH_RECIPES[backend], recipe(shape)


def _tensorflow_recipe(shape):
    import tensorflow as tf

    flat_size = int(np.prod(shape))

    def recipe(x):
        # TF Addons' MaxUnpooling2D: flat argmax indices, scatter_nd.
        pooled, argmax = tf.nn.max_pool_with_argmax(
            x, 2, 2, "VALID", include_batch_in_index=False
        )
        batch = tf.range(shape[0], dtype=argmax.dtype)[:, None, None, None]
        index = argmax + batch * (flat_size // shape[0])
        out = tf.scatter_nd(
            tf.reshape(index, (-1, 1)), tf.reshape(pooled, (-1,)), (flat_size,)
        )
        return tf.reshape(out, shape)

    return recipe


def _jax_recipe(shape):
    import jax
    import jax.numpy as jnp
    from jax import lax

    def max_pool(x):
        # A scalar -inf init lets JAX see max pooling (reduce_window_max,
        # which it differentiates).
        return lax.reduce_window(
            x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID"
        )

    def recipe(x):
        # Unpooling is max pooling's vector-Jacobian product at the input.
        _, unpool = jax.vjp(max_pool, lax.stop_gradient(x))
        return unpool(max_pool(x))[0]

    return recipe


def _torch_recipe(shape):
    import torch.nn.functional as F

    def recipe(x):
        planes = x.permute(0, 3, 1, 2)
        pooled, indices = F.max_pool2d(planes, 2, 2, return_indices=True)
        out = F.max_unpool2d(pooled, indices, 2, 2, output_size=tuple(planes.shape[2:]))
        return out.permute(0, 2, 3, 1)

    return recipe
