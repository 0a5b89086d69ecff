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

from gen import cli, settings
from gen.explore import commands, explore_config

_UNITS = settings.define_flags(explore_config.UnitsConfig)


def main(argv):
    cli.check_no_arguments(argv)
    commands.units(_UNITS.config())  # the values checked before TensorFlow


if __name__ == "__main__":
    cli.run(main)
