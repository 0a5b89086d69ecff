r"""The held-out table of a trained generator and its checkerboard measure.

    python -m experiments.evaluate --workdir=runs/chairs
    python -m experiments.evaluate --generator=chairs.keras --data_dir=data \
        --num_chairs=100 --holdout=views

Per-pixel MSE (the papers' measure), PSNR, SSIM and mask IoU on the
training views and the held-out views (the latter also by azimuth), or on
training and held-out chairs, and, for every uconv layer, the variance of
its output over the s x s output phases on a constant input. Writes
under --out (default <workdir>/evaluate):

    evaluation.json   the table's numbers, and the checkerboard measures
    evaluation.md     the same as Markdown tables, with what they mean
    checkerboard.png  each uconv layer's most uneven channels on a constant
                      input
"""

from gen import cli, settings
from gen.explore import commands, explore_config

_EVALUATE = settings.define_flags(explore_config.EvaluateConfig)


def main(argv):
    cli.check_no_arguments(argv)
    commands.evaluate(_EVALUATE.config())  # the values checked before TensorFlow


if __name__ == "__main__":
    cli.run(main)
