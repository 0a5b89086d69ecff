"""Training the small chairs convnet (`gen.models.small_convnet`) with Keras
`fit`: ``train_small_convnet(config)``.

Example:

>>> config = convnet_config.ConvnetConfig(task="style", num_chairs=20,
...                                       epochs=2)
>>> model, metrics = train_small_convnet(config, save_path="convnet.keras")
>>> metrics["heldout_accuracy"]
"""

import time

import keras
import numpy as np

from gen.errors import UserError
from gen.models import small_convnet
from gen.pictures import atomic_files


def labels(data, config):
    """(labels, num_classes) of a `ChairsData` for the config's task."""
    if config.task == "style":
        return data.chair_ids.astype(np.int32), data.num_classes
    sector = 360.0 / config.azimuth_bins
    return ((data.azimuths % 360.0) // sector).astype(np.int32), config.azimuth_bins


def load_data(config):
    """(train, heldout) `ChairsData` of the config's dataset and holdout."""
    from gen.data import chairs_data, splits

    data = chairs_data.load_chairs(
        config.dataset,
        data_dir=config.data_dir,
        resolution=config.resolution,
        num_chairs=config.num_chairs,
    )
    return (
        splits.select(data, holdout=config.holdout, subset="train"),
        splits.select(data, holdout=config.holdout, subset="eval"),
    )


def train_small_convnet(config, save_path=None, verbose=2):
    """Trains the classifier of `config` on the chairs with Keras `fit`.

    Args:
        config: a `gen.deconvnet.convnet_config.ConvnetConfig`.
        save_path: where to save the trained model (.keras), or None.
        verbose: Keras `fit` verbosity (2: a line per epoch).

    Returns:
        (model, metrics): metrics has "train_accuracy", "heldout_accuracy"
        (on the held-out rows), "chance_accuracy", "num_train",
        "num_heldout", "train_seconds", "task".
    """
    train, heldout = load_data(config)
    if len(train) == 0 or len(heldout) == 0:
        raise UserError(
            f"holdout={config.holdout!r} leaves {len(train)} "
            f"training and {len(heldout)} held-out images."
        )
    y_train, num_classes = labels(train, config)
    y_heldout, _ = labels(heldout, config)
    x_train = train.images.astype(np.float32) / 255.0
    x_heldout = heldout.images.astype(np.float32) / 255.0
    keras.utils.set_random_seed(config.seed)
    model = small_convnet.build_small_convnet(
        num_classes,
        config.resolution,
        config.filters,
        config.dense_units,
        config.weight_decay,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    print(
        f"training the small convnet ({config.task}, {num_classes} "
        f"classes) on {len(x_train)} images, {len(x_heldout)} held out"
    )
    start = time.perf_counter()
    model.fit(
        x_train,
        y_train,
        batch_size=config.batch_size,
        epochs=config.epochs,
        shuffle=True,
        validation_data=(x_heldout, y_heldout),
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    metrics = {
        "task": config.task,
        "train_accuracy": float(model.evaluate(x_train, y_train, verbose=0)[1]),
        "heldout_accuracy": float(model.evaluate(x_heldout, y_heldout, verbose=0)[1]),
        "chance_accuracy": float(np.bincount(y_heldout).max() / len(y_heldout)),
        "num_train": len(x_train),
        "num_heldout": len(x_heldout),
        "train_seconds": seconds,
    }
    if save_path:
        with atomic_files.atomic_path(save_path, ".keras") as temporary:
            model.save(temporary)
    return model, metrics
