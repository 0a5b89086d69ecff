r"""Between and beyond the training data: style morphs, views between the
training views, and sweeps of the transformation parameters.

    python -m experiments.interpolate --workdir=runs/chairs --chairs=3,8,12
    python -m experiments.interpolate --workdir=runs/chairs --chairs=3,8 \
        --mixture=0.3,0.7

Writes under --out (default <workdir>/interpolate):

    morph.png           the path through --chairs (mixtures of their one-hot
                        class vectors, --steps per pair), one row per
                        --azimuths view
    morph.gif           the same path at the first view, there and back
    mixture.png         with --mixture: each chair and their mixture (rows)
                        at the --azimuths views
    view_azimuth.png    each chair at --view_steps azimuths from
                        --azimuth_range (between the training views)
    view_elevation.png  each chair at --view_steps elevations from
                        --elevation_range (training saw 20 and 30 only)
    transforms.png      the first chair with each of the 8 transformation
                        parameters swept over --sweep_steps values of theta
                        in [-sweep, sweep], the others zero
"""

import gen.cli  # noqa: I001  (first: quiets TensorFlow before it loads)

from absl import flags

from experiments import _run_flags
from gen.explore import run_files
from gen.errors import UserError

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "chairs",
    "0,1",
    "Chair ids to morph through (two or more), comma "
    "separated; the views and sweeps show them too.",
)
flags.DEFINE_integer(
    "steps", 8, "Images per pair of chairs in the morph (both ends included)."
)
flags.DEFINE_string(
    "mixture",
    None,
    "Weights of one mixture of --chairs, comma separated, in [0, 1] and summing to 1.",
)
flags.DEFINE_string("azimuths", "30,120,210", "Views of the morph (rows), degrees.")
flags.DEFINE_float(
    "elevation",
    20.0,
    "Elevation of the morph, azimuth interpolation and sweeps, degrees.",
)
flags.DEFINE_string(
    "azimuth_range",
    "0,46",
    "Azimuth interpolation: start,stop in degrees (the "
    "training views are 0, 11, 23, 34, 46, ...).",
)
flags.DEFINE_string(
    "elevation_range", "0,50", "Elevation interpolation: start,stop in degrees."
)
flags.DEFINE_integer("view_steps", 17, "Images of each view interpolation.")
flags.DEFINE_float(
    "sweep",
    1.0,
    "Transformation sweeps cover theta in [-sweep, sweep] (training draws [-1, 1]).",
)
flags.DEFINE_integer("sweep_steps", 9, "Images of each sweep.")
flags.DEFINE_integer("frame_ms", 120, "Morph GIF milliseconds per frame.")


def _pair(text, flag, minimum, maximum):
    values = _run_flags.numbers(text, float, flag, minimum, maximum)
    if len(values) != 2:
        raise UserError(f"--{flag} must be two numbers start,stop, got {text!r}.")
    return values


def main(argv):
    gen.cli.check_no_arguments(argv)
    info = _run_flags.locate()
    chairs = _run_flags.chair_ids(FLAGS.chairs, info)
    if len(chairs) < 2:
        raise UserError(
            f"--chairs needs two or more chairs to morph between, got {FLAGS.chairs!r}."
        )
    mixture = (
        None
        if FLAGS.mixture is None
        else _run_flags.numbers(FLAGS.mixture, float, "mixture")
    )
    _run_flags.at_least(FLAGS.steps, 2, "steps")
    _run_flags.at_least(FLAGS.view_steps, 2, "view_steps")
    _run_flags.at_least(FLAGS.sweep_steps, 2, "sweep_steps")
    _run_flags.at_least(FLAGS.frame_ms, 1, "frame_ms")
    azimuths = _run_flags.numbers(FLAGS.azimuths, float, "azimuths", -360, 360)
    _run_flags.elevation(FLAGS.elevation)
    azimuth_range = _pair(FLAGS.azimuth_range, "azimuth_range", -360, 360)
    elevation_range = _pair(FLAGS.elevation_range, "elevation_range", -90, 90)
    if not FLAGS.sweep > 0:
        raise UserError(f"--sweep must be positive, got {FLAGS.sweep}.")
    out = _run_flags.out_dir(info, "interpolate")

    from gen.explore import interpolation  # loads Keras: after the checks

    weights = (
        None
        if mixture is None
        else interpolation.check_weights(mixture, len(chairs)).tolist()
    )
    model = run_files.load_generator(info.generator_path)
    chairs = _run_flags.checked_chairs(chairs, model)
    written = interpolation.write_figures(
        out,
        model,
        chairs,
        steps=FLAGS.steps,
        weights=weights,
        azimuths=azimuths,
        elevation=FLAGS.elevation,
        azimuth_range=azimuth_range,
        elevation_range=elevation_range,
        view_steps=FLAGS.view_steps,
        sweep=FLAGS.sweep,
        sweep_steps=FLAGS.sweep_steps,
        frame_ms=FLAGS.frame_ms,
    )
    for path, what in written:
        _run_flags.wrote(path, what)
    if (
        "transform" in model.input
        and info.train is not None
        and (not info.train.augment)
    ):
        print(
            "note: this run was trained without --augment, so theta was "
            "always 0 in training; the sweeps show what the untrained "
            "transformation inputs do."
        )


if __name__ == "__main__":
    gen.cli.run(main)
