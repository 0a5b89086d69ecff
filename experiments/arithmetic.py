r"""Feature-space arithmetic (TPAMI 2017): decode h(A) - h(B) + h(C) for the
activations h of a chosen layer, next to the three chairs.

    python -m experiments.arithmetic --workdir=runs/chairs --chairs=4,9,17
    python -m experiments.arithmetic --workdir=runs/chairs --chairs=4,9,17 \
        --layer=joint_fc1

Writes under --out (default <workdir>/arithmetic):

    arithmetic_<A>_<B>_<C>_<layer>.png   rows: --azimuths views; columns: A,
                                         B, C and A - B + C
"""

import gen.cli  # noqa: I001  (first: quiets TensorFlow before it loads)

import os

from absl import flags

from experiments import _run_flags
from gen.explore import run_files
from gen.errors import UserError

FLAGS = flags.FLAGS
flags.DEFINE_string("chairs", "0,1,2", "Chair ids A,B,C.")
flags.DEFINE_string(
    "layer",
    "class_fc2",
    "The layer whose activations are combined (a fully "
    "connected or uconv layer; see gen.models.chairs_generator for names).",
)
flags.DEFINE_string("azimuths", "30,120,210", "Views (rows), degrees.")
flags.DEFINE_float("elevation", 20.0, "Elevation of the views, degrees.")


def main(argv):
    gen.cli.check_no_arguments(argv)
    info = _run_flags.locate()
    chairs = _run_flags.chair_ids(FLAGS.chairs, info)
    if len(chairs) != 3:
        raise UserError(
            f"--chairs must be three chair ids A,B,C, got {FLAGS.chairs!r}."
        )
    azimuths = _run_flags.numbers(FLAGS.azimuths, float, "azimuths", -360, 360)
    _run_flags.elevation(FLAGS.elevation)
    _run_flags.cut_layer(info, FLAGS.layer)
    out = _run_flags.out_dir(info, "arithmetic")

    from gen.explore import feature_arithmetic

    model = run_files.load_generator(info.generator_path)
    a, b, c = _run_flags.checked_chairs(chairs, model)
    path = feature_arithmetic.write_figure(
        os.path.join(out, f"arithmetic_{a}_{b}_{c}_{FLAGS.layer}.png"),
        model,
        FLAGS.layer,
        a,
        b,
        c,
        azimuths,
        FLAGS.elevation,
    )
    _run_flags.wrote(
        path, f"chairs {a} - {b} + {c} at {FLAGS.layer}, {len(azimuths)} views"
    )


if __name__ == "__main__":
    gen.cli.run(main)
