"""One training step of the chairs generator as `experiments.train` runs
it, its FLOPs, and the convolutions that measure the machine's peak: what
`experiments.bench_train` times against the limit and the PyTorch peer."""

import numpy as np
import tensorflow as tf

from gen.benchmarks.timing import interleaved_medians


def generator_forward_macs(model):
    """Useful multiply-adds of one forward pass for one image.

    Dense layers count in * out; a uconv counts the products that do not hit
    unpooled zeros (H * W * k^2 * in * out on its input grid), as do other
    convolutions (their output grid).
    """
    import keras

    import layers

    macs = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            macs += int(np.prod(layer.kernel.shape))
        elif isinstance(layer, layers.UnpoolConv2D):
            h, w = layer.input.shape[1:3]
            macs += h * w * int(np.prod(layer.kernel.shape))
        elif isinstance(layer, keras.layers.Conv2D):
            h, w = layer.output.shape[1:3]
            macs += h * w * int(np.prod(layer.kernel.shape))
    return macs


def step_flops(model, batch):
    """FLOPs of one training step: a multiply-add is 2 FLOPs, and the step
    is the forward pass and its two gradients (inputs and weights), each
    as costly, 3 times the forward pass."""
    return 2 * 3 * generator_forward_macs(model) * batch


def uconv_convolutions(model, batch):
    """The convolution each `layers.UnpoolConv2D` of `model` amounts to:
    ``(input_shape, kernel_shape)`` of a stride-1 "same" convolution on its
    input grid (what its phases compute together), one per distinct shape,
    in the model's order."""
    import layers

    shapes = []
    for layer in model.layers:
        if isinstance(layer, layers.UnpoolConv2D):
            _, h, w, c = layer.input.shape
            shape = ((batch, h, w, c), tuple(layer.kernel.shape))
            if shape not in shapes:
                shapes.append(shape)
    return shapes


def conv_peak_variants(shapes, dtype):
    """``{name: (fn, flops)}``: a zero-argument `tf.function` running the
    stride-1 "same" convolution of each ``(input_shape, kernel_shape)`` in
    `dtype` (oneDNN's forward kernel, the fastest convolution there is on
    a CPU), and its FLOPs. The best of them is the peak a step can reach."""
    variants = {}
    for input_shape, kernel_shape in shapes:
        x = tf.cast(tf.random.stateless_normal(input_shape, (1, 2)), dtype)
        k = tf.cast(tf.random.stateless_normal(kernel_shape, (3, 4)), dtype)
        fn = tf.function(lambda x=x, k=k: tf.nn.conv2d(x, k, 1, "SAME"))
        b, h, w, c = input_shape
        kh, kw, _, f = kernel_shape
        flops = 2 * b * h * w * kh * kw * c * f
        name = f"{tf.as_dtype(dtype).name} {kh}x{kw} conv {h}x{w}x{c}->{f}"
        variants[name] = (fn, flops)
    return variants


def matmul_flops_per_second(dtype, size=2048, rounds=5):
    """FLOP/s of a square matmul on this machine (the peak a step can reach)."""
    a = tf.cast(tf.random.stateless_normal((size, size), (5, 6)), dtype)
    fn = tf.function(lambda: tf.linalg.matmul(a, a))
    seconds = interleaved_medians({"matmul": fn}, rounds=rounds)["matmul"]
    return 2 * size**3 / seconds


def synthetic_generator_batch(num_classes, num_transform, batch, resolution, seed=0):
    """Random inputs and targets of the generator's shapes (like the peer's)."""
    rng = np.random.default_rng(seed)
    inputs = {
        "class": np.eye(num_classes, dtype=np.float32)[
            rng.integers(0, num_classes, batch)
        ],
        "view": rng.normal(size=(batch, 4)).astype(np.float32),
    }
    if num_transform:
        inputs["transform"] = rng.normal(size=(batch, num_transform)).astype(np.float32)
    image = rng.random((batch, resolution, resolution, 3), np.float32)
    mask = (rng.random((batch, resolution, resolution, 1)) > 0.5).astype(np.float32)
    return inputs, {"rgb": image * mask, "mask": mask}


def keras_train_step(config, num_classes, num_transform, batch, precision, jit_compile):
    """A zero-argument callable running one real training step of the model
    that `gen.training.trainer` builds, and the model."""
    from gen.training import generator_model

    model, _ = generator_model.create_model_and_optimizer(
        config, num_classes, precision, jit_compile
    )
    x, y = synthetic_generator_batch(
        num_classes, num_transform, batch, config.resolution
    )
    x = {k: tf.constant(v) for k, v in x.items()}
    y = {k: tf.constant(v) for k, v in y.items()}
    return (lambda: model.train_on_batch(x, y, return_dict=False)), model
