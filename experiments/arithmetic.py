r"""Feature-space arithmetic (TPAMI 2017): decode h(A) - h(B) + h(C) for the
activations h of a chosen layer, next to the three chairs.

    python -m experiments.arithmetic --workdir=runs/chairs --chairs=4,9,17
    python -m experiments.arithmetic --workdir=runs/chairs --chairs=4,9,17 \
        --layer=joint_fc1

Writes under --out (default <workdir>/arithmetic):

    arithmetic_<A>_<B>_<C>_<layer>.png   rows: --azimuths views; columns: A,
                                         B, C and A - B + C
"""

from gen import cli, settings
from gen.explore import commands, explore_config

_ARITHMETIC = settings.define_flags(explore_config.ArithmeticConfig)


def main(argv):
    cli.check_no_arguments(argv)
    commands.arithmetic(_ARITHMETIC.config())  # the values checked before TensorFlow


if __name__ == "__main__":
    cli.run(main)
