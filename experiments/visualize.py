r"""What the features of a trained convnet respond to: Zeiler & Fergus' deconvnet.

For every chosen layer, the top 9 images of each of its strongest feature
maps, as deconvnet projections beside the image patches they come from.

    python -m experiments.visualize --model=convnet.keras --layer=conv2 \
        --images=photos/ --out=runs/vis
    python -m experiments.visualize --model=mnist.keras --images=mnist --out=runs/mnist
    python -m experiments.visualize --out=runs/vis   # trains a chairs convnet first

Without --model it first trains a small convnet on the synthetic chairs
(classifying the chair style, or --task=azimuth) and shows its conv layers.
The settings are the fields of `gen.deconvnet.visualizer.VisualizeConfig`
and, for the small convnet, of `gen.deconvnet.convnet_config.ConvnetConfig`.
"""

from gen import cli, settings
from gen.deconvnet import convnet_config, visualizer

_VISUALIZE = settings.define_flags(visualizer.VisualizeConfig)
# Training the small convnet (no --model); its data settings are the ones
# above.
_CONVNET = settings.define_flags(
    convnet_config.ConvnetConfig,
    only=("task", "epochs", "resolution", "filters", "seed"),
)


def main(argv):
    cli.check_no_arguments(argv)
    config = _VISUALIZE.config()  # checks files before TensorFlow loads
    if config.model_path is None:
        config = _VISUALIZE.config(
            convnet=_CONVNET.config(
                data_dir=config.data_dir, num_chairs=config.num_chairs
            )
        )
    visualizer.visualize(config)


if __name__ == "__main__":
    cli.run(main)
