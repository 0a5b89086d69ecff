"""A weight-tied convolutional autoencoder with a deconvnet decoder, trained
on the synthetic chairs: switch unpooling against fixed-corner unpooling.

    python -m experiments.train_autoencoder --workdir=runs/autoencoder
    python -m experiments.train_autoencoder --workdir=runs/ae32 --resolution=32 \
        --num_chairs=20 --epochs=2

Writes both trained models, reconstructions.png (held-out inputs above their
reconstructions with each unpooling) and mse.md / mse.json (reconstruction
MSE on held-out views) under --workdir.
"""

import gen.cli  # noqa: I001  (first: quiets TensorFlow before it loads)

from absl import flags

from gen.errors import UserError

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "Output folder.", required=True)
flags.DEFINE_integer("resolution", 64, "Image size: 32, 64 or 128.")
flags.DEFINE_list("filters", ["32", "64", "64"],
                  "Channels of each encoder convolution, from the image up.")
flags.DEFINE_integer("kernel_size", 3, "Kernel size of every convolution (odd).")
flags.DEFINE_string("dataset", "synthetic_chairs",
                    "synthetic_chairs or rendered_chairs.")
flags.DEFINE_string("data_dir", None, "TFDS data directory.")
flags.DEFINE_integer("num_chairs", 50, "Chair styles to train on.")
flags.DEFINE_integer("epochs", 10, "Training epochs of each autoencoder.")
flags.DEFINE_integer("batch_size", 32, "Images per training step.")
flags.DEFINE_float("learning_rate", 2e-3, "Adam learning rate.")
flags.DEFINE_integer("steps_per_epoch", 0,
                     "Steps per epoch (0: one pass over the training images).")
flags.DEFINE_integer("seed", 0, "Seed of the weights and the batch order.")


def main(argv):
    del argv
    try:
        filters = tuple(int(f) for f in FLAGS.filters)
    except ValueError:
        raise UserError(f"--filters must be ints separated by commas, got "
                        f"{','.join(FLAGS.filters)!r}.") from None
    from gen import tied_autoencoder  # TensorFlow loads here

    config = tied_autoencoder.AutoencoderConfig(
        resolution=FLAGS.resolution, filters=filters,
        kernel_size=FLAGS.kernel_size, dataset=FLAGS.dataset,
        data_dir=FLAGS.data_dir, num_chairs=FLAGS.num_chairs,
        epochs=FLAGS.epochs, batch_size=FLAGS.batch_size,
        learning_rate=FLAGS.learning_rate,
        steps_per_epoch=FLAGS.steps_per_epoch or None, seed=FLAGS.seed)
    tied_autoencoder.train_autoencoder(config, FLAGS.workdir)


if __name__ == "__main__":
    gen.cli.run(main)
