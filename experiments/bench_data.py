"""Prints the throughput of the chairs renderer and of the input pipeline.

    python -m experiments.bench_data
    python -m experiments.bench_data --train_images_per_s=110 --batches=200

Renderer: images per second at 32, 64 and 128 pixels (62 views of 2 chairs
each). Pipeline: images per second of `gen.data.input_pipeline.training_batches`
at 64x64 without and with augmentation, and how many times the images per
second of one training step that is (the default 110 is 64 images / 0.58 s).
"""

import gen.cli  # noqa: I001  (first: quiets TensorFlow before it loads)

from absl import flags

from gen.errors import UserError

FLAGS = flags.FLAGS
flags.DEFINE_float(
    "train_images_per_s", 110.0, "Images per second that one training step consumes."
)
flags.DEFINE_integer("num_chairs", 8, "Chairs (x 62 views) in the pipeline's data.")
flags.DEFINE_integer("batch_size", 64, "Pipeline batch size.")
flags.DEFINE_integer("batches", 100, "Pipeline batches to time (after 10 to warm up).")
flags.DEFINE_list("resolutions", ["32", "64", "128"], "Renderer resolutions.")


def main(argv):
    gen.cli.check_no_arguments(argv)
    if (
        FLAGS.train_images_per_s <= 0
        or FLAGS.num_chairs < 1
        or FLAGS.batch_size < 1
        or FLAGS.batches < 1
    ):
        raise UserError(
            "--train_images_per_s, --num_chairs, --batch_size and --batches must be positive."
        )
    try:
        resolutions = [int(r) for r in FLAGS.resolutions]
    except ValueError:
        raise UserError(
            f"--resolutions must be integers, got {FLAGS.resolutions}."
        ) from None

    from gen.benchmarks import data_speed  # loads TensorFlow: after the checks

    data_speed.run(
        resolutions=resolutions,
        num_chairs=FLAGS.num_chairs,
        batch_size=FLAGS.batch_size,
        batches=FLAGS.batches,
        train_images_per_s=FLAGS.train_images_per_s,
    )


if __name__ == "__main__":
    gen.cli.run(main)
