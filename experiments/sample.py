r"""New chairs, not in the training set: activations of a class-stream layer
sampled from a Gaussian fitted to the training styles' activations (the
TPAMI paper's method), decoded at several views.

    python -m experiments.sample --workdir=runs/chairs
    python -m experiments.sample --workdir=runs/chairs --layer=class_fc1 \
        --num_samples=16 --seed=3

Writes under --out (default <workdir>/sample):

    samples_<layer>.png   rows: samples ("~ chair N": the nearest training
                          chair); columns: --azimuths views, then that
                          nearest chair
    samples_<layer>.json  nearest training chair and distance per sample,
                          and the median distance between training chairs
"""

import gen.cli  # noqa: I001  (first: quiets TensorFlow before it loads)

from absl import flags

from experiments import _run_flags
from gen.explore import run_files

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "layer", "class_fc2", "A layer of the class stream: class_fc1 or class_fc2."
)
flags.DEFINE_integer("num_samples", 8, "New chairs to draw.")
flags.DEFINE_integer("seed", 0, "Seed of the samples.")
flags.DEFINE_string(
    "azimuths", "0,45,90,135,180,225,270,315", "Views (columns), degrees."
)
flags.DEFINE_float("elevation", 20.0, "Elevation of the views, degrees.")
flags.DEFINE_bool(
    "rectify",
    True,
    "Set negative sampled activations to zero (the layer is "
    "followed by a rectifier, so training never gave the "
    "layers above negative values).",
)


def main(argv):
    gen.cli.check_no_arguments(argv)
    info = _run_flags.locate()
    _run_flags.at_least(FLAGS.num_samples, 1, "num_samples")
    _run_flags.at_least(FLAGS.seed, 0, "seed")
    azimuths = _run_flags.numbers(FLAGS.azimuths, float, "azimuths", -360, 360)
    _run_flags.elevation(FLAGS.elevation)
    _run_flags.cut_layer(info, FLAGS.layer)
    out = _run_flags.out_dir(info, "sample")

    from gen.explore import style_sampling

    model = run_files.load_generator(info.generator_path)
    style_sampling.style_layer_check(model, FLAGS.layer)
    train_chairs = style_sampling.training_chairs(
        run_files.num_classes_of(model), info.train.holdout if info.train else None
    )
    result = style_sampling.new_chairs(
        model,
        FLAGS.layer,
        train_chairs,
        FLAGS.num_samples,
        FLAGS.seed,
        azimuths,
        FLAGS.elevation,
        rectify=FLAGS.rectify,
    )
    picture, summary = style_sampling.write_results(
        out, result, FLAGS.layer, azimuths, FLAGS.elevation, FLAGS.seed
    )
    _run_flags.wrote(
        picture,
        f"{FLAGS.num_samples} new chairs x "
        f"{len(azimuths)} views, from a Gaussian fitted to "
        f"{FLAGS.layer} of {len(train_chairs)} training chairs",
    )
    _run_flags.wrote(summary, "the nearest training chair of every sample")


if __name__ == "__main__":
    gen.cli.run(main)
