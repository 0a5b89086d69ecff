"""A small convnet trained on the synthetic chairs, to look inside with the
deconvnet.

Three convolution blocks in the style of Zeiler & Fergus' network, scaled
down to minutes on two CPU cores: conv1 (5x5) -> bn1 (BatchNormalization)
-> relu1 -> pool1 (3x3 max pooling with stride 2: overlapping windows, as
in their net), then conv2 and conv3 (3x3 with fused ReLU) each followed by
2x2 max pooling, and a Dense head (fc -> dropout -> logits, softmax). It
classifies the chair style or the azimuth bin of a chairs image; every layer
is one `gen.deconvnet.DeconvNet` supports.

Example:

>>> config = ConvnetConfig(task="style", num_chairs=20, epochs=2)
>>> model, metrics = train_small_convnet(config, save_path="convnet.keras")
>>> metrics["heldout_accuracy"]
"""

import dataclasses
import time

import keras
import numpy as np

from gen import image_files
from gen.errors import UserError

TASKS = ("style", "azimuth")
CONV_LAYERS = ("conv1", "conv2", "conv3")


@dataclasses.dataclass(frozen=True)
class ConvnetConfig:
    """The classifier and its training.

    Attributes:
        task: "style" (which of `num_chairs` chairs) or "azimuth" (which of
            `azimuth_bins` equal sectors of the azimuth circle).
        azimuth_bins: sectors for the "azimuth" task.
        resolution: 32, 64 or 128 (the chairs datasets' sizes).
        filters: channels of conv1, conv2, conv3.
        dense_units: units of the hidden Dense layer.
        weight_decay: L2 penalty on the convolution kernels; it wears the
            random part of the initial filters away, which makes layer-1
            projections (the filters themselves) readable.
        dataset, data_dir, num_chairs: the chairs data (`gen.input_pipeline`).
        holdout: rows held out to measure accuracy ("views": every 5th
            azimuth, so style is judged on unseen views).
        epochs, batch_size, learning_rate, seed: Adam training.
    """

    task: str = "style"
    azimuth_bins: int = 8
    resolution: int = 64
    filters: tuple = (32, 64, 96)
    dense_units: int = 128
    weight_decay: float = 0.0
    dataset: str = "synthetic_chairs"
    data_dir: str = None
    num_chairs: int = 50
    holdout: str = "views"
    epochs: int = 6
    batch_size: int = 32
    learning_rate: float = 1e-3
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "filters", tuple(self.filters))
        if self.task not in TASKS:
            raise UserError(f"Unknown task {self.task!r}: use one of "
                            f"{', '.join(map(repr, TASKS))}.")
        if len(self.filters) != 3 or min(self.filters) < 1:
            raise UserError(f"filters must be three positive channel counts "
                            f"(conv1, conv2, conv3), got {self.filters}.")
        if self.resolution < 16:
            raise UserError(f"resolution must be at least 16, got "
                            f"{self.resolution}.")
        for name in ("azimuth_bins", "dense_units", "num_chairs", "epochs",
                     "batch_size"):
            if getattr(self, name) < 1:
                raise UserError(f"{name} must be at least 1, got "
                                f"{getattr(self, name)}.")


def build_small_convnet(num_classes, resolution=64, filters=(32, 64, 96),
                        dense_units=128, weight_decay=0.0):
    """The classifier: (B, R, R, 3) images in [0, 1] -> (B, num_classes)
    class probabilities. Layer names: conv1, bn1, relu1, pool1, conv2,
    pool2, conv3, pool3, flatten, fc, dropout, logits."""
    f1, f2, f3 = filters
    decay = keras.regularizers.L2(weight_decay) if weight_decay else None
    inputs = keras.Input((resolution, resolution, 3), name="image")
    # A small start (Zeiler & Fergus: 1e-2) so that what conv1 learns, not
    # its random start, shapes the layer-1 projections; bn1 rescales.
    x = keras.layers.Conv2D(
        f1, 5, padding="same", use_bias=False, kernel_regularizer=decay,
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
        name="conv1")(inputs)
    x = keras.layers.BatchNormalization(name="bn1")(x)
    x = keras.layers.ReLU(name="relu1")(x)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same",
                                  name="pool1")(x)
    x = keras.layers.Conv2D(f2, 3, padding="same", activation="relu",
                            kernel_regularizer=decay, name="conv2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = keras.layers.Conv2D(f3, 3, padding="same", activation="relu",
                            kernel_regularizer=decay, name="conv3")(x)
    x = keras.layers.MaxPooling2D(2, name="pool3")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(dense_units, activation="relu", name="fc")(x)
    x = keras.layers.Dropout(0.3, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax",
                                 name="logits")(x)
    return keras.Model(inputs, outputs, name="small_convnet")


def labels(data, config):
    """(labels, num_classes) of a `ChairsData` for the config's task."""
    if config.task == "style":
        return data.chair_ids.astype(np.int32), data.num_classes
    sector = 360.0 / config.azimuth_bins
    return ((data.azimuths % 360.0) // sector).astype(np.int32), \
        config.azimuth_bins


def load_data(config):
    """(train, heldout) `ChairsData` of the config's dataset and holdout."""
    from gen import input_pipeline  # TFDS loads only when data is needed

    data = input_pipeline.load_chairs(config.dataset, data_dir=config.data_dir,
                                      resolution=config.resolution,
                                      num_chairs=config.num_chairs)
    return (input_pipeline.select(data, holdout=config.holdout,
                                  subset="train"),
            input_pipeline.select(data, holdout=config.holdout, subset="eval"))


def train_small_convnet(config, save_path=None, verbose=2):
    """Trains the classifier of `config` on the chairs with Keras `fit`.

    Args:
        config: a `ConvnetConfig`.
        save_path: where to save the trained model (.keras), or None.
        verbose: Keras `fit` verbosity (2: a line per epoch).

    Returns:
        (model, metrics): metrics has "train_accuracy", "heldout_accuracy"
        (on the held-out rows), "chance_accuracy", "num_train",
        "num_heldout", "train_seconds", "task".
    """
    train, heldout = load_data(config)
    if len(train) == 0 or len(heldout) == 0:
        raise UserError(f"holdout={config.holdout!r} leaves {len(train)} "
                        f"training and {len(heldout)} held-out images.")
    y_train, num_classes = labels(train, config)
    y_heldout, _ = labels(heldout, config)
    x_train = train.images.astype(np.float32) / 255.0
    x_heldout = heldout.images.astype(np.float32) / 255.0
    keras.utils.set_random_seed(config.seed)
    model = build_small_convnet(num_classes, config.resolution, config.filters,
                                config.dense_units, config.weight_decay)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    print(f"training the small convnet ({config.task}, {num_classes} "
          f"classes) on {len(x_train)} images, {len(x_heldout)} held out")
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=config.batch_size,
              epochs=config.epochs, shuffle=True,
              validation_data=(x_heldout, y_heldout), verbose=verbose)
    seconds = time.perf_counter() - start
    metrics = {
        "task": config.task,
        "train_accuracy": float(model.evaluate(x_train, y_train, verbose=0)[1]),
        "heldout_accuracy": float(model.evaluate(x_heldout, y_heldout,
                                                 verbose=0)[1]),
        "chance_accuracy": float(np.bincount(y_heldout).max()
                                 / len(y_heldout)),
        "num_train": len(x_train),
        "num_heldout": len(x_heldout),
        "train_seconds": seconds,
    }
    if save_path:
        with image_files.atomic_path(save_path, ".keras") as temporary:
            model.save(temporary)
    return model, metrics
