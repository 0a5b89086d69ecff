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
from gen.benchmarks import bench_config, layer_speed

_BENCH = settings.define_flags(bench_config.LayersBenchConfig)


def main(argv):
    cli.check_no_arguments(argv)
    # The values are checked before TensorFlow loads.
    layer_speed.run(_BENCH.config(), sys.argv[1:])


if __name__ == "__main__":
    cli.run(main)
