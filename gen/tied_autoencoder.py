"""A weight-tied convolutional autoencoder with a DeconvNet decoder.

The encoder is blocks of convolution + ReLU + 2x2 max pooling that records
its switches; the decoder mirrors it the way Zeiler & Fergus' deconvnet goes
back down a convnet: unpool, then filter with the *transposed* filters of the
same convolution (`layers.TiedConv2D` called with ``transpose=True``: one
kernel per conv layer, shared by encoder and decoder), each followed by its
own bias and a ReLU (a sigmoid for the image). Since unpooling only moves
values, the ReLU after each transposed filtering is the deconvnet's
"unpool, rectify, filter".

Two ways to unpool, compared by `train_autoencoder`:

- ``"switch"``: `layers.SwitchUnpooling2D` with the switches the encoder
  recorded for the image being reconstructed (where each maximum was);
- ``"fixed_corner"``: `layers.FixedCornerUnpooling2D`, every value at the
  upper-left corner of its 2x2 cell (Dosovitskiy et al.): no switches.

Example:

>>> config = AutoencoderConfig(resolution=64, filters=(32, 64, 64))
>>> model = build_autoencoder(config, unpooling="switch")
>>> [w.name for w in model.weights][:3]   # ['kernel', 'bias', 'transpose_bias']
>>> results = train_autoencoder(config, "runs/autoencoder")
"""

import dataclasses
import os
import time

import keras
import numpy as np

import layers
from gen import image_files
from gen.errors import UserError

UNPOOLINGS = ("switch", "fixed_corner")
POOL_SIZE = 2


@dataclasses.dataclass(frozen=True)
class AutoencoderConfig:
    """What to build and how to train it.

    Attributes:
        resolution: input images are (resolution, resolution, 3) in [0, 1];
            divisible by 2 ** len(filters) (the fixed-corner decoder doubles
            sizes).
        filters: channels of each encoder convolution, from the image up.
        kernel_size: of every convolution ("same" padding, stride 1).
        dataset: the chairs dataset to train on (`gen.input_pipeline`).
        data_dir: its TFDS data directory (None: TFDS's default).
        num_chairs: styles of the dataset.
        holdout: which rows are held out for the MSE table
            (`gen.input_pipeline.select`: "views" = every 5th azimuth).
        epochs, batch_size, learning_rate: Adam on the mean squared error.
        steps_per_epoch: None: one pass over the training images per epoch.
        seed: weights and the order of the training images.
        num_shown: held-out images in the reconstruction picture.
    """

    resolution: int = 64
    filters: tuple = (32, 64, 64)
    kernel_size: int = 3
    dataset: str = "synthetic_chairs"
    data_dir: str = None
    num_chairs: int = 50
    holdout: str = "views"
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 2e-3
    steps_per_epoch: int = None
    seed: int = 0
    num_shown: int = 10

    def __post_init__(self):
        object.__setattr__(self, "filters", tuple(self.filters))
        if not self.filters or any(f < 1 for f in self.filters):
            raise UserError(f"filters must be positive channel counts, got "
                            f"{self.filters}.")
        levels = POOL_SIZE ** len(self.filters)
        if self.resolution < levels or self.resolution % levels:
            raise UserError(
                f"The resolution {self.resolution} must be a multiple of "
                f"{levels} (2 to the number of conv layers, "
                f"{len(self.filters)}) so that each 2x2 unpooling restores "
                "its pooling's size.")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise UserError(f"kernel_size must be odd and positive, got "
                            f"{self.kernel_size}.")
        for name in ("epochs", "batch_size", "num_chairs", "num_shown"):
            if getattr(self, name) < 1:
                raise UserError(f"{name} must be at least 1, got "
                                f"{getattr(self, name)}.")


def build_autoencoder(config, unpooling="switch"):
    """The autoencoder of `config` with `unpooling` "switch" or
    "fixed_corner" (module docstring).

    Layers are named ``conv{i}`` (TiedConv2D, used by encoder and decoder),
    ``pool{i}`` and ``unpool{i}``, i = 1 at the image. The model maps
    (B, R, R, 3) images in [0, 1] to reconstructions in [0, 1]; it has
    exactly one kernel per convolution (three weights per conv layer:
    ``kernel``, ``bias``, ``transpose_bias``).
    """
    if unpooling not in UNPOOLINGS:
        raise UserError(f"Unknown unpooling {unpooling!r}: use one of "
                        f"{', '.join(map(repr, UNPOOLINGS))}.")
    inputs = keras.Input((config.resolution, config.resolution, 3),
                         name="image")
    x = inputs
    convs, switches = [], []
    for i, f in enumerate(config.filters, start=1):
        conv = layers.TiedConv2D(
            f, config.kernel_size, padding="same", activation="relu",
            # The decoder's last transposed filtering draws the image.
            transpose_activation="sigmoid" if i == 1 else "relu",
            name=f"conv{i}")
        x, s = layers.MaxPoolingWithSwitches2D(POOL_SIZE, name=f"pool{i}")(
            conv(x))
        convs.append(conv)
        switches.append(s)
    for i in reversed(range(len(config.filters))):
        name = f"unpool{i + 1}"
        if unpooling == "switch":
            x = layers.SwitchUnpooling2D(POOL_SIZE, name=name)(x, switches[i])
        else:
            x = layers.FixedCornerUnpooling2D(POOL_SIZE, name=name)(x)
        x = convs[i](x, transpose=True)
    return keras.Model(inputs, x, name=f"{unpooling}_autoencoder")


def reconstruction_mse(model, images, batch_size=64):
    """Mean squared error over all pixels and channels of `images`
    ((N, R, R, 3) in [0, 1]) and `model`'s reconstructions of them."""
    reconstructions = model.predict(images, batch_size=batch_size, verbose=0)
    return float(np.mean((reconstructions.astype(np.float64) - images) ** 2))


