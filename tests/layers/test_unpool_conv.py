"""UnpoolConv2D equals FixedCornerUnpooling2D + Conv2D(padding="same"): the
numpy oracle, every implementation, on every backend."""

import itertools

import numpy as np
import pytest

import layers
from layers import unpool_conv
from tests import references
from tests.layers.backend_utils import (
    BACKEND,
    compiled,
    layer_gradients,
    matrix,
    to_numpy,
)

IMPLEMENTATIONS = ("phases", "subpixel", "transpose")


def _oracle(x, kernel, bias, size, corner):
    unpooled = references.fixed_corner_unpool(x, size, corner)
    return references.conv2d(unpooled, kernel) + bias


def _close(y, reference, tol=1e-5):
    error = np.abs(y - reference).max()
    assert error <= tol * np.abs(reference).max(), error


def _transpose_possible(kernel_size, size, corner):
    pads = [
        unpool_conv.transpose_padding(k, s, d)
        for k, s, d in zip(kernel_size, size, corner)
    ]
    return min(min(p) for p in pads) >= 0


def _layer(implementation, kernel, bias, size, corner, x_shape):
    layer = layers.UnpoolConv2D(
        kernel.shape[-1], kernel.shape[:2], size, corner, implementation=implementation
    )
    layer.build(x_shape)
    layer.set_weights([kernel, bias])
    return layer


@pytest.mark.parametrize("kernel_size", matrix([1, 3, 5, 7], [1, 5]))
@pytest.mark.parametrize("size", [2, 3])
def test_every_implementation_matches_numpy_every_corner(kernel_size, size):
    rng = np.random.default_rng(kernel_size * 10 + size)
    x = rng.normal(size=(2, 4, 5, 3)).astype("float32")
    kernel = rng.normal(size=(kernel_size, kernel_size, 3, 4)).astype("float32")
    bias = rng.normal(size=(4,)).astype("float32")
    corners = matrix(
        list(itertools.product(range(size), repeat=2)),
        [(0, 0), (size - 1, 1), (1, size - 1)],
    )
    for corner in corners:
        expected = _oracle(x, kernel, bias, (size, size), corner)
        for implementation in IMPLEMENTATIONS:
            if implementation == "transpose" and not _transpose_possible(
                (kernel_size,) * 2, (size, size), corner
            ):
                with pytest.raises(ValueError, match="negative padding"):
                    layers.UnpoolConv2D(
                        4, kernel_size, size, corner, implementation=implementation
                    )
                continue
            layer = _layer(implementation, kernel, bias, (size, size), corner, x.shape)
            _close(to_numpy(layer(x)), expected)


