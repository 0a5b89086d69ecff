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

from gen import cli, settings
from gen.explore import commands, explore_config

_RENDER = settings.define_flags(explore_config.RenderConfig)


def main(argv):
    cli.check_no_arguments(argv)
    commands.render(_RENDER.config())  # the values checked before TensorFlow


if __name__ == "__main__":
    cli.run(main)
