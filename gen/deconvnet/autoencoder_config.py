"""The settings of `experiments.train_autoencoder`: the weight-tied
autoencoder's shape, its data and its training. Imports no TensorFlow."""

import dataclasses

from gen import choices, settings
from gen.errors import UserError
from gen.settings import setting

POOL_SIZE = 2  # every encoder block halves the size


@dataclasses.dataclass(frozen=True)
class AutoencoderConfig:
    """What to build and how to train it; each field's help says what it
    is (`python -m experiments.train_autoencoder --helpfull`)."""

    resolution: int = setting(
        64,
        "Image size; divisible by 2 to the number of conv layers (each "
        "2x2 unpooling restores its pooling's size).",
        choices=choices.RESOLUTIONS,
    )
    filters: tuple[int, ...] = setting(
        (32, 64, 64), "Channels of each encoder convolution, from the image up."
    )
    kernel_size: int = setting(
        3, "Kernel size of every convolution (odd; 'same' padding, stride 1)."
    )
    dataset: str = setting(
        "synthetic_chairs", "The chairs data to train on.", choices=choices.DATASETS
    )
    data_dir: str | None = setting(
        None, "TFDS data directory (default ~/tensorflow_datasets)."
    )
    num_chairs: int = setting(50, "Chair styles to train on.")
    holdout: str = setting(
        "views",
        "Rows held out for the MSE table (views: every 5th azimuth).",
        choices=choices.HOLDOUTS,
    )
    epochs: int = setting(10, "Training epochs of each autoencoder.")
    batch_size: int = setting(32, "Images per training step.")
    learning_rate: float = setting(2e-3, "Adam learning rate (mean squared error).")
    steps_per_epoch: int = setting(
        0, "Steps per epoch (0: one pass over the training images)."
    )
    seed: int = setting(0, "Seed of the weights and the batch order.")
    num_shown: int = setting(10, "Held-out images in reconstructions.png.")

    def __post_init__(self):
        object.__setattr__(self, "filters", tuple(self.filters))
        settings.check_choices(self)
        if not self.filters or any(f < 1 for f in self.filters):
            raise UserError(
                f"--filters must be positive channel counts, got {self.filters}."
            )
        levels = POOL_SIZE ** len(self.filters)
        if self.resolution < levels or self.resolution % levels:
            raise UserError(
                f"The resolution {self.resolution} must be a multiple of "
                f"{levels} (2 to the number of conv layers, "
                f"{len(self.filters)}) so that each 2x2 unpooling restores "
                "its pooling's size."
            )
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise UserError(
                f"--kernel_size must be odd and positive, got {self.kernel_size}."
            )
        settings.check_positive_ints(
            self, "epochs", "batch_size", "num_chairs", "num_shown"
        )
        settings.check_non_negative_ints(self, "steps_per_epoch", "seed")
        settings.check_positive_numbers(self, "learning_rate")
