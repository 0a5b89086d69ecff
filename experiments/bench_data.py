"""Prints the throughput of the chairs renderer and of the input pipeline.

    python -m experiments.bench_data
    python -m experiments.bench_data --train_images_per_s=110 --batches=200

Renderer: images per second at 32, 64 and 128 pixels (62 views of 2 chairs
each). Pipeline: images per second of `gen.data.input_pipeline.training_batches`
at 64x64 without and with augmentation, and how many times the images per
second of one training step (--train_images_per_s) that is. The figures
measured with it are in docs/benchmarks.md.
"""

from gen import cli, settings
from gen.benchmarks import bench_config

_BENCH = settings.define_flags(bench_config.DataBenchConfig)


def main(argv):
    cli.check_no_arguments(argv)
    config = _BENCH.config()  # checks the values before TensorFlow loads

    from gen.benchmarks import data_speed  # loads TensorFlow: after the checks

    data_speed.run(
        resolutions=list(config.resolutions),
        num_chairs=config.num_chairs,
        batch_size=config.batch_size,
        batches=config.batches,
        train_images_per_s=config.train_images_per_s,
    )


if __name__ == "__main__":
    cli.run(main)
