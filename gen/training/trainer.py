"""Training the chairs generator: ``train(config, workdir)``.

A run writes everything under its workdir (layout in WORKSPACE.md):

    config.json             the settings, what "auto" resolved to, the layers
                            --init_from loaded, the history of changes
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
checkpoint, after a clean stop or a SIGKILL at any moment; a higher --steps
continues a finished run (the learning-rate schedule takes the new total as
its horizon; config.json records the change and its step). With
--fit_to_time a run that would not reach --steps within --max_train_minutes
ends where it can (timed over its first steps, and again if the steps turn
slower or faster), its schedule with it; the end is kept in config.json, so
resuming ends there too (or earlier, if the time left would not hold it).
Checkpoints hold the model's and the optimiser's variables (with the step
count); tf.train.CheckpointManager writes each one under a temporary name
and publishes it by rewriting its index file atomically, so a kill leaves
the previous one intact. The input pipeline is a pure function of (seed, step)
(`gen.data.input_pipeline.training_batches`), so the data position and the
augmentation's random draws are restored by the step alone; nothing else in
the network is random.

`train` reads top to bottom as the steps of a run: check the folder and the
settings, set up the workers, load the data, resolve "auto", build the model
and optimiser, restore the last checkpoint (or start from --init_from),
record the settings, fit, and finish (export, score, pictures).
"""

import dataclasses
import os
import time

import keras
import numpy as np
import tensorflow as tf

from gen import progress
from gen.data import chairs_data, input_pipeline, splits
from gen.errors import UserError
from gen.evaluation import scoring
from gen.models import chairs_generator, generator_io, losses, metrics, optimizers
from gen.pictures import atomic_files
from gen.training import callbacks, distributed, runtime, samples, warm_start
from gen.training import workdir as run_folder

HELDOUT_EVAL_LIMIT = 512  # held-out images scored at each sample step
# --fit_to_time times at least this many steps after the first (which
# compiles), over at least this share of --max_train_minutes.
FIT_CLOCK_STEPS = 10
FIT_CLOCK_SHARE = 0.02
# After that, the clock goes on timing, and the end is fitted again when the
# time limit would cut more than this share of the run's steps, or as many
# more would fit: on a machine whose pace varies by a third (shared CPUs)
# the run would otherwise be stopped by its limit with the learning rate
# still far from zero, or end minutes early. Each fitting costs a new start
# of fit (the dataset, the first step; the step is not traced again), so
# the pace is judged over at least this share of the minutes, and ends that
# are near enough are left as they are, as is the end in the run's last
# minutes.
FIT_RECHECK_SHARE = 0.05  # of the run's steps, and of its last minutes
FIT_RECHECK_WINDOW = 0.1  # of --max_train_minutes
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
        num_classes=num_classes,
        resolution=config.resolution,
        variant=config.variant,
        num_transform=config.num_transform,
        width=config.width,
        activation=config.activation,
    )


def _compile(model, optimizer, config, num_classes, jit_compile):
    loss, loss_weights = losses.generator_losses(generator_config(config, num_classes))
    model.compile(
        optimizer=optimizer,
        loss=loss,
        loss_weights=loss_weights,
        metrics={
            "rgb": [metrics.PSNR(name="psnr")],
            "mask": [metrics.MaskIoU(name="iou")],
        },
        jit_compile=jit_compile,
    )


def learning_rate(config, horizon=None):
    """The run's `LearningRate` schedule, ending at `horizon` (default
    --steps)."""
    return optimizers.LearningRate(
        config.learning_rate,
        horizon or config.steps,
        config.schedule,
        config.warmup_steps,
        config.lr_boundaries,
        config.lr_factors,
    )


