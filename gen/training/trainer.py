"""Training the chairs generator: ``train(config, workdir)``.

A run writes everything under its workdir (layout in WORKSPACE.md):

    config.json             the settings and what "auto" resolved to
    log.txt                 the progress lines printed on the terminal
    checkpoints/            tf.train.CheckpointManager: model + optimizer
    tensorboard/train/      losses, metrics, learning rate, images/s
    tensorboard/heldout/    held-out metrics and generated-vs-target grids
    samples/step_NNNNNNN.png  generated | target pairs on held-out views
    generator.keras         the trained generator (float32), at the end
    metrics.json            held-out and training-view metrics, at the end
    heldout_views.png       generated | real on held-out views, at the end
    turntable.gif           a few chairs spinning, at the end

Resuming: running again with the same settings continues from the latest
checkpoint, after a clean stop or a SIGKILL at any moment. Checkpoints hold
the model's and the optimiser's variables (with the step count);
tf.train.CheckpointManager writes each one under a temporary name and
publishes it by rewriting its index file atomically, so a kill leaves the
previous one intact. The input pipeline is a pure function of (seed, step)
(`gen.data.input_pipeline.training_batches`), so the data position and the
augmentation's random draws are restored by the step alone; nothing else in
the network is random.

`train` reads top to bottom as the steps of a run: check the folder, choose
the strategy, load the data, resolve "auto", record the settings, build the
model and optimiser, restore the last checkpoint, fit, and finish (export,
score, pictures).
"""

import dataclasses
import os

import keras
import numpy as np
import tensorflow as tf

from gen.data import chairs_data, input_pipeline, splits
from gen.errors import UserError
from gen.evaluation import scoring
from gen.models import chairs_generator, generator_io, losses, metrics, optimizers
from gen.pictures import atomic_files
from gen.training import callbacks, runtime, samples
from gen.training import workdir as run_folder

HELDOUT_EVAL_LIMIT = 512  # held-out images scored at each sample step
TURNTABLE_CHAIRS = 4


@dataclasses.dataclass
class TrainResult:
    step: int
    workdir: str
    metrics: dict
    files: dict


def generator_config(config, num_classes):
    """The `GeneratorConfig` of a `TrainConfig` for `num_classes` chairs."""
    return chairs_generator.GeneratorConfig(
        num_classes=num_classes, resolution=config.resolution,
        variant=config.variant, num_transform=config.num_transform,
        width=config.width, activation=config.activation)


def create_model_and_optimizer(config, num_classes, policy, jit_compile):
    """The compiled generator and its Adam optimiser (variables built).

    The optimiser is `gen.models.optimizers.FusedAdam`: Keras' Adam with
    TensorFlow's fused update kernel (same update and slots, a third of the
    time).

    Call inside a `tf.distribute` strategy's scope to place them.
    """
    gconfig = generator_config(config, num_classes)
    model = chairs_generator.build_generator(gconfig, dtype=policy)
    optimizer = optimizers.FusedAdam(
        optimizers.LearningRate(config.learning_rate, config.steps,
                                config.schedule, config.warmup_steps),
        beta_1=config.beta1, beta_2=config.beta2, epsilon=config.epsilon)
    loss, loss_weights = losses.generator_losses(gconfig)
    model.compile(optimizer=optimizer, loss=loss, loss_weights=loss_weights,
                  metrics={"rgb": [metrics.PSNR(name="psnr")],
                           "mask": [metrics.MaskIoU(name="iou")]},
                  jit_compile=jit_compile)
    # Slot variables must exist before a checkpoint is restored into them.
    optimizer.build(model.trainable_variables)
    return model, optimizer


def _drop_transform(inputs, targets):
    inputs = dict(inputs)
    inputs.pop("transform", None)
    return inputs, targets


