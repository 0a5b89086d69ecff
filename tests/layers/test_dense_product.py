"""`layers.backends.matmul`, the dense product whose gradients take the
form each backend runs fastest: the numpy definition on every backend,
and TensorFlow's float32 recipe is what runs."""

import numpy as np
import pytest
from keras import ops

from layers import backends
from tests.layers.backend_utils import BACKEND, gradients, to_numpy


def test_product_and_gradients_match_numpy():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(5, 7)).astype("float32")
    kernel = rng.normal(size=(7, 3)).astype("float32")
    probe = rng.normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(
        to_numpy(backends.matmul(x, kernel)), x @ kernel, rtol=1e-5, atol=1e-6
    )
    d_x, d_kernel = gradients(
        lambda x, k: ops.sum(ops.multiply(backends.matmul(x, k), probe)), x, kernel
    )
    np.testing.assert_allclose(d_x, probe @ kernel.T, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d_kernel, x.T @ probe, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow's own recipe")
def test_float32_input_gradient_is_the_transposed_product():
    """In float32 the input's gradient is ``(kernel @ dy^T)^T``: one
    Transpose in the gradient and no product with a transposed kernel;
    bfloat16 keeps TensorFlow's ``dy @ kernel^T``."""
    import tensorflow as tf

    def gradient_ops(dtype):
        kernel = tf.Variable(tf.ones((7, 3), dtype))

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(tf.cast(backends.matmul(x, kernel), "float32"))
            return tape.gradient(loss, [x, kernel])

        graph = step.get_concrete_function(tf.TensorSpec((5, 7), dtype)).graph
        transposes = sum(op.type == "Transpose" for op in graph.get_operations())
        # The product that gives the input's gradient, (5, 7): its operands.
        (input_gradient,) = [
            op
            for op in graph.get_operations()
            if op.type == "MatMul" and op.outputs[0].shape in ((5, 7), (7, 5))
        ]
        return transposes, [tuple(t.shape) for t in input_gradient.inputs]

    # (kernel @ dy^T)^T, then transposed.
    assert gradient_ops(tf.float32) == (1, [(7, 3), (5, 3)])
    # dy @ kernel^T.
    assert gradient_ops(tf.bfloat16) == (0, [(5, 3), (7, 3)])