def create_model_and_optimizer(config, num_classes, policy, jit_compile, schedule=None):
    """The compiled generator and its Adam optimiser (variables built).

    The optimiser is `gen.models.optimizers.FusedAdam`: Keras' Adam with
    TensorFlow's fused update kernel (same update and slots, a third of the
    time), with Keras' decoupled weight decay when `config.weight_decay`
    is set. `schedule`: its learning rate (default `learning_rate(config)`).

    Call inside a `tf.distribute` strategy's scope to place them.
    """
    model = chairs_generator.build_generator(
        generator_config(config, num_classes), dtype=policy
    )
    optimizer = optimizers.FusedAdam(
        schedule or learning_rate(config),
        beta_1=config.beta1,
        beta_2=config.beta2,
        epsilon=config.epsilon,
        weight_decay=config.weight_decay or None,
    )
    _compile(model, optimizer, config, num_classes, jit_compile)
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
        config.dataset,
        data_dir=config.data_dir,
        resolution=config.resolution,
        num_chairs=config.num_chairs,
        chair_list=config.chair_list,
    )
    return (
        data,
        splits.select(data, holdout=config.holdout, subset="train"),
        splits.select(data, holdout=config.holdout, subset="eval"),
    )


def _recorded_fit(resume, config):
    """The end --fit_to_time chose for this --steps in an earlier session,
    or None (a new run, a changed --steps, or never fitted)."""
    fit = resume.record.get("resolved", {}).get("fit_to_time") if resume else None
    return fit if fit and fit["steps"] == config.steps else None


def _record(config, resolved, resume, init, step):
    """What config.json holds: the settings, what "auto" became, what
    --init_from loaded, and the history of settings changed on resuming."""
    history = list(resume.record.get("history", [])) if resume else []
    if resume is not None:
        change = run_folder.history_entry(resume.stored, config, step)
        if change is not None:
            history.append(change)
    record = {"train": config.to_dict(), "resolved": resolved, "history": history}
    if init is not None:
        record["init"] = init
    return record


@dataclasses.dataclass
class _Session:
    """What every phase of one `train` call shares."""

    config: object
    model: object
    schedule: object  # the optimiser's LearningRate
    horizon: int  # the step the run ends at: --steps, or what fits in time
    fit_pending: bool  # --fit_to_time has yet to time the steps
    record: dict  # config.json
    record_path: str  # where the chief writes it (None on other workers)
    strategy: object
    saver: object
    log: object
    writers: tuple
    samples_dir: str
    train_data: object
    heldout: object
    num_classes: int
    jit: bool
    started: float = None  # when training started (the time limit's origin)
    viewer: object = None
    # --fit_to_time timed this run's end in this session (not in one that
    # it resumes), so it may also move the end later when steps get faster.
    fitted_here: bool = False


