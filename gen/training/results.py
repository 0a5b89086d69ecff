"""The end of a run: the exported generator, its scores and its pictures
(`write_results`, the chief's)."""

import dataclasses
import os

import numpy as np

from gen.data import splits
from gen.evaluation import scoring
from gen.models import chairs_generator, generator_io
from gen.pictures import atomic_files
from gen.training import samples
from gen.training import workdir as run_folder

HELDOUT_EVAL_LIMIT = 512  # held-out images scored at each sample step
TURNTABLE_CHAIRS = 4


@dataclasses.dataclass
class TrainResult:
    """What `gen.training.trainer.train` returns.

    Attributes:
        step: the step the run reached.
        workdir: its folder.
        metrics: metrics.json's content (empty on workers other than the
            chief).
        files: the files written at the end, by name (generator, metrics,
            heldout_views, turntable).
    """

    step: int
    workdir: str
    metrics: dict
    files: dict


def write_results(setup, model, step):
    """Exports `model` as a float32 generator, scores it on the held-out
    and the training views, and draws the held-out views and a turntable;
    returns the `TrainResult`. `setup`: the run's
    `gen.training.trainer.RunSetup`."""
    config, heldout, train_data = setup.config, setup.heldout, setup.train_data
    export = chairs_generator.build_generator(setup.generator, dtype="float32")
    export.set_weights(model.get_weights())
    scores = {
        "step": step,
        "holdout": config.holdout,
        "protocol": splits.DESCRIPTIONS[config.holdout],
        "heldout": scoring.summary(export, heldout),
        "train": scoring.summary(
            export,
            train_data.rows(
                np.arange(min(len(train_data.images), 4 * HELDOUT_EVAL_LIMIT))
            ),
        ),
    }
    workdir = setup.workdir
    files = {"generator": os.path.join(workdir, run_folder.GENERATOR_FILE)}
    with atomic_files.atomic_path(files["generator"], ".keras") as tmp:
        export.save(tmp)
    files["metrics"] = atomic_files.write_json(
        os.path.join(workdir, run_folder.METRICS_FILE), scores
    )
    files["heldout_views"] = atomic_files.write_png(
        os.path.join(workdir, "heldout_views.png"),
        samples.sample_grid(export, samples.sample_set(heldout)),
    )
    chosen = np.unique(heldout.chair_ids)[:TURNTABLE_CHAIRS]
    files["turntable"] = generator_io.write_turntable_gif(
        os.path.join(workdir, "turntable.gif"), export, chosen, frames=4 * 31
    )
    h = scores["heldout"]
    setup.log(
        f"done at step {step} (holdout={config.holdout}): held-out views "
        f"psnr {h['psnr']:.2f} dB, mask iou {h['mask_iou']:.3f}, mse "
        f"{h['mse']:.5f}; training views psnr {scores['train']['psnr']:.2f} "
        f"dB, mask iou {scores['train']['mask_iou']:.3f}"
    )
    for name, path in files.items():
        setup.log(f"  {name}: {path}")
    return TrainResult(step=step, workdir=workdir, metrics=scores, files=files)
