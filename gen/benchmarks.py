"""Side-by-side timing: variants measured in interleaved rounds in one process.

This machine's speed drifts by tens of percent from minute to minute (other
tenants share the host), so a benchmark never compares timings taken at
different moments: every round runs each variant once, in turn. Times are per-variant medians
over rounds; a speed-up is the median over rounds of the ratio of two
variants' times in the same round, so that drift between rounds cancels.
"""

import dataclasses
import statistics
import time

import numpy as np
import tensorflow as tf


def _block(result):
    for t in tf.nest.flatten(result):
        if hasattr(t, "numpy"):
            t.numpy()


def interleaved_times(variants, rounds=7, warmup=2):
    """Seconds per call of each zero-argument callable, one list per variant.

    `variants` maps names to callables returning tensors; every round calls
    each once, in turn, so ``times[a][r]`` and ``times[b][r]`` were taken
    moments apart. Results are pulled to the host so that asynchronous work
    is counted.
    """
    for fn in variants.values():
        for _ in range(warmup):
            _block(fn())
    times = {name: [] for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            start = time.perf_counter()
            _block(fn())
            times[name].append(time.perf_counter() - start)
    return times


def interleaved_medians(variants, rounds=7, warmup=2):
    """Median seconds per call of each variant (see `interleaved_times`)."""
    times = interleaved_times(variants, rounds, warmup)
    return {name: statistics.median(ts) for name, ts in times.items()}


def paired_speedup(base_times, times):
    """Median over rounds of ``base / time``, both taken in the same round."""
    return statistics.median(b / t for b, t in zip(base_times, times))


def format_table(header, rows):
    """Plain-text table; columns sized to their widest cell."""
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- UnpoolConv2D against the explicit unpooling + convolution pair -------

CHAIRS_RGB_STAGES = ((8, 256, 256), (16, 256, 92), (32, 92, 3))
CHAIRS_MASK_STAGES = ((8, 128, 92), (16, 92, 32), (32, 32, 1))


@dataclasses.dataclass(frozen=True)
class LayerBenchConfig:
    batch: int = 64
    stages: tuple = CHAIRS_RGB_STAGES  # (height, in_channels, filters)
    kernel_size: int = 5
    dtype: str = "float32"
    jit_compile: bool = False
    implementations: tuple = ("auto", "phases", "subpixel", "transpose")
    rounds: int = 7
    switch_pool: bool = True


def _grad_step(layer_fn, x, variables, jit_compile):
    cotangent = None

    @tf.function(jit_compile=jit_compile)
    def step(x, cotangent):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer_fn(x)
            loss = tf.reduce_sum(tf.cast(y, tf.float32) * cotangent)
        return tape.gradient(loss, [x] + variables)

    y = layer_fn(x)
    cotangent = tf.random.stateless_normal(y.shape, (1, 2), dtype=tf.float32)
    return lambda: step(x, cotangent)


def uconv_benchmark(config):
    """Rows ``(stage, variant, ms, speed-up over the explicit pair)``.

    Forward + backward (gradients for the input and every weight) of one
    stage at a time; the last rows add the stages up.
    """
    import keras

    import layers

    rows, totals = [], {}
    for height, channels, filters in config.stages:
        x = tf.cast(tf.random.stateless_normal(
            (config.batch, height, height, channels), (0, height)),
            config.dtype)
        unpool = layers.FixedCornerUnpooling2D(2, dtype=config.dtype)
        conv = keras.layers.Conv2D(filters, config.kernel_size, padding="same",
                                   dtype=config.dtype)
        conv.build((None, 2 * height, 2 * height, channels))
        variants = {"explicit pair": _grad_step(
            lambda t: conv(unpool(t)), x, list(conv.trainable_variables),
            config.jit_compile)}
        for implementation in config.implementations:
            fused = layers.UnpoolConv2D(filters, config.kernel_size,
                                        implementation=implementation,
                                        dtype=config.dtype)
            fused.build(x.shape)
            fused.set_weights(conv.get_weights())
            label = implementation
            if implementation == "auto":
                label = f"UnpoolConv2D (auto={fused.resolved_implementation})"
            variants[label] = _grad_step(fused, x,
                                         list(fused.trainable_variables),
                                         config.jit_compile)
        times = interleaved_times(variants, rounds=config.rounds)
        base = times["explicit pair"]
        stage = f"{height}x{height}x{channels}->{filters}"
        for name, ts in times.items():
            rows.append((stage, name, f"{statistics.median(ts) * 1e3:.1f}",
                         f"{paired_speedup(base, ts):.2f}x"))
            # Round r of every stage adds up to round r of the whole stack.
            key = name.split(" (")[0]
            totals[key] = [a + b for a, b in
                           zip(totals.get(key, [0.0] * len(ts)), ts)]
    base = totals["explicit pair"]
    for name, ts in totals.items():
        rows.append(("all stages", name, f"{statistics.median(ts) * 1e3:.1f}",
                     f"{paired_speedup(base, ts):.2f}x"))
    return rows


# --- switch unpooling with and without XLA -------------------------------


def _tfa_style_unpool(pooled, argmax, input_shape):
    """The TF Addons MaxUnpooling2D recipe: flat argmax indices, scatter_nd."""
    flat_size = int(np.prod(input_shape))
    batch = tf.range(input_shape[0], dtype=argmax.dtype)[:, None, None, None]
    index = argmax + batch * (flat_size // input_shape[0])
    out = tf.scatter_nd(tf.reshape(index, (-1, 1)), tf.reshape(pooled, (-1,)),
                        (flat_size,))
    return tf.reshape(out, input_shape)


def switch_benchmark(config):
    """Rows ``(shape, variant, ms, speed-up over the TF Addons recipe)``:
    2x2 max pooling with switches, then switch unpooling, forward + backward."""
    import layers

    rows = []
    for height, channels, _ in config.stages:
        shape = (config.batch, 2 * height, 2 * height, channels)
        x = tf.cast(tf.random.stateless_normal(shape, (3, height)), config.dtype)
        pool = layers.MaxPoolingWithSwitches2D(2, dtype=config.dtype)
        unpool = pool.matching_unpooling(dtype=config.dtype)

        def ours(t):
            return unpool(*pool(t))

        def tfa(t):
            pooled, argmax = tf.nn.max_pool_with_argmax(t, 2, 2, "VALID",
                                                        include_batch_in_index=False)
            return _tfa_style_unpool(pooled, argmax, shape)

        variants = {
            "TF Addons recipe (argmax + scatter_nd)": _grad_step(tfa, x, [], False),
            "switch layers": _grad_step(ours, x, [], False),
            "switch layers, XLA": _grad_step(ours, x, [], True),
        }
        times = interleaved_times(variants, rounds=config.rounds)
        base = times["TF Addons recipe (argmax + scatter_nd)"]
        for name, ts in times.items():
            rows.append(("x".join(map(str, shape[1:])), name,
                         f"{statistics.median(ts) * 1e3:.1f}",
                         f"{paired_speedup(base, ts):.2f}x"))
    return rows


# --- one training step of the chairs generator, against the PyTorch peer ----


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


def matmul_flops_per_second(dtype, size=2048, rounds=5):
    """FLOP/s of a square matmul on this machine (the peak a step can reach)."""
    a = tf.cast(tf.random.stateless_normal((size, size), (5, 6)), dtype)
    fn = tf.function(lambda: tf.linalg.matmul(a, a))
    seconds = interleaved_medians({"matmul": fn}, rounds=rounds)["matmul"]
    return 2 * size ** 3 / seconds


def synthetic_generator_batch(num_classes, num_transform, batch, resolution,
                              seed=0):
    """Random inputs and targets of the generator's shapes (like the peer's)."""
    rng = np.random.default_rng(seed)
    inputs = {
        "class": np.eye(num_classes, dtype=np.float32)[
            rng.integers(0, num_classes, batch)],
        "view": rng.normal(size=(batch, 4)).astype(np.float32),
    }
    if num_transform:
        inputs["transform"] = rng.normal(size=(batch, num_transform)).astype(
            np.float32)
    image = rng.random((batch, resolution, resolution, 3), np.float32)
    mask = (rng.random((batch, resolution, resolution, 1)) > 0.5).astype(
        np.float32)
    return inputs, {"rgb": image * mask, "mask": mask}


def keras_train_step(config, num_classes, num_transform, batch, precision,
                     jit_compile):
    """A zero-argument callable running one real training step of the model
    that `gen.train` builds, and the model."""
    from gen import train

    model, _ = train.create_model_and_optimizer(
        config, num_classes, precision, jit_compile)
    x, y = synthetic_generator_batch(num_classes, num_transform, batch,
                                     config.resolution)
    x = {k: tf.constant(v) for k, v in x.items()}
    y = {k: tf.constant(v) for k, v in y.items()}
    return (lambda: model.train_on_batch(x, y, return_dict=False)), model


def run_peer(python, script, args):
    """Runs the PyTorch peer script; returns its JSON line as a dict."""
    import json
    import subprocess

    out = subprocess.run([python, script] + args, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])