def train(config, workdir, echo=print):
    """Trains (or resumes, or continues) a chairs generator; returns a
    `TrainResult`.

    Raises `UserError` for a workdir holding another run, a --steps below
    the step it reached, missing data, a bad --init_from or TF_CONFIG, or a
    loss that stopped being finite (naming the step; the checkpoints written
    before it are kept).
    """
    # 1. The settings and the folder: new, empty, or this very run. Every
    #    worker checks before any writes.
    workdir = os.path.abspath(os.path.expanduser(workdir))
    config = config.with_absolute_paths()
    config.check_paths()
    resume = run_folder.check_workdir(config, workdir)
    strategy = distributed.make_strategy(config.strategy)
    chief = distributed.is_chief(strategy)
    distributed.barrier(strategy)
    # Lines wait in memory until the run is set up (the chief then writes
    # them to log.txt): a refused start leaves nothing behind.
    log = run_folder.Log(echo)

    # 2. The data, and what "auto" means here.
    data, train_data, heldout = _load_data(config)
    policy, policy_reason = runtime.resolve_precision(config.precision)
    jit, jit_reason = runtime.resolve_jit(config.jit_compile)
    log(f"{'Resuming' if resume else 'Starting'} run in {workdir}")
    log(
        f"data: {config.dataset}, {data.num_classes} chairs, "
        f"{len(train_data.images)} training / {len(heldout.images)} held-out "
        f"images at {config.resolution}x{config.resolution}; "
        f"holdout={config.holdout}: {splits.DESCRIPTIONS[config.holdout]}"
    )
    log(
        f"precision: {policy} ({policy_reason}); jit_compile: {jit} "
        f"({jit_reason}); replicas: {strategy.num_replicas_in_sync} on "
        f"{distributed.worker_count(strategy)} worker(s)"
    )

    # 3. Model and optimiser; the last checkpoint, or --init_from's weights.
    #    The schedule ends at --steps, or where --fit_to_time ended this
    #    --steps before.
    fit = _recorded_fit(resume, config)
    horizon = fit["horizon"] if fit else config.steps
    schedule = learning_rate(config, horizon)
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model, optimizer = create_model_and_optimizer(
            config, data.num_classes, policy, jit, schedule
        )
    if distributed.worker_count(strategy) > 1:
        distributed.fix_keras_multi_worker(model)
    saver = distributed.CheckpointSaver(
        tf.train.Checkpoint(model=model, optimizer=optimizer),
        os.path.join(workdir, run_folder.CHECKPOINT_DIR),
        config.keep_checkpoints,
        chief,
    )
    init = resume.record.get("init") if resume else None
    if saver.latest:
        saver.checkpoint.restore(saver.latest).assert_existing_objects_matched()
    elif config.init_from is not None:  # a new run (or one never saved)
        init = warm_start.init_from(model, config.init_from)
        log(
            f"init_from {init['from']}: loaded {len(init['loaded'])} layers "
            f"({', '.join(init['loaded'])}); fresh: "
            f"{', '.join(init['fresh']) or 'none'}"
        )
    step = int(optimizer.iterations.numpy())
    log(
        f"model: {config.variant}, {model.count_params():,} parameters; "
        f"{'restored step ' + str(step) if step else 'step 0'}"
    )

    # 4. Record the settings (and what changed since the last session).
    resolved = {
        "precision": policy,
        "jit_compile": jit,
        "num_classes": data.num_classes,
        "train_images": len(train_data.images),
        "heldout_images": len(heldout.images),
        "replicas": strategy.num_replicas_in_sync,
        "workers": distributed.worker_count(strategy),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    if fit:
        resolved["fit_to_time"] = fit
    record = _record(config, resolved, resume, init, step)
    if chief:
        os.makedirs(workdir, exist_ok=True)
        log.attach(os.path.join(workdir, run_folder.LOG_FILE))
        atomic_files.write_json(os.path.join(workdir, run_folder.CONFIG_FILE), record)
    if resume and resume.stored.steps != config.steps:
        log(
            f"--steps {resume.stored.steps} -> {config.steps} at step {step}: "
            "the learning-rate schedule now ends at step "
            f"{config.steps}"
        )
    elif fit and horizon < config.steps:
        log(
            f"--fit_to_time ended this run at step {horizon} (of --steps="
            f"{config.steps}) when it started; it still ends there"
        )

    # 5. Fit the remaining steps, phase by phase.
    writers = (None, None)
    if chief:
        writers = tuple(
            tf.summary.create_file_writer(
                os.path.join(workdir, run_folder.TENSORBOARD_DIR, name)
            )
            for name in ("train", "heldout")
        )
    session = _Session(
        config=config,
        model=model,
        schedule=schedule,
        horizon=horizon,
        fit_pending=config.fit_to_time and fit is None and step < horizon,
        record=record,
        record_path=(os.path.join(workdir, run_folder.CONFIG_FILE) if chief else None),
        strategy=strategy,
        saver=saver,
        log=log,
        writers=writers,
        samples_dir=os.path.join(workdir, run_folder.SAMPLES_DIR),
        train_data=train_data,
        heldout=heldout,
        num_classes=data.num_classes,
        jit=jit,
    )
    if chief:
        session.viewer = chairs_generator.build_generator(
            generator_config(config, data.num_classes), dtype="float32", name="viewer"
        )
    if step >= horizon:
        log(f"the run already reached step {step}; writing its results")
    while True:
        # The phases are looked at again after every `fit`: --fit_to_time
        # may have moved the end.
        pending = [
            (end, frozen)
            for end, frozen in _phases(config, init, step, session.horizon)
            if step < end
        ]
        if not pending:
            break
        step, stopped = _fit(session, step, *pending[0])
        if stopped:  # by the time limit
            break

    # 6. Export, score and draw the result (the chief).
    result = TrainResult(step=step, workdir=workdir, metrics={}, files={})
    if chief:
        result = _finish(model, config, data, train_data, heldout, workdir, step, log)
    for writer in writers:
        if writer is not None:
            writer.flush()
    return result


def _phases(config, init, step, horizon):
    """[(end step, names of the layers frozen until then)] of a run that
    ends at `horizon`: with --train_only_new_steps, first the layers
    --init_from loaded stay as they are, then everything trains."""
    phases = []
    if init is not None and config.train_only_new_steps > step:
        phases.append(
            (min(config.train_only_new_steps, horizon), tuple(init["loaded"]))
        )
    phases.append((horizon, ()))
    return phases


def _set_frozen(session, frozen):
    """Makes exactly the `frozen` layers untrainable; recompiles when that
    changes what trains (the optimiser keeps its state)."""
    model = session.model
    changed = False
    for layer in model.layers:
        trainable = layer.name not in frozen
        if layer.weights and layer.trainable != trainable:
            layer.trainable = trainable
            changed = True
    if changed:
        with session.strategy.scope():
            _compile(
                model, model.optimizer, session.config, session.num_classes, session.jit
            )


def _fit_to_time(session, step, clock):
    """--fit_to_time: ends the run (and its schedule) at the step that fits
    in the time left, at the pace `clock` measured (first at the run's
    first steps, then again whenever the steps got slower, or faster, than
    that), and records it in config.json."""
    config, log = session.config, session.log
    seconds_per_step = clock.seconds_per_step
    # Less one more start of fit, at most what this one's cost (the first
    # fit's start includes the step's trace, which is not paid again).
    left = (
        60.0 * config.max_train_minutes
        - (time.perf_counter() - session.started)
        - clock.first_step_seconds
    )
    horizon = callbacks.steps_that_fit(config.steps, step, seconds_per_step, left)
    first = session.fit_pending
    session.fit_pending = False
    session.fitted_here = True
    timing = (
        f"{seconds_per_step:.3f} s/step at step {step}, "
        f"{progress.duration(max(left, 0.0))} of --max_train_minutes="
        f"{config.max_train_minutes} left"
    )
    needed = progress.duration((session.horizon - step) * seconds_per_step)
    safety = f"what fits, less {1 - callbacks.FIT_SAFETY:.0%}"
    if first and horizon == session.horizon:
        log(f"--fit_to_time: {timing}; --steps={session.horizon} fit")
    elif first:
        log(
            f"--fit_to_time: {timing}; --steps={session.horizon} would "
            f"take {needed}, so the run ends at step {horizon} ({safety}), "
            "and so does its learning-rate schedule"
        )
    else:
        pace = "slower" if horizon < session.horizon else "faster"
        log(
            f"--fit_to_time: the steps got {pace}, {timing}; the steps to "
            f"{session.horizon} would take {needed}, so the run now ends at "
            f"step {horizon} ({safety}), and so does its learning-rate "
            "schedule"
        )
    if horizon != session.horizon:
        # The traced step reads the schedule's horizon from a variable: the
        # next fit goes on with the same step, not a new trace of it.
        session.horizon = session.schedule.total_steps = horizon
    session.record["resolved"]["fit_to_time"] = {
        "steps": config.steps,
        "horizon": horizon,
        "at_step": step,
        "seconds_per_step": round(seconds_per_step, 5),
    }
    if session.record_path is not None:
        atomic_files.write_json(session.record_path, session.record)


def _fit(session, step, end, frozen):
    """Trains from `step` to `end` (or the time limit) with the layers in
    `frozen` fixed; returns the step reached and whether the time limit
    stopped it. A checkpoint of the step reached is saved, unless the fit
    stopped after timing the steps for --fit_to_time (training goes on).
    """
    # A new end's cost is counted from here: what fit needs before its
    # first step (the recompile, the dataset, the callbacks) is paid again.
    entered = time.perf_counter()
    config, model, log = session.config, session.model, session.log
    _set_frozen(session, frozen)
    strategy = session.strategy

    def make_dataset(shard, shards, per_replica_batch):
        dataset = input_pipeline.training_batches(
            session.train_data,
            batch_size=config.batch_size,
            seed=config.seed,
            start_step=step,
            augment=config.augment,
            ramp_steps=config.ramp_steps(session.horizon),
            shard=shard,
            shards=shards,
            per_replica_batch=per_replica_batch,
        )
        if config.num_transform == 0:
            dataset = dataset.map(_drop_transform)
        return dataset

    dataset = distributed.worker_batches(strategy, make_dataset, config.batch_size)
    if session.started is None:
        session.started = time.perf_counter()
    guard = callbacks.NanGuard(step)
    several = distributed.worker_count(strategy) > 1
    limit = callbacks.TimeLimit(
        config.max_train_minutes,
        session.started,
        agree=(lambda over: distributed.any_worker(strategy, over))
        if several
        else None,
    )
    monitor = callbacks.Monitor(
        log,
        session.writers[0],
        step,
        session.horizon,
        config.log_every,
        config.batch_size,
        guard,
    )
    fit_callbacks = [
        guard,
        limit,
        callbacks.Checkpointer(session.saver, step, config.checkpoint_every, guard),
        monitor,
    ]
    if session.viewer is not None:
        scored = session.heldout.rows(
            np.arange(min(len(session.heldout.images), HELDOUT_EVAL_LIMIT))
        )
        fit_callbacks.append(
            callbacks.Sampler(
                log,
                session.writers[1],
                session.samples_dir,
                step,
                config.sample_every,
                samples.sample_set(session.heldout),
                scored,
                guard,
                session.viewer,
            )
        )
    clock = None
    if config.fit_to_time:
        seconds = 60.0 * config.max_train_minutes
        # Once the end is fitted, the clock only stops a fit whose pace
        # has moved the end that fits in the minutes (StepClock).
        if session.fit_pending:
            clock = callbacks.StepClock(
                FIT_CLOCK_STEPS, FIT_CLOCK_SHARE * seconds, since=entered
            )
        else:
            clock = callbacks.StepClock(
                FIT_CLOCK_STEPS,
                FIT_RECHECK_WINDOW * seconds,
                start_step=step,
                end=session.horizon,
                deadline=session.started + seconds,
                slack=FIT_RECHECK_SHARE * session.horizon,
                most=config.steps if session.fitted_here else None,
                settle=FIT_RECHECK_SHARE * seconds,
                since=entered,
            )
        fit_callbacks.append(clock)
    what = (
        f"only the {len(model.trainable_weights)} weights of the layers "
        "that started fresh"
        if frozen
        else "every layer"
    )
    log(f"training steps {step + 1}..{end} ({what}), batch {config.batch_size}")
    with distributed.peers_alive():
        model.fit(
            dataset,
            epochs=1,
            steps_per_epoch=end - step,
            callbacks=fit_callbacks,
            verbose=0,
            shuffle=False,
        )
    if guard.bad_step is not None:
        kept = session.saver.latest
        raise UserError(
            f"The loss stopped being finite at step {guard.bad_step}; "
            "training stopped there and nothing after the last good "
            f"checkpoint was saved (kept: "
            f"{os.path.basename(kept) if kept else 'none'}). Lower "
            "--learning_rate or add --warmup_steps, and resume or start a "
            "new run."
        )
    reached = int(model.optimizer.iterations.numpy())
    if clock is not None and clock.seconds_per_step and not limit.stopped:
        _fit_to_time(session, reached, clock)
        return reached, False
    seconds = monitor.step_time()
    if seconds:
        log(
            f"trained steps {step + 1}..{reached}: {seconds:.3f} s/step, "
            f"{config.batch_size / seconds:.1f} img/s (after this fit's first "
            "step, which pays for starting it)"
        )
    if limit.stopped:
        log(
            f"stopped at step {reached} after --max_train_minutes="
            f"{config.max_train_minutes}; run again to continue to step "
            f"{session.horizon}"
        )
    if session.saver.latest != os.path.join(
        session.saver.manager.directory, f"ckpt-{reached}"
    ):
        with distributed.peers_alive():
            session.saver.save(reached)
    return reached, limit.stopped


def _finish(model, config, data, train_data, heldout, workdir, step, log):
    """Exports the generator, scores it, writes the final pictures."""
    export = chairs_generator.build_generator(
        generator_config(config, data.num_classes), dtype="float32"
    )
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
    log(
        f"done at step {step} (holdout={config.holdout}): held-out views "
        f"psnr {h['psnr']:.2f} dB, mask iou {h['mask_iou']:.3f}, mse "
        f"{h['mse']:.5f}; training views psnr {scores['train']['psnr']:.2f} "
        f"dB, mask iou {scores['train']['mask_iou']:.3f}"
    )
    for name, path in files.items():
        log(f"  {name}: {path}")
    return TrainResult(step=step, workdir=workdir, metrics=scores, files=files)