@pytest.mark.parametrize(
    "kernel_size, size, corner",
    [((3, 5), (2, 3), (1, 2)), (4, 2, (1, 1)), ((2, 6), (3, 2), (2, 0))],
)
def test_rectangular_and_even_kernels(kernel_size, size, corner):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 3, 4, 2)).astype("float32")
    kernel_size = (kernel_size,) * 2 if isinstance(kernel_size, int) else kernel_size
    size = (size,) * 2 if isinstance(size, int) else size
    kernel = rng.normal(size=kernel_size + (2, 3)).astype("float32")
    bias = np.zeros(3, "float32")
    expected = _oracle(x, kernel, bias, size, corner)
    for implementation in IMPLEMENTATIONS:
        if implementation == "transpose" and not _transpose_possible(
            kernel_size, size, corner
        ):
            continue
        layer = _layer(implementation, kernel, bias, size, corner, x.shape)
        _close(to_numpy(layer(x)), expected)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize(
    "kernel_size, size, corner",
    matrix([(3, (2, 2), (0, 0)), (5, (2, 3), (1, 1))], [(5, (2, 3), (1, 1))]),
)
def test_gradients_match_numpy(implementation, kernel_size, size, corner):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 4, 2)).astype("float32")
    kernel = rng.normal(size=(kernel_size, kernel_size, 2, 3)).astype("float32")
    bias = rng.normal(size=(3,)).astype("float32")
    probe = rng.normal(size=(2, 3 * size[0], 4 * size[1], 3)).astype("float32")
    layer = _layer(implementation, kernel, bias, size, corner, x.shape)
    grad_x, grad_kernel, grad_bias = layer_gradients(layer, [x], probe)
    unpooled = references.fixed_corner_unpool(x, size, corner)
    d_unpooled, d_kernel = references.conv2d_gradients(unpooled, kernel, probe)
    _close(grad_x, d_unpooled[:, corner[0] :: size[0], corner[1] :: size[1]])
    _close(grad_kernel, d_kernel)
    _close(grad_bias, probe.sum(axis=(0, 1, 2)))


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow's own recipe")
@pytest.mark.parametrize(
    "kernel_size, size, corner",
    [
        (5, (2, 2), (0, 0)),
        (3, (2, 2), (1, 0)),
        ((4, 3), (2, 3), (1, 2)),
        (5, (3, 3), (1, 1)),
    ],
)
def test_bfloat16_gradients_match_numpy(kernel_size, size, corner):
    """In bfloat16 the phases' kernel gradient has its own recipe on
    TensorFlow (one matrix product per input shift): the layer's
    gradients, as Keras' training takes them (kernel cast to bfloat16),
    equal the float64 definition's on the same bfloat16 numbers within
    bfloat16 rounding."""
    import ml_dtypes
    import tensorflow as tf

    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    rng = np.random.default_rng(6)
    as_bf16 = lambda a: a.astype(ml_dtypes.bfloat16).astype("float32")  # noqa: E731
    x = as_bf16(rng.normal(size=(3, 4, 5, 8)))
    kernel = as_bf16(rng.normal(size=(kh, kw, 8, 6)))
    probe = as_bf16(rng.normal(size=(3, 4 * size[0], 5 * size[1], 6)))
    layer = layers.UnpoolConv2D(
        6, (kh, kw), size, corner, implementation="phases", dtype="mixed_bfloat16"
    )
    layer.build(x.shape)
    layer.set_weights([kernel, np.zeros(6, "float32")])
    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        loss = tf.reduce_sum(tf.cast(layer(inputs), tf.float32) * probe)
    grad_x, grad_kernel = tape.gradient(loss, [inputs, layer.kernel])
    unpooled = references.fixed_corner_unpool(x.astype("float64"), size, corner)
    d_unpooled, d_kernel = references.conv2d_gradients(
        unpooled, kernel.astype("float64"), probe.astype("float64")
    )
    _close(grad_kernel.numpy(), d_kernel, tol=8e-3)
    _close(
        grad_x.numpy(),
        d_unpooled[:, corner[0] :: size[0], corner[1] :: size[1]],
        tol=8e-3,
    )


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow's own recipe")
def test_bfloat16_kernel_gradient_is_not_onednns():
    """The recipe is what runs: the bfloat16 training graph has no
    Conv2DBackpropFilter for the phases, and the float32 one has four."""
    import tensorflow as tf

    def filter_gradients(dtype):
        layer = layers.UnpoolConv2D(6, 5, implementation="phases", dtype=dtype)
        layer.build((2, 4, 4, 8))

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.cast(layer(x), tf.float32))
            return tape.gradient(loss, layer.kernel)

        graph = step.get_concrete_function(tf.TensorSpec((2, 4, 4, 8))).graph
        return sum(op.type == "Conv2DBackpropFilter" for op in graph.get_operations())

    assert filter_gradients("mixed_bfloat16") == 0
    assert filter_gradients("float32") == 4


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow's own recipe")
@pytest.mark.parametrize(
    "kernel_size, size, corner",
    [
        (5, (2, 2), (0, 0)),
        (1, (2, 2), (0, 0)),
        ((4, 3), (2, 3), (1, 2)),
        (2, (3, 2), (2, 1)),
    ],
)
def test_shifted_kernel_gradient_is_the_definition(kernel_size, size, corner):
    """`shifted_kernel_gradient` in float32 against the numpy definition,
    including phases no tap reaches (a 1x1 or 2x2 kernel in a larger cell)."""
    from layers.backends import tensorflow as recipes

    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    kernel = rng.normal(size=(kh, kw, 5, 4)).astype("float32")
    probe = rng.normal(size=(2, 3 * size[0], 4 * size[1], 4)).astype("float32")
    taps = [unpool_conv.phase_taps(k, s, d) for k, s, d in zip((kh, kw), size, corner)]
    gradient = recipes.shifted_kernel_gradient(x, probe, kernel.shape, taps, size)
    unpooled = references.fixed_corner_unpool(x, size, corner)
    _, d_kernel = references.conv2d_gradients(unpooled, kernel, probe)
    _close(to_numpy(gradient), d_kernel)


