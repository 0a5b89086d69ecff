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

from absl import flags

from gen import cli  # first: quiets TensorFlow before it loads
from gen.benchmarks import layer_speed, per_backend

_BACKENDS = flags.DEFINE_list(
    "backends",
    list(per_backend.SUPPORTED),
    "Keras backends to measure, each in its own process.",
)
_BATCH = flags.DEFINE_integer("batch", 64, "Batch size.")
_DTYPE = flags.DEFINE_enum(
    "dtype", "float32", ["float32", "bfloat16"], "Compute dtype of every variant."
)
_JIT = flags.DEFINE_bool(
    "jit_compile",
    False,
    "TensorFlow: compile the UnpoolConv2D comparison with "
    "XLA (JAX always compiles; PyTorch runs eagerly).",
)
_ROUNDS = flags.DEFINE_integer("rounds", 7, "Interleaved timing rounds.")
_MASK = flags.DEFINE_bool(
    "mask_stages", False, "Add the mask branch's stages to the RGB branch's."
)
_SWITCHES = flags.DEFINE_bool("switches", True, "Also time switch pooling/unpooling.")
_IMPLEMENTATIONS = flags.DEFINE_list(
    "implementations",
    list(layer_speed.IMPLEMENTATIONS),
    "UnpoolConv2D implementations to time.",
)
_CHANNEL_SCALE = flags.DEFINE_float(
    "channel_scale",
    1.0,
    "Scales every stage's channels (at least 1 each): "
    "small values make a quick smoke run.",
)


def main(argv):
    cli.check_no_arguments(argv)
    backends = per_backend.check_backends(_BACKENDS.value)
    config = layer_speed.bench_config(
        batch=_BATCH.value,
        rounds=_ROUNDS.value,
        dtype=_DTYPE.value,
        jit_compile=_JIT.value,
        mask_stages=_MASK.value,
        switch_pool=_SWITCHES.value,
        implementations=_IMPLEMENTATIONS.value,
        channel_scale=_CHANNEL_SCALE.value,
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
