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

from experiments import _run_flags
from gen import cli
from gen.explore import explore_config, run_files

_INTERPOLATE = _run_flags.define(explore_config.InterpolateConfig)


def main(argv):
    cli.check_no_arguments(argv)
    config = _INTERPOLATE.config()  # checks the values before TensorFlow loads
    info = _run_flags.locate(config)
    chairs = _run_flags.chair_ids(config.chairs, info)
    mixture = config.mixture
    out = _run_flags.out_dir(config, info, "interpolate")

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
        steps=config.steps,
        weights=weights,
        azimuths=list(config.azimuths),
        elevation=config.elevation,
        azimuth_range=list(config.azimuth_range),
        elevation_range=list(config.elevation_range),
        view_steps=config.view_steps,
        sweep=config.sweep,
        sweep_steps=config.sweep_steps,
        frame_ms=config.frame_ms,
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
    cli.run(main)
