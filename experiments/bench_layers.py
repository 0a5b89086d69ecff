"""Speed of the layers, measured side by side in one run.

    python -m experiments.bench_layers [--dtype=bfloat16] [--mask_stages]

Prints two tables: UnpoolConv2D (each implementation) against the explicit
FixedCornerUnpooling2D + Conv2D pair on the chairs generator's stages, and
switch pooling + unpooling with and without XLA against the TF Addons recipe.
Times are medians over interleaved rounds, speed-ups the median of the
per-round ratios (see gen/benchmarks/timing.py).
"""

from absl import flags

from gen import cli  # noqa: I001  (first: quiets TensorFlow before it loads)
from gen.benchmarks import layer_speed, timing
from gen.errors import UserError

_BATCH = flags.DEFINE_integer("batch", 64, "Batch size.")
_DTYPE = flags.DEFINE_enum("dtype", "float32", ["float32", "bfloat16"],
                           "Compute dtype of every variant.")
_JIT = flags.DEFINE_bool("jit_compile", False,
                         "Compile the UnpoolConv2D comparison with XLA.")
_ROUNDS = flags.DEFINE_integer("rounds", 7, "Interleaved timing rounds.")
_MASK = flags.DEFINE_bool("mask_stages", False,
                          "Add the mask branch's stages to the RGB branch's.")
_SWITCHES = flags.DEFINE_bool("switches", True,
                              "Also time switch pooling/unpooling.")


def main(argv):
    cli.check_no_arguments(argv)
    if _BATCH.value < 1 or _ROUNDS.value < 1:
        raise UserError("--batch and --rounds must be positive integers.")
    stages = layer_speed.CHAIRS_RGB_STAGES
    if _MASK.value:
        stages += layer_speed.CHAIRS_MASK_STAGES
    config = layer_speed.LayerBenchConfig(
        batch=_BATCH.value, stages=stages, dtype=_DTYPE.value,
        jit_compile=_JIT.value, rounds=_ROUNDS.value)
    print(f"UnpoolConv2D vs FixedCornerUnpooling2D + Conv2D, 5x5 kernels, "
          f"batch {config.batch}, {config.dtype}, forward + backward, "
          f"jit_compile={config.jit_compile}, median of {config.rounds} "
          "interleaved rounds", flush=True)
    print(timing.format_table(
        ("stage", "variant", "ms", "speed-up"),
        layer_speed.uconv_benchmark(config)), flush=True)
    if _SWITCHES.value:
        print(f"\nMax pooling 2x2 with switches + switch unpooling, batch "
              f"{config.batch}, {config.dtype}, forward + backward", flush=True)
        print(timing.format_table(
            ("pooled input", "variant", "ms", "speed-up"),
            layer_speed.switch_benchmark(config)))


if __name__ == "__main__":
    cli.run(main)