def _load_data(config):
    """(all chairs data, training subset, held-out subset) of the run."""
    data = chairs_data.load_chairs(
        config.dataset, data_dir=config.data_dir, resolution=config.resolution,
        num_chairs=config.num_chairs, chair_list=config.chair_list)
    return (data,
            splits.select(data, holdout=config.holdout, subset="train"),
            splits.select(data, holdout=config.holdout, subset="eval"))


def _write_config(path, config, resolved):
    atomic_files.write_json(path, {"train": config.to_dict(),
                                   "resolved": resolved})


def train(config, workdir, echo=print):
    """Trains (or resumes) a chairs generator; returns a `TrainResult`.

    Raises `UserError` for a workdir holding another run, missing data, or a
    loss that stopped being finite (naming the step; the checkpoints written
    before it are kept).
    """
    # 1. The folder: new, empty, or this very run (then it resumes).
    workdir = os.path.abspath(workdir)
    resuming = run_folder.check_workdir(config, workdir)
    strategy = runtime.make_strategy(config.strategy)
    chief = runtime.is_chief(strategy)
    os.makedirs(workdir, exist_ok=True)
    log = run_folder.Log(
        os.path.join(workdir, run_folder.LOG_FILE) if chief else None, echo)

    # 2. The data, and what "auto" means here; both recorded.
    data, train_data, heldout = _load_data(config)
    policy, policy_reason = runtime.resolve_precision(config.precision)
    jit, jit_reason = runtime.resolve_jit(config.jit_compile)
    if chief:
        _write_config(os.path.join(workdir, run_folder.CONFIG_FILE), config, {
            "precision": policy, "jit_compile": jit,
            "num_classes": data.num_classes,
            "train_images": len(train_data.images),
            "heldout_images": len(heldout.images),
            "replicas": strategy.num_replicas_in_sync,
            "tensorflow": tf.__version__, "keras": keras.__version__})
    log(f"{'Resuming' if resuming else 'Starting'} run in {workdir}")
    log(f"data: {config.dataset}, {data.num_classes} chairs, "
        f"{len(train_data.images)} training / {len(heldout.images)} held-out "
        f"images at {config.resolution}x{config.resolution} "
        f"(holdout={config.holdout})")
    log(f"precision: {policy} ({policy_reason}); jit_compile: {jit} "
        f"({jit_reason}); replicas: {strategy.num_replicas_in_sync}")

    # 3. Model and optimiser, then the last checkpoint if there is one.
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model, optimizer = create_model_and_optimizer(
            config, data.num_classes, policy, jit)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    checkpoint_dir = os.path.join(workdir, run_folder.CHECKPOINT_DIR)
    if not chief:  # Every worker saves; only the chief's copy is kept.
        checkpoint_dir = os.path.join(workdir, f".worker_{id(strategy)}")
    manager = tf.train.CheckpointManager(checkpoint, checkpoint_dir,
                                         max_to_keep=config.keep_checkpoints)
    if manager.latest_checkpoint:
        checkpoint.restore(
            manager.latest_checkpoint).assert_existing_objects_matched()
    step = int(optimizer.iterations.numpy())
    log(f"model: {config.variant}, {model.count_params():,} parameters; "
        f"{'restored step ' + str(step) if step else 'fresh initialisation'}")

    # 4. Fit the remaining steps, with the callbacks doing the bookkeeping.
    writers = (None, None)
    if chief:
        writers = tuple(tf.summary.create_file_writer(
            os.path.join(workdir, run_folder.TENSORBOARD_DIR, name))
            for name in ("train", "heldout"))
    if step < config.steps:
        step = _fit(model, manager, config, train_data, heldout, step, log,
                    writers, os.path.join(workdir, run_folder.SAMPLES_DIR)
                    if chief else None)
    else:
        log(f"the run already reached step {step}; writing its results")

    # 5. Export, score and draw the result.
    result = _finish(model, config, data, train_data, heldout, workdir, step,
                     log, chief)
    for writer in writers:
        if writer is not None:
            writer.flush()
    return result