@pytest.mark.parametrize("implementation", matrix(IMPLEMENTATIONS, ["phases"]))
@pytest.mark.parametrize(
    "policy, dtype, rounding",
    [("mixed_bfloat16", "bfloat16", 2**-8), ("mixed_float16", "float16", 2**-11)],
)
def test_low_precision_bias_gradient_is_the_whole_sum(
    implementation, policy, dtype, rounding
):
    """The bias's gradient sums 4 x 32 x 32 positions. TensorFlow's CPU
    kernel for it and XLA (JAX) summed bfloat16 in bfloat16, which stops at
    256 to 512 (float16 at 1024): here 0.5 per position must give 2048
    (exact in both dtypes), and a random probe its float64 sum within one
    rounding, on every backend."""
    import ml_dtypes

    rng = np.random.default_rng(9)
    x = np.zeros((4, 16, 16, 1), "float32")
    layer = layers.UnpoolConv2D(2, 3, implementation=implementation, dtype=policy)
    layer.build(x.shape)
    half = np.full((4, 32, 32, 2), 0.5, "float32")
    if (BACKEND, implementation, dtype) == ("torch", "transpose", "float16"):
        # PyTorch 2.13's CPU conv_transpose2d has no float16 kernel gradient:
        # a known limit, checked so that a version that lifts it is noticed.
        with pytest.raises(RuntimeError, match="grad_weight needs to be contiguous"):
            layer_gradients(layer, [x], half)
        return
    np.testing.assert_array_equal(layer_gradients(layer, [x], half)[2], [2048] * 2)
    probe = rng.uniform(0, 1, size=half.shape)
    probe = probe.astype(getattr(ml_dtypes, dtype, dtype)).astype("float32")
    expected = probe.astype("float64").sum(axis=(0, 1, 2))
    grad_bias = layer_gradients(layer, [x], probe)[2]
    np.testing.assert_allclose(grad_bias.astype("float64"), expected, rtol=rounding)


def test_matches_numpy_definition_with_activation():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 3, 2)).astype("float32")
    layer = layers.UnpoolConv2D(2, 5, activation="relu")
    layer.build(x.shape)
    kernel, bias = (to_numpy(w) for w in layer.weights)
    expected = np.maximum(_oracle(x, kernel, bias, (2, 2), (0, 0)), 0)
    _close(to_numpy(layer(x)), expected)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_compiled_with_any_batch_size(implementation):
    rng = np.random.default_rng(4)
    kernel = rng.normal(size=(3, 3, 2, 3)).astype("float32")
    bias = rng.normal(size=(3,)).astype("float32")
    layer = _layer(implementation, kernel, bias, (2, 2), (0, 0), (None, 3, 4, 2))
    fn = compiled(lambda t: layer(t))
    for batch in (1, 3):
        x = rng.normal(size=(batch, 3, 4, 2)).astype("float32")
        _close(to_numpy(fn(x)), _oracle(x, kernel, bias, (2, 2), (0, 0)))


def test_kernel_has_conv2d_layout_and_auto_choice():
    layer = layers.UnpoolConv2D(92, 5)
    layer.build((None, 16, 16, 256))
    assert tuple(layer.kernel.shape) == (5, 5, 256, 92)
    # "auto" follows the measured rules in the module docstring.
    rules = {
        "tensorflow": [
            (256, "float32", "phases"),
            (92, "float32", "phases"),
            (16, "float32", "phases"),
            (3, "float32", "subpixel"),
            (92, "mixed_bfloat16", "phases"),
            (32, "bfloat16", "phases"),
            (31, "bfloat16", "subpixel"),
            (32, "float16", "subpixel"),
            (64, "float16", "phases"),
        ],
        "jax": [
            (92, "float32", "phases"),
            (16, "float32", "phases"),
            (3, "float32", "subpixel"),
            (92, "mixed_bfloat16", "phases"),
            (32, "bfloat16", "subpixel"),
            (64, "bfloat16", "phases"),
        ],
        "torch": [
            (256, "float32", "phases"),
            (92, "float32", "subpixel"),
            (3, "float32", "subpixel"),
            (128, "mixed_bfloat16", "phases"),
        ],
    }
    for filters, dtype, expected in rules[BACKEND]:
        chosen = layers.UnpoolConv2D(filters, 5, dtype=dtype).resolved_implementation
        assert chosen == expected, (filters, dtype)
    assert unpool_conv.auto_implementation(92, "float32", "torch") == "subpixel"
    assert unpool_conv.auto_implementation(92, "float32", "jax") == "phases"


def test_bad_arguments():
    with pytest.raises(ValueError, match="`filters` must be a positive int"):
        layers.UnpoolConv2D(0, 3)
    with pytest.raises(ValueError, match="`kernel_size` must be"):
        layers.UnpoolConv2D(4, (3, 0))
    with pytest.raises(ValueError, match="inside the 3x3 unpooling cell"):
        layers.UnpoolConv2D(4, 3, size=3, corner=(3, 0))
    with pytest.raises(ValueError, match="`implementation` must be one of"):
        layers.UnpoolConv2D(4, 3, implementation="fast")
    with pytest.raises(ValueError, match="channels_last"):
        layers.UnpoolConv2D(4, 3, data_format="channels_first")
    with pytest.raises(ValueError, match="ndim=4|rank 4"):
        layers.UnpoolConv2D(4, 3)(np.zeros((2, 3, 3), "float32"))
    layer = layers.UnpoolConv2D(4, 3)
    layer(np.zeros((1, 3, 3, 2), "float32"))
    with pytest.raises(ValueError, match="axis -1|expected axis"):
        layer(np.zeros((1, 3, 3, 5), "float32"))
