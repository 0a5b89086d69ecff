"""The layers' speed behind `experiments.bench_layers`: `UnpoolConv2D`
against the explicit `FixedCornerUnpooling2D` + `Conv2D` pair on the chairs
generator's stages, and switch pooling + unpooling against the TF Addons
recipe (`tf.nn.max_pool_with_argmax` + `tf.scatter_nd`), forward +
backward, timed side by side (`gen.benchmarks.timing`)."""

import dataclasses
import statistics

import numpy as np
import tensorflow as tf

from gen.benchmarks.timing import interleaved_times, paired_speedup

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
