"""Training the weight-tied autoencoders (`gen.models.tied_autoencoder`):
``train_autoencoder(config, workdir)`` trains the switch and the
fixed-corner variant the same way on the chairs and compares them
(reconstructions, MSE table).

Example:

>>> config = autoencoder_config.AutoencoderConfig(resolution=32, epochs=1,
...                                               filters=(8, 16))
>>> results = train_autoencoder(config, "runs/autoencoder")
"""

import dataclasses
import os
import time

import keras
import numpy as np

from gen.errors import UserError
from gen.models import tied_autoencoder
from gen.pictures import atomic_files, figures


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
    lines = [
        "| unpooling | held-out MSE | training MSE | held-out PSNR (dB) |",
        "|---|---|---|---|",
    ]
    # Switch first, whatever order the dict (or a JSON file) has.
    names = [n for n in tied_autoencoder.UNPOOLINGS if n in results] + [
        n for n in results if n not in tied_autoencoder.UNPOOLINGS
    ]
    for name in names:
        r = results[name]
        lines.append(
            f"| {name} | {r['heldout_mse']:.5f} | "
            f"{r['train_mse']:.5f} | {r['heldout_psnr_db']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def _shown_rows(n_rows, count):
    """`count` row indices spread evenly over `n_rows` (different chairs
    and views)."""
    return np.unique(np.linspace(0, n_rows - 1, count).round().astype(int))


def _load_images(config):
    # Imported here: the data modules pull in TFDS, which the builders and
    # the tests of the model alone do not need.
    from gen.data import chairs_data, splits

    data = chairs_data.load_chairs(
        config.dataset,
        data_dir=config.data_dir,
        resolution=config.resolution,
        num_chairs=config.num_chairs,
    )
    train = splits.select(data, holdout=config.holdout, subset="train")
    heldout = splits.select(data, holdout=config.holdout, subset="eval")
    if len(train) == 0 or len(heldout) == 0:
        raise UserError(
            f"holdout={config.holdout!r} leaves {len(train)} training and "
            f"{len(heldout)} held-out images with num_chairs="
            f"{config.num_chairs}: use more chairs."
        )
    return (
        train.images.astype(np.float32) / 255.0,
        heldout.images.astype(np.float32) / 255.0,
    )


def _save_model(model, path):
    with atomic_files.atomic_path(path, ".keras") as temporary:
        model.save(temporary)


def train_autoencoder(config, workdir, verbose=2):
    """Trains the switch and the fixed-corner autoencoder on the chairs.

    Both are trained the same way, each after resetting Keras' random seed
    to ``config.seed`` (weights and shuffling). Writes under
    `workdir`:

    - ``switch_autoencoder.keras``, ``fixed_corner_autoencoder.keras``: the
      trained models (``keras.models.load_model`` after ``import layers``);
    - ``reconstructions.png``: held-out images (top row) above their
      reconstructions with switch unpooling and with fixed-corner unpooling,
      each row labelled (`reconstructions_figure`);
    - ``mse.md`` and ``mse.json``: reconstruction MSE of each on the held-out
      and the training images;
    - ``config.json``; ``logs/<unpooling>/``: TensorBoard logs;
      ``checkpoints/<unpooling>.keras``: the model after the latest epoch.

    Args:
        config: a `gen.deconvnet.autoencoder_config.AutoencoderConfig`.
        workdir: the output folder (created if needed).
        verbose: Keras `fit` verbosity (2: a line per epoch).

    Prints a line per epoch, the MSE table and a ``wrote <path>: <what>``
    line per file or folder written.

    Returns:
        The dict written to ``mse.json``.
    """
    os.makedirs(workdir, exist_ok=True)
    atomic_files.write_json(
        os.path.join(workdir, "config.json"), dataclasses.asdict(config)
    )
    train, heldout = _load_images(config)
    print(
        f"{len(train)} training and {len(heldout)} held-out images, "
        f"{config.resolution}x{config.resolution}"
    )
    results, models = {}, {}
    for unpooling in tied_autoencoder.UNPOOLINGS:
        keras.utils.set_random_seed(config.seed)
        model = tied_autoencoder.build_autoencoder(
            config.resolution, config.filters, config.kernel_size, unpooling
        )
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse")
        print(
            f"training the {unpooling} autoencoder ({model.count_params()} parameters)"
        )
        start = time.perf_counter()
        model.fit(
            train,
            train,
            batch_size=config.batch_size,
            epochs=config.epochs,
            steps_per_epoch=config.steps_per_epoch or None,
            shuffle=True,
            validation_data=(heldout, heldout),
            verbose=verbose,
            callbacks=[
                keras.callbacks.TensorBoard(os.path.join(workdir, "logs", unpooling)),
                keras.callbacks.ModelCheckpoint(
                    os.path.join(workdir, "checkpoints", f"{unpooling}.keras")
                ),
            ],
        )
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
    atomic_files.write_png(
        os.path.join(workdir, "reconstructions.png"),
        reconstructions_figure(
            shown,
            [models[u].predict(shown, verbose=0) for u in tied_autoencoder.UNPOOLINGS],
        ),
    )
    summary = {
        "results": results,
        "num_train": len(train),
        "num_heldout": len(heldout),
        "rows_of_reconstructions_png": ["input"] + list(tied_autoencoder.UNPOOLINGS),
    }
    atomic_files.write_json(os.path.join(workdir, "mse.json"), summary)
    table = mse_table(results)
    atomic_files.write_text(os.path.join(workdir, "mse.md"), table)
    print(table, end="")
    for name, what in _written(len(shown)):
        print(f"wrote {os.path.join(workdir, name)}: {what}")
    return summary


def row_label(unpooling):
    """The row label of an unpooling's reconstructions, on two lines
    ("fixed-corner", then "unpooling"): on one line it is wider than the
    row labels' `figures.ROW_LABEL_WIDTH`."""
    return f"{unpooling.replace('_', '-')}\nunpooling"


def reconstructions_figure(inputs, reconstructions):
    """Held-out `inputs` ((N, R, R, 3) in [0, 1]) above each unpooling's
    `reconstructions` of them (in `tied_autoencoder.UNPOOLINGS` order), one
    labelled row each (`gen.pictures.figures.labelled_grid`)."""
    labels = ["input"] + [row_label(u) for u in tied_autoencoder.UNPOOLINGS]
    return figures.labelled_grid(
        np.concatenate([inputs, *reconstructions]),
        len(labels),
        len(inputs),
        row_labels=labels,
    )


def _written(num_shown):
    """(file or folder under the workdir, what it holds) of a finished run."""
    unpoolings = tied_autoencoder.UNPOOLINGS
    return [
        *(
            (f"{u}_autoencoder.keras", f"the trained {u} autoencoder")
            for u in unpoolings
        ),
        (
            "reconstructions.png",
            f"{num_shown} held-out images above their reconstructions with "
            + " and ".join(f"{u.replace('_', '-')} unpooling" for u in unpoolings),
        ),
        ("mse.md", "the reconstruction MSE table"),
        ("mse.json", "the same with training seconds and image counts"),
        ("config.json", "the settings of the run"),
        ("logs", "TensorBoard logs, one folder per unpooling"),
        ("checkpoints", "each model after its latest epoch"),
    ]
