"""Draw chairs with a trained generator: a chairs x views grid and, per
chair, a turntable GIF over the full circle.

    python -m experiments.render --workdir=runs/chairs
    python -m experiments.render --workdir=runs/chairs --chairs=0,5,9 --real
    python -m experiments.render --generator=chairs.keras --out=pictures

Writes under --out (default <workdir>/render):

    chairs_views.png         rows: chairs (with --real, each followed by its
                             real images), columns: --views; * marks the
                             views the run held out
    turntable_chair<ID>.gif  --frames frames (default 124: 4x the 31
                             training azimuths) at --elevation
"""

import gen.cli  # noqa: I001  (first: quiets TensorFlow before it loads)

import os

from absl import flags

from experiments import _run_flags
from gen.data import chair_views
from gen.data import contact_sheet
from gen.explore import run_files

FLAGS = flags.FLAGS
_run_flags.define_data_flags()
flags.DEFINE_string(
    "chairs", None, "Chair ids, comma separated (default: the first 4)."
)
flags.DEFINE_string(
    "views",
    "0,4,8,12,16,20,24,28,35,43,51,59",
    "Grid columns: view indices (j at elevation 20, 31 + j at 30) or 'all'.",
)
flags.DEFINE_bool(
    "real",
    False,
    "Show the real images under the generated ones (needs the run's data).",
)
flags.DEFINE_integer(
    "frames", 4 * chair_views.NUM_AZIMUTHS, "Turntable frames over the full circle."
)
flags.DEFINE_float("elevation", 20.0, "Turntable elevation in degrees.")
flags.DEFINE_integer("frame_ms", 60, "Turntable milliseconds per frame.")
DEFAULT_CHAIRS = 4


def main(argv):
    gen.cli.check_no_arguments(argv)
    views = contact_sheet.parse_views(FLAGS.views)
    _run_flags.at_least(FLAGS.frames, 1, "frames")
    _run_flags.at_least(FLAGS.frame_ms, 1, "frame_ms")
    _run_flags.elevation(FLAGS.elevation)
    info = _run_flags.locate()
    chairs = _run_flags.chair_ids(FLAGS.chairs, info) if FLAGS.chairs else None
    source = _run_flags.data_source(info)
    if FLAGS.real:
        run_files.require_data(source, "--real")
    out = _run_flags.out_dir(info, "render")

    from gen.explore import render  # loads Keras: after the flag checks

    model = run_files.load_generator(info.generator_path)
    if chairs is None:
        chairs = list(range(min(DEFAULT_CHAIRS, run_files.num_classes_of(model))))
    chairs = _run_flags.checked_chairs(chairs, model)
    data = None
    if FLAGS.real:
        data = run_files.load_data(source, model)
    holdout = source.holdout if source else None
    grid = render.write_view_grid(
        os.path.join(out, "chairs_views.png"),
        model,
        chairs,
        views,
        data=data,
        holdout=holdout,
    )
    _run_flags.wrote(
        grid,
        f"{len(chairs)} chairs x {len(views)} views"
        + (", real images under the generated" if data else ""),
    )
    for chair in chairs:
        path = render.write_turntable(
            os.path.join(out, f"turntable_chair{chair}.gif"),
            model,
            chair,
            FLAGS.frames,
            FLAGS.elevation,
            FLAGS.frame_ms,
        )
        _run_flags.wrote(
            path,
            f"chair {chair}, {FLAGS.frames} frames over "
            f"360 degrees at elevation {FLAGS.elevation:g}",
        )


if __name__ == "__main__":
    gen.cli.run(main)
