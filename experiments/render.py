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

import os

from experiments import _run_flags
from gen import cli
from gen.data import contact_sheet
from gen.explore import explore_config, run_files

_RENDER = _run_flags.define(explore_config.RenderConfig)
DEFAULT_CHAIRS = 4


def main(argv):
    cli.check_no_arguments(argv)
    config = _RENDER.config()  # checks the values before TensorFlow loads
    views = contact_sheet.parse_views(config.views)
    info = _run_flags.locate(config)
    chairs = _run_flags.chair_ids(config.chairs, info) if config.chairs else None
    source = _run_flags.data_source(config, info)
    if config.real:
        run_files.require_data(source, "--real")
    out = _run_flags.out_dir(config, info, "render")

    from gen.explore import render  # loads Keras: after the flag checks

    model = run_files.load_generator(info.generator_path)
    if chairs is None:
        chairs = list(range(min(DEFAULT_CHAIRS, run_files.num_classes_of(model))))
    chairs = _run_flags.checked_chairs(chairs, model)
    data = None
    if config.real:
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
            config.frames,
            config.elevation,
            config.frame_ms,
        )
        _run_flags.wrote(
            path,
            f"chair {chair}, {config.frames} frames over "
            f"360 degrees at elevation {config.elevation:g}",
        )


if __name__ == "__main__":
    cli.run(main)
