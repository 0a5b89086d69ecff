r"""Feature-space arithmetic (TPAMI 2017): decode h(A) - h(B) + h(C) for the
activations h of a chosen layer, next to the three chairs.

    python -m experiments.arithmetic --workdir=runs/chairs --chairs=4,9,17
    python -m experiments.arithmetic --workdir=runs/chairs --chairs=4,9,17 \
        --layer=joint_fc1

Writes under --out (default <workdir>/arithmetic):

    arithmetic_<A>_<B>_<C>_<layer>.png   rows: --azimuths views; columns: A,
                                         B, C and A - B + C
"""

import os

from experiments import _run_flags
from gen import cli
from gen.explore import explore_config, run_files

_ARITHMETIC = _run_flags.define(explore_config.ArithmeticConfig)


def main(argv):
    cli.check_no_arguments(argv)
    config = _ARITHMETIC.config()  # checks the values before TensorFlow loads
    info = _run_flags.locate(config)
    chairs = _run_flags.chair_ids(config.chairs, info)
    azimuths = list(config.azimuths)
    _run_flags.cut_layer(info, config.layer)
    out = _run_flags.out_dir(config, info, "arithmetic")

    from gen.explore import feature_arithmetic

    model = run_files.load_generator(info.generator_path)
    a, b, c = _run_flags.checked_chairs(chairs, model)
    path = feature_arithmetic.write_figure(
        os.path.join(out, f"arithmetic_{a}_{b}_{c}_{config.layer}.png"),
        model,
        config.layer,
        a,
        b,
        c,
        azimuths,
        config.elevation,
    )
    _run_flags.wrote(
        path, f"chairs {a} - {b} + {c} at {config.layer}, {len(azimuths)} views"
    )


if __name__ == "__main__":
    cli.run(main)
