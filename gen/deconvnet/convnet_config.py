"""The settings of the small chairs convnet and its training (what
`experiments.visualize` trains when no --model is given). Imports no
TensorFlow."""

import dataclasses

from gen import choices, settings
from gen.errors import UserError
from gen.settings import setting

TASKS = ("style", "azimuth")


@dataclasses.dataclass(frozen=True)
class ConvnetConfig:
    """The classifier and its training; each field's help says what it is.

    The convolution kernels' L2 penalty (`weight_decay`) wears the random
    part of the initial filters away, which makes layer-1 projections (the
    filters themselves) readable.
    """

    task: str = setting(
        "style",
        "What the small convnet classifies: the chair style or the azimuth bin.",
        choices=TASKS,
    )
    azimuth_bins: int = setting(
        8, "Equal sectors of the azimuth circle for --task=azimuth."
    )
    resolution: int = setting(
        64,
        "Image size of the small convnet's training images.",
        choices=choices.RESOLUTIONS,
    )
    filters: tuple[int, ...] = setting(
        (32, 64, 96), "Channels of the small convnet's conv1, conv2, conv3."
    )
    dense_units: int = setting(128, "Units of the hidden Dense layer.")
    weight_decay: float = setting(0.0, "L2 penalty on the convolution kernels.")
    dataset: str = setting(
        "synthetic_chairs", "The chairs data.", choices=choices.DATASETS
    )
    data_dir: str | None = setting(None, "TFDS data directory.")
    num_chairs: int = setting(50, "Chair styles of the data.")
    holdout: str = setting(
        "views",
        "Rows held out to measure accuracy "
        "(views: every 5th azimuth, so style is judged "
        "on unseen views).",
        choices=choices.HOLDOUTS,
    )
    epochs: int = setting(6, "Training epochs of the small convnet.")
    batch_size: int = setting(32, "Images per training step.")
    learning_rate: float = setting(1e-3, "Adam learning rate.")
    seed: int = setting(0, "Training seed of the small convnet.")

    def __post_init__(self):
        object.__setattr__(self, "filters", tuple(self.filters))
        settings.check_choices(self)
        if len(self.filters) != 3 or min(self.filters) < 1:
            raise UserError(
                f"--filters must be three positive channel counts "
                f"(conv1, conv2, conv3), got {self.filters}."
            )
        settings.check_positive_ints(
            self, "azimuth_bins", "dense_units", "num_chairs", "epochs", "batch_size"
        )
        settings.check_positive_numbers(self, "learning_rate")
