r"""A weight-tied convolutional autoencoder with a deconvnet decoder, trained
on the synthetic chairs: switch unpooling against fixed-corner unpooling.

    python -m experiments.train_autoencoder --workdir=runs/autoencoder
    python -m experiments.train_autoencoder --workdir=runs/ae32 --resolution=32 \
        --num_chairs=20 --epochs=2

Writes both trained models, reconstructions.png (held-out inputs above their
reconstructions with each unpooling) and mse.md / mse.json (reconstruction
MSE on held-out views) under --workdir. Every setting is a field of
`gen.deconvnet.autoencoder_config.AutoencoderConfig`; `--help` lists them.
"""

from gen import cli, settings, workdir_setting
from gen.deconvnet import autoencoder_config

_WORKDIR = settings.define_flags(workdir_setting.WorkdirSetting)
_AUTOENCODER = settings.define_flags(autoencoder_config.AutoencoderConfig)


def main(argv):
    cli.check_no_arguments(argv)
    workdir = _WORKDIR.config().workdir  # checked before TensorFlow loads
    config = _AUTOENCODER.config()
    from gen.deconvnet import train_autoencoder

    train_autoencoder.train_autoencoder(config, workdir)


if __name__ == "__main__":
    cli.run(main)
