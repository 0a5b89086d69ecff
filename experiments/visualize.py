"""What the features of a trained convnet respond to: Zeiler & Fergus' deconvnet.

For every chosen layer, the top 9 images of each of its strongest feature
maps, as deconvnet projections beside the image patches they come from.

    python -m experiments.visualize --model=convnet.keras --layer=conv2 \
        --images=photos/ --out=runs/vis
    python -m experiments.visualize --model=mnist.keras --images=mnist --out=runs/mnist
    python -m experiments.visualize --out=runs/vis   # trains a chairs convnet first

Without --model it first trains a small convnet on the synthetic chairs
(classifying the chair style, or --task=azimuth) and shows its conv layers.
"""

import gen.cli  # noqa: I001  (first: quiets TensorFlow before it loads)

import dataclasses

from absl import flags

from gen.errors import UserError

FLAGS = flags.FLAGS
flags.DEFINE_string("out", None, "Output folder.", required=True)
flags.DEFINE_string("model", None,
                    "A .keras model to look into; none: train the small "
                    "chairs convnet first.")
flags.DEFINE_list("layer", [],
                  "Layer names, comma separated (default: every Conv2D).")
flags.DEFINE_string("images", "synthetic_chairs",
                    "A folder of PNG/JPEG files, or a dataset name: "
                    "synthetic_chairs (built offline) or a prepared TFDS "
                    "dataset.")
flags.DEFINE_list("features", [],
                  "Feature map indices to show (default: the strongest "
                  "--num_features).")
flags.DEFINE_integer("num_features", 16, "Feature maps to show per layer.")
flags.DEFINE_integer("max_images", 1000, "Look at most at this many images.")
flags.DEFINE_list("input_range", ["0", "1"],
                  "low,high: the model takes pixels scaled to this range "
                  "(0,255 for models that rescale inside).")
flags.DEFINE_integer("batch_size", 64, "Images per forward pass.")
flags.DEFINE_string("data_dir", None, "TFDS data directory.")
flags.DEFINE_integer("num_chairs", 50, "Chairs datasets: number of styles.")
# Training the small convnet (no --model).
flags.DEFINE_enum("task", "style", ["style", "azimuth"],
                  "No --model: classify the chair style or the azimuth bin.")
flags.DEFINE_integer("epochs", 6, "No --model: training epochs.")
flags.DEFINE_integer("resolution", 64, "No --model: image size (32, 64, 128).")
flags.DEFINE_list("filters", ["32", "64", "96"],
                  "No --model: channels of conv1, conv2, conv3.")
flags.DEFINE_integer("seed", 0, "No --model: training seed.")


def _numbers(values, kind, name):
    try:
        return tuple(kind(v) for v in values)
    except ValueError:
        raise UserError(f"--{name} must be {kind.__name__}s separated by "
                        f"commas, got {','.join(values)!r}.") from None


def main(argv):
    del argv
    input_range = _numbers(FLAGS.input_range, float, "input_range")
    if len(input_range) != 2:
        raise UserError(f"--input_range must be two numbers low,high, got "
                        f"{','.join(FLAGS.input_range)!r}.")
    from gen import visualizer

    config = visualizer.VisualizeConfig(  # checks files before TF loads
        out_dir=FLAGS.out, model_path=FLAGS.model, layers=tuple(FLAGS.layer),
        images=FLAGS.images,
        features=_numbers(FLAGS.features, int, "features"),
        num_features=FLAGS.num_features, max_images=FLAGS.max_images,
        input_range=input_range, batch_size=FLAGS.batch_size,
        data_dir=FLAGS.data_dir, num_chairs=FLAGS.num_chairs)
    if not FLAGS.model:
        from gen import small_convnet  # TensorFlow loads here

        config = dataclasses.replace(config, convnet=small_convnet.ConvnetConfig(
            task=FLAGS.task, resolution=FLAGS.resolution,
            filters=_numbers(FLAGS.filters, int, "filters"),
            data_dir=FLAGS.data_dir, num_chairs=FLAGS.num_chairs,
            epochs=FLAGS.epochs, seed=FLAGS.seed))
    visualizer.visualize(config)


if __name__ == "__main__":
    gen.cli.run(main)
