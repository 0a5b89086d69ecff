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

from gen import cli, settings
from gen.explore import commands, explore_config

_INTERPOLATE = settings.define_flags(explore_config.InterpolateConfig)


def main(argv):
    cli.check_no_arguments(argv)
    commands.interpolate(_INTERPOLATE.config())  # the values checked before TensorFlow


if __name__ == "__main__":
    cli.run(main)