def _fit(model, manager, config, train_data, heldout, step, log, writers,
         samples_dir):
    """Trains from `step` to `config.steps` (or the time limit); returns the
    step reached, with a checkpoint of it saved."""
    dataset = input_pipeline.training_batches(
        train_data, batch_size=config.batch_size, seed=config.seed,
        start_step=step, augment=config.augment, ramp_steps=config.ramp_steps)
    if config.num_transform == 0:
        dataset = dataset.map(_drop_transform)
    scored = heldout.rows(np.arange(min(len(heldout.images),
                                        HELDOUT_EVAL_LIMIT)))
    guard = callbacks.NanGuard(step)
    limit = callbacks.TimeLimit(config.max_train_minutes)
    fit_callbacks = [
        guard,
        limit,
        callbacks.Checkpointer(manager, step, config.checkpoint_every, guard),
        callbacks.Monitor(log, writers[0], step, config.steps,
                          config.log_every, config.batch_size, guard),
        callbacks.Sampler(log, writers[1], samples_dir, step,
                          config.sample_every, samples.sample_set(heldout),
                          scored, guard),
    ]
    log(f"training steps {step + 1}..{config.steps}, batch "
        f"{config.batch_size}")
    model.fit(dataset, epochs=1, steps_per_epoch=config.steps - step,
              callbacks=fit_callbacks, verbose=0, shuffle=False)
    if guard.bad_step is not None:
        kept = manager.latest_checkpoint
        raise UserError(
            f"The loss stopped being finite at step {guard.bad_step}; "
            "training stopped there and nothing after the last good "
            f"checkpoint was saved (kept: "
            f"{os.path.basename(kept) if kept else 'none'}). Lower "
            "--learning_rate or add --warmup_steps, and resume or start a "
            "new run.")
    step = int(model.optimizer.iterations.numpy())
    if limit.stopped:
        log(f"stopped at step {step} after --max_train_minutes="
            f"{config.max_train_minutes}; run again to continue to step "
            f"{config.steps}")
    if manager.latest_checkpoint != os.path.join(manager.directory,
                                                 f"ckpt-{step}"):
        manager.save(checkpoint_number=step)
    return step


def _finish(model, config, data, train_data, heldout, workdir, step, log,
            chief):
    """Exports the generator, scores it, writes the final pictures."""
    export = chairs_generator.build_generator(
        generator_config(config, data.num_classes), dtype="float32")
    export.set_weights(model.get_weights())
    scores = {"step": step,
              "heldout": scoring.summary(export, heldout),
              "train": scoring.summary(
                  export, train_data.rows(np.arange(
                      min(len(train_data.images), 4 * HELDOUT_EVAL_LIMIT))))}
    files = {}
    if chief:
        files["generator"] = os.path.join(workdir, run_folder.GENERATOR_FILE)
        with atomic_files.atomic_path(files["generator"], ".keras") as tmp:
            export.save(tmp)
        files["metrics"] = atomic_files.write_json(
            os.path.join(workdir, run_folder.METRICS_FILE), scores)
        files["heldout_views"] = atomic_files.write_png(
            os.path.join(workdir, "heldout_views.png"),
            samples.sample_grid(export, samples.sample_set(heldout)))
        chosen = np.unique(heldout.chair_ids)[:TURNTABLE_CHAIRS]
        files["turntable"] = generator_io.write_turntable_gif(
            os.path.join(workdir, "turntable.gif"), export, chosen,
            frames=4 * 31)
    h = scores["heldout"]
    log(f"done at step {step}: held-out views psnr {h['psnr']:.2f} dB, mask "
        f"iou {h['mask_iou']:.3f}, mse {h['mse']:.5f}; training views psnr "
        f"{scores['train']['psnr']:.2f} dB, mask iou "
        f"{scores['train']['mask_iou']:.3f}")
    for name, path in files.items():
        log(f"  {name}: {path}")
    return TrainResult(step=step, workdir=workdir, metrics=scores, files=files)
