r"""Single units of a trained generator: the image one unit draws with the
rest of its layer at zero, and what a chair loses when units are knocked out
(set to zero).

    python -m experiments.units --workdir=runs/chairs
    python -m experiments.units --workdir=runs/chairs \
        --layers=joint_fc2,rgb_uconv1 --units=0,5,17 --knockout=3,8 --chair=4

Writes under --out (default <workdir>/units):

    units.png     rows: --layers; tiles: single units ("#u"), the most active
                  over all chairs first, or --units
    knockout.png  rows: --layers; columns: --chair as drawn, then without
                  its 1, 2, 4, ... most active units (or each of --knockout
                  and all of them)
    units.json    the units shown, the value they were set to, and each
                  knock-out's mean absolute change of the image
"""

import gen.cli  # noqa: I001  (first: quiets TensorFlow before it loads)

from absl import flags

from experiments import _run_flags
from gen.explore import run_files

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "layers",
    None,
    "Layers, comma separated (default: the fully connected "
    "and uconv layers after the streams meet, without the "
    "linear outputs).",
)
flags.DEFINE_string(
    "units",
    None,
    "Unit indices to show in every layer (default: the --num_units most active).",
)
flags.DEFINE_integer("num_units", 16, "Units per layer when --units is not given.")
flags.DEFINE_float(
    "value",
    None,
    "Activation of the single unit (default: the layer's "
    "largest activation over the chairs).",
)
flags.DEFINE_integer(
    "chair",
    0,
    "The chair knocked out, and whose inputs feed what the layers do not replace.",
)
flags.DEFINE_string(
    "knockout",
    None,
    "Units to knock out, comma separated (default: the "
    "chair's top 1, 2, 4, ... units).",
)
flags.DEFINE_float("azimuth", 30.0, "View azimuth, degrees.")
flags.DEFINE_float("elevation", 20.0, "View elevation, degrees.")


def main(argv):
    gen.cli.check_no_arguments(argv)
    info = _run_flags.locate()
    (chair,) = _run_flags.chair_ids(str(FLAGS.chair), info, "chair")
    units = _run_flags.numbers(FLAGS.units, int, "units") if FLAGS.units else None
    knockout = (
        _run_flags.numbers(FLAGS.knockout, int, "knockout") if FLAGS.knockout else None
    )
    _run_flags.at_least(FLAGS.num_units, 1, "num_units")
    _run_flags.azimuth(FLAGS.azimuth)
    _run_flags.elevation(FLAGS.elevation)
    layer_names = (
        [
            _run_flags.cut_layer(info, name.strip())
            for name in FLAGS.layers.split(",")
            if name.strip()
        ]
        if FLAGS.layers
        else None
    )
    out = _run_flags.out_dir(info, "units")

    from gen.explore import latent
    from gen.explore import units as unit_tools

    model = run_files.load_generator(info.generator_path)
    (chair,) = _run_flags.checked_chairs([chair], model, "chair")
    layer_names = layer_names or unit_tools.default_layers(model)
    # Every layer and unit checked before anything is written.
    for name in layer_names:
        size = latent.get_cut_layer(model, name).output.shape[-1]
        for given in (units, knockout):
            if given:
                unit_tools.check_units(given, size, name)
    written = unit_tools.write_figures(
        out,
        model,
        layer_names,
        chair=chair,
        azimuth=FLAGS.azimuth,
        elevation=FLAGS.elevation,
        units=units,
        num_units=FLAGS.num_units,
        value=FLAGS.value,
        knockout=knockout,
    )
    for path, what in written:
        _run_flags.wrote(path, what)


if __name__ == "__main__":
    gen.cli.run(main)
