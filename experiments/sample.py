r"""New chairs, not in the training set: activations of a class-stream layer
sampled from a Gaussian fitted to the training styles' activations (the
TPAMI paper's method), decoded at several views.

    python -m experiments.sample --workdir=runs/chairs
    python -m experiments.sample --workdir=runs/chairs --layer=class_fc1 \
        --num_samples=16 --seed=3

Writes under --out (default <workdir>/sample):

    samples_<layer>.png   rows: samples ("~ chair N": the nearest training
                          chair); columns: --azimuths views, then that
                          nearest chair
    samples_<layer>.json  nearest training chair and distance per sample,
                          and the median distance between training chairs
"""

from gen import cli, settings
from gen.explore import commands, explore_config

_SAMPLE = settings.define_flags(explore_config.SampleConfig)


def main(argv):
    cli.check_no_arguments(argv)
    commands.sample(_SAMPLE.config())  # the values checked before TensorFlow


if __name__ == "__main__":
    cli.run(main)
