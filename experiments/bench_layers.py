"""Speed of the layers on each Keras backend, measured side by side.

    python -m experiments.bench_layers [--backends=tensorflow,jax,torch]
        [--dtype=bfloat16] [--mask_stages] [--implementations=auto,phases]

For each backend (each in its own process: Keras fixes its backend when it
is imported), prints two tables and a summary line: UnpoolConv2D (each
implementation) against the explicit FixedCornerUnpooling2D + Conv2D pair
on the chairs generator's stages, and switch pooling + unpooling against
the backend's own recipe (TensorFlow: max_pool_with_argmax + scatter_nd,
with and without XLA; PyTorch: max_pool2d(return_indices) + max_unpool2d;
JAX: the gradient of reduce_window max). Forward + backward; TensorFlow
runs tf.function (XLA with --jit_compile), JAX jax.jit, PyTorch eager
autograd. Times are medians over interleaved rounds, speed-ups the median
of the per-round ratios (see gen/benchmarks/timing.py).
"""

import sys

from gen import cli, settings
from gen.benchmarks import bench_config, layer_speed, per_backend

_BENCH = settings.define_flags(bench_config.LayersBenchConfig)


def main(argv):
    cli.check_no_arguments(argv)
    chosen = _BENCH.config()  # checks the values before TensorFlow loads
    backends = per_backend.check_backends(list(chosen.backends))
    config = layer_speed.bench_config(
        batch=chosen.batch,
        rounds=chosen.rounds,
        dtype=chosen.dtype,
        jit_compile=chosen.jit_compile,
        mask_stages=chosen.mask_stages,
        switch_pool=chosen.switches,
        implementations=list(chosen.implementations),
        channel_scale=chosen.channel_scale,
    )
    if backends == (per_backend.running(),):
        layer_speed.report(config)
        return
    code, summaries = per_backend.run_each(
        "experiments.bench_layers", backends, sys.argv[1:]
    )
    if code:
        sys.exit(code)
    if len(summaries) > 1:
        print("\n" + "\n".join(summaries))


if __name__ == "__main__":
    cli.run(main)