def mse_table(results):
    """A Markdown table of held-out and training MSE for each unpooling.

    `results` maps an unpooling name to a dict with "heldout_mse",
    "train_mse" and "heldout_psnr_db".
    """
    lines = ["| unpooling | held-out MSE | training MSE | held-out PSNR (dB) |",
             "|---|---|---|---|"]
    # Switch first, whatever order the dict (or a JSON file) has.
    names = [n for n in UNPOOLINGS if n in results] + [
        n for n in results if n not in UNPOOLINGS]
    for name in names:
        r = results[name]
        lines.append(f"| {name} | {r['heldout_mse']:.5f} | "
                     f"{r['train_mse']:.5f} | {r['heldout_psnr_db']:.2f} |")
    return "\n".join(lines) + "\n"


def _shown_rows(n_rows, count):
    """`count` row indices spread evenly over `n_rows` (different chairs
    and views)."""
    return np.unique(np.linspace(0, n_rows - 1, count).round().astype(int))


def _load_images(config):
    # Imported here: the data modules pull in TFDS, which the builders and
    # the tests of the model alone do not need.
    from gen import input_pipeline

    data = input_pipeline.load_chairs(config.dataset, data_dir=config.data_dir,
                                      resolution=config.resolution,
                                      num_chairs=config.num_chairs)
    train = input_pipeline.select(data, holdout=config.holdout, subset="train")
    heldout = input_pipeline.select(data, holdout=config.holdout,
                                    subset="eval")
    if len(train) == 0 or len(heldout) == 0:
        raise UserError(
            f"holdout={config.holdout!r} leaves {len(train)} training and "
            f"{len(heldout)} held-out images with num_chairs="
            f"{config.num_chairs}: use more chairs.")
    return (train.images.astype(np.float32) / 255.0,
            heldout.images.astype(np.float32) / 255.0)


def _save_model(model, path):
    with image_files.atomic_path(path, ".keras") as temporary:
        model.save(temporary)


def train_autoencoder(config, workdir, verbose=2):
    """Trains the switch and the fixed-corner autoencoder on the chairs.

    Both are trained the same way, each after resetting Keras' random seed
    to ``config.seed`` (weights and shuffling). Writes under
    `workdir`:

    - ``switch_autoencoder.keras``, ``fixed_corner_autoencoder.keras``: the
      trained models (``keras.models.load_model`` after ``import layers``);
    - ``reconstructions.png``: held-out images (top row) above their
      reconstructions with switch unpooling and with fixed-corner unpooling;
    - ``mse.md`` and ``mse.json``: reconstruction MSE of each on the held-out
      and the training images;
    - ``config.json``; ``logs/<unpooling>/``: TensorBoard logs;
      ``checkpoints/<unpooling>.keras``: the model after the latest epoch.

    Args:
        config: an `AutoencoderConfig`.
        workdir: the output folder (created if needed).
        verbose: Keras `fit` verbosity (2: a line per epoch).

    Returns:
        The dict written to ``mse.json``.
    """
    os.makedirs(workdir, exist_ok=True)
    image_files.write_json(os.path.join(workdir, "config.json"),
                           dataclasses.asdict(config))
    train, heldout = _load_images(config)
    print(f"{len(train)} training and {len(heldout)} held-out images, "
          f"{config.resolution}x{config.resolution}")
    results, models = {}, {}
    for unpooling in UNPOOLINGS:
        keras.utils.set_random_seed(config.seed)
        model = build_autoencoder(config, unpooling)
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                      loss="mse")
        print(f"training the {unpooling} autoencoder "
              f"({model.count_params()} parameters)")
        start = time.perf_counter()
        model.fit(
            train, train, batch_size=config.batch_size, epochs=config.epochs,
            steps_per_epoch=config.steps_per_epoch, shuffle=True,
            validation_data=(heldout, heldout), verbose=verbose,
            callbacks=[
                keras.callbacks.TensorBoard(
                    os.path.join(workdir, "logs", unpooling)),
                keras.callbacks.ModelCheckpoint(
                    os.path.join(workdir, "checkpoints", f"{unpooling}.keras")),
            ])
        seconds = time.perf_counter() - start
        _save_model(model, os.path.join(workdir, f"{unpooling}_autoencoder.keras"))
        heldout_mse = reconstruction_mse(model, heldout)
        results[unpooling] = {
            "heldout_mse": heldout_mse,
            "train_mse": reconstruction_mse(model, train),
            "heldout_psnr_db": float(10 * np.log10(1.0 / heldout_mse)),
            "train_seconds": seconds,
        }
        models[unpooling] = model
    shown = heldout[_shown_rows(len(heldout), config.num_shown)]
    rows = [shown] + [models[u].predict(shown, verbose=0) for u in UNPOOLINGS]
    image_files.write_png(
        os.path.join(workdir, "reconstructions.png"),
        image_files.grid(np.concatenate(rows), len(rows), len(shown)))
    summary = {"results": results, "num_train": len(train),
               "num_heldout": len(heldout),
               "rows_of_reconstructions_png": ["input"] + list(UNPOOLINGS)}
    image_files.write_json(os.path.join(workdir, "mse.json"), summary)
    table = mse_table(results)
    image_files.write_text(os.path.join(workdir, "mse.md"), table)
    print(table, end="")
    return summary


def load_autoencoder(path):
    """A saved autoencoder, its ties intact (one kernel per conv layer)."""
    if not os.path.isfile(path):
        raise UserError(f"No model file at {path}.")
    return keras.models.load_model(path, safe_mode=True)

