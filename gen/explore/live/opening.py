"""Opening what the explorer shows: a finished run, a run still training
(its last checkpoint), or a bare generator file.

A run writes ``generator.keras`` only when its training ends. Until then the
explorer builds the generator from the run's config.json and reads the
model's variables from the newest checkpoint, read-only (the checkpoint
files are never written), and says at which step they were saved.
"""

import dataclasses
import json
import os
import re

from gen.errors import UserError
from gen.explore import run_files
from gen.training import train_config
from gen.training.workdir import (
    CHECKPOINT_DIR,
    GENERATOR_FILE,
    METRICS_FILE,
)

_CHECKPOINT_STEP = re.compile(r"ckpt-(\d+)$")


@dataclasses.dataclass
class Opened:
    """A generator and what is known about it.

    Attributes:
        model: the generator (float32).
        workdir: the run's folder, or None for a bare generator file.
        origin: where the weights come from, for a person ("generator.keras
            after 10,000 steps", "checkpoint of step 1,200: still training").
        step: the training step of the weights, when known.
        still_training: whether the weights are a checkpoint of a run whose
            generator.keras does not exist yet.
        metrics: the run's metrics.json, or None.
        train: the run's `TrainConfig`, or None for a bare file.
        source: the real images (`run_files.DataSource`), or None.
    """

    model: object
    workdir: str
    origin: str
    step: int = None
    still_training: bool = False
    metrics: dict = None
    train: train_config.TrainConfig = None
    source: run_files.DataSource = None


def open_generator(workdir=None, generator=None, data_dir=None, **real_images):
    """The `Opened` generator of a run (`workdir`) or of a `.keras` file.
    `real_images`: for a bare file, the data settings it was trained with
    (`run_files.data_source`: dataset, num_chairs, chair_list, holdout,
    category); a run has its own."""
    if generator is not None and workdir is None:
        info = run_files.locate(generator=generator)
        return Opened(
            model=run_files.load_generator(info.generator_path),
            workdir=None,
            origin=info.generator_path,
            source=run_files.data_source(info, data_dir=data_dir, **real_images),
        )
    workdir = os.path.abspath(os.path.expanduser(workdir or ""))
    if os.path.isfile(os.path.join(workdir, GENERATOR_FILE)) or not os.path.isdir(
        os.path.join(workdir, CHECKPOINT_DIR)
    ):
        info = run_files.locate(workdir=workdir)  # its errors name the way out
        metrics = _read_json(os.path.join(workdir, METRICS_FILE))
        step = metrics.get("step") if metrics else None
        return Opened(
            model=run_files.load_generator(info.generator_path),
            workdir=workdir,
            origin=GENERATOR_FILE + (f" after {step:,} steps" if step else ""),
            step=step,
            metrics=metrics,
            train=info.train,
            source=run_files.data_source(info, data_dir=data_dir, **real_images),
        )
    return _open_checkpoint(workdir, data_dir, real_images)


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _open_checkpoint(workdir, data_dir, real_images):
    import tensorflow as tf

    from gen.models import chairs_generator
    from gen.training import generator_model

    config, num_classes = run_files.read_run_config(workdir)
    latest = tf.train.latest_checkpoint(os.path.join(workdir, CHECKPOINT_DIR))
    if latest is None:
        raise UserError(
            f"The run in {workdir} has neither {GENERATOR_FILE} nor a "
            "checkpoint yet; explore it after its first checkpoint "
            "(every --checkpoint_every steps)."
        )
    # The generator the trainer builds, from the same settings.
    model = chairs_generator.build_generator(
        generator_model.generator_config(config, num_classes), dtype="float32"
    )
    # read(), not restore(): nothing is tracked for saving, and the optimiser
    # slots in the checkpoint are left unread on purpose.
    tf.train.Checkpoint(model=model).read(latest).expect_partial()
    match = _CHECKPOINT_STEP.search(latest)
    step = int(match.group(1)) if match else None
    # The run's images, as the explore scripts find them (a copied run's
    # data folder included).
    source = run_files.data_source(
        run_files.RunInfo(
            generator_path=None, workdir=workdir, train=config, num_classes=num_classes
        ),
        data_dir=data_dir,
        **real_images,
    )
    return Opened(
        model=model,
        workdir=workdir,
        origin=f"checkpoint of step {step:,}: still training"
        if step is not None
        else "last checkpoint: still training",
        step=step,
        still_training=True,
        train=config,
        source=source,
    )
