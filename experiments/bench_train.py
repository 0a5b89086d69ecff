"""Step time of the 64x64 chairs generator, side by side with PyTorch.

    python -m experiments.bench_train --torch_python=.venv/bin/python

Times one Adam training step of the authors' 2s-E network (batch 64, 809
classes, 8 transform parameters) as `experiments.train` runs it, with the
default precision (--precision=auto) and with float32, and, when a Python
with PyTorch is given (`.venv` has it with the test extras), the PyTorch
peer `gen/benchmarks/peers/torch_chairs.py` (the same network, loss and
optimiser) in float32 and with bfloat16 autocast, in interleaved rounds.
The same rounds time the limit: the generator's uconv shapes as plain 5x5
convolutions in bfloat16 and float32 (the best is the peak).
Prints one JSON line per variant, the step's FLOPs (counted from the
model), then for each precision the step time, its GFLOP/s and their share
of that precision's convolution peak, and the ratios to the peer.

    python -m experiments.bench_train --profile

also runs TensorFlow's ops one at a time (for the whole run) and profiles
each step: the share of the peak its convolutions and matrix products
alone would reach, with the optimiser's update, and the other ops' times.
"""

from gen import cli, settings
from gen.benchmarks import bench_config

_BENCH = settings.define_flags(bench_config.TrainBenchConfig)


def main(argv):
    cli.check_no_arguments(argv)
    bench = _BENCH.config()  # checks the values before TensorFlow loads
    from gen.benchmarks import train_comparison

    train_comparison.compare(bench)


if __name__ == "__main__":
    cli.run(main)
