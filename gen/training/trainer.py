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
checkpoint, after a clean stop or a SIGKILL at any moment; SIGINT (Ctrl-C)
and SIGTERM save the step in progress first (`gen.training.stop_signals`,
`fitting.stop_on_signal`) and end the process with 130 and 143; a higher --steps
continues a finished run (the learning-rate schedule takes the new total as
its horizon; config.json records the change and its step). With
--fit_to_time the run ends where --max_train_minutes allows
(`gen.training.time_budget`). Checkpoints hold the model's and the
optimiser's variables (with the step count); tf.train.CheckpointManager
writes each one under a temporary name and publishes it by rewriting its
index file atomically, so a kill leaves the previous one intact. The input
pipeline is a pure function of (seed, step)
(`gen.data.input_pipeline.training_batches`), so the data position and the
augmentation's random draws are restored by the step alone; nothing else in
the network is random.

`train_checked` reads as the steps of a run: `set_up` (workers, data,
"auto"), `build_and_restore` (model, optimiser, the last checkpoint or
--init_from), `record_settings` (config.json), `open_outputs` (TensorBoard, the samples'
generator), `fit_phases` (Keras `fit`,
phase by phase), and `results.write_results` (export, scores, pictures).
"""

import dataclasses
import os

import keras
import tensorflow as tf

from gen.data import chairs_data, splits
from gen.models import chairs_generator, optimizers
from gen.training import (
    checkpoints,
    disk_space,
    distributed,
    fitting,
    generator_model,
    results,
    run_lock,
    runtime,
    time_budget,
    train_config,
    warm_start,
)
from gen.training import workdir as run_folder

TrainResult = results.TrainResult


@dataclasses.dataclass(frozen=True)
class RunSetup:
    """What one `train` call fixes before it builds the model.

    Attributes:
        config: the run's settings (paths absolute, checked).
        workdir: the run's folder (absolute).
        chief: whether this process writes the run's files.
        strategy: the `tf.distribute` strategy of --strategy.
        data: every image of the run's chairs; `train_data` and `heldout`
            its training and held-out subsets (--holdout).
        generator: the network's `GeneratorConfig`.
        precision: the Keras dtype policy "auto" resolved to.
        jit: whether the step is compiled with XLA.
        log: prints progress lines and keeps them in log.txt.
    """

    config: train_config.TrainConfig
    workdir: str
    chief: bool
    strategy: tf.distribute.Strategy
    data: chairs_data.ChairsData
    train_data: chairs_data.ChairsData
    heldout: chairs_data.ChairsData
    generator: chairs_generator.GeneratorConfig
    precision: str
    jit: bool
    log: run_folder.Log


@dataclasses.dataclass
class TrainState:
    """What changes while a run trains.

    Attributes:
        model: the compiled generator (its optimiser is `model.optimizer`).
        schedule: the optimiser's learning rate.
        saver: writes and finds the checkpoints.
        budget: where the run ends (--steps or --fit_to_time's end).
        record: config.json's content.
        init: what --init_from loaded (None without it).
        step: the step reached.
        writers: TensorBoard's train and held-out writers (chief only).
        viewer: a float32 generator outside the strategy for the samples
            (chief only).
        started: when training started (the time limit's origin), a
            `time.perf_counter()` reading; None before the first step.
    """

    model: keras.Model
    schedule: optimizers.LearningRate
    saver: distributed.CheckpointSaver
    budget: time_budget.TimeBudget
    record: dict
    init: dict | None
    step: int
    writers: tuple = (None, None)
    viewer: keras.Model | None = None
    started: float | None = None


def train(config, workdir, echo=print):
    """Trains (or resumes, or continues) a chairs generator; returns a
    `TrainResult`.

    Raises `UserError` for a workdir holding another run, a --steps below
    the step it reached, missing data, a bad --init_from or TF_CONFIG, or a
    loss that stopped being finite (naming the step; the checkpoints written
    before it are kept).
    """
    return train_checked(run_folder.check_run(config, workdir), echo)


@disk_space.stops_on_a_full_disk  # also when the lock cannot be written
@run_lock.holds_the_workdir
def train_checked(checked, echo=print):
    """`train` of a `gen.training.workdir.CheckedRun` (the settings and the
    folder already checked, as `experiments.train` does before TensorFlow
    loads)."""
    setup = set_up(checked, echo)
    state = build_and_restore(setup, checked.resume)
    if setup.chief:
        disk_space.check_room(setup.workdir, state.model, setup.log)
    record_settings(setup, state, checked.resume)
    open_outputs(setup, state)
    try:
        fitting.fit_phases(setup, state)
    finally:  # also when a signal stopped the run
        for writer in state.writers:
            if writer is not None:
                writer.flush()
    if not setup.chief:
        return TrainResult(step=state.step, workdir=setup.workdir, metrics={}, files={})
    return results.write_results(setup, state.model, state.step)


def set_up(checked, echo):
    """The workers, the data and what "auto" means here; logs them."""
    config, workdir = checked.config, checked.workdir
    strategy = distributed.make_strategy(config.strategy)
    chief = distributed.is_chief(strategy)
    distributed.barrier(strategy)  # every worker checked its folder
    # Lines wait in memory until the run is set up (the chief then writes
    # them to log.txt): a refused start leaves nothing behind.
    log = run_folder.Log(echo)
    data = chairs_data.load_chairs(
        config.dataset,
        data_dir=config.data_dir,
        resolution=config.resolution,
        num_chairs=config.num_chairs,
        chair_list=config.chair_list,
        category=config.category,
    )
    train_data = splits.select(data, holdout=config.holdout, subset="train")
    heldout = splits.select(data, holdout=config.holdout, subset="eval")
    policy, policy_reason = runtime.resolve_precision(config.precision)
    jit, jit_reason = runtime.resolve_jit(config.jit_compile)
    log(f"{'Resuming' if checked.resume else 'Starting'} run in {workdir}")
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
    return RunSetup(
        config=config,
        workdir=workdir,
        chief=chief,
        strategy=strategy,
        data=data,
        train_data=train_data,
        heldout=heldout,
        generator=generator_model.generator_config(config, data.num_classes),
        precision=policy,
        jit=jit,
        log=log,
    )


def build_and_restore(setup, resume):
    """The model and optimiser, from the last checkpoint or --init_from's
    weights; the schedule ends at --steps, or where --fit_to_time ended
    this --steps before."""
    config, log = setup.config, setup.log
    budget = time_budget.TimeBudget.of_run(config, resume.record if resume else None)
    schedule = generator_model.learning_rate(config, budget.horizon)
    keras.utils.set_random_seed(config.seed)
    with setup.strategy.scope():
        model, optimizer = generator_model.build_model_and_optimizer(
            config, setup.generator, setup.precision, setup.jit, schedule
        )
    if distributed.worker_count(setup.strategy) > 1:
        distributed.fix_keras_multi_worker(model)
    if setup.chief:  # a save cut short (a second Ctrl-C) left its folder
        left = disk_space.remove_temporaries(
            os.path.join(setup.workdir, run_folder.CHECKPOINT_DIR), unpublished=False
        )
        if left:
            log(f"removed what an interrupted checkpoint left: {', '.join(left)}")
    # The newest checkpoint that reads in full (damaged ones are named).
    latest = checkpoints.newest_readable(
        os.path.join(setup.workdir, run_folder.CHECKPOINT_DIR),
        log,
        rewrite_index=setup.chief,
    )
    saver = distributed.CheckpointSaver(
        tf.train.Checkpoint(model=model, optimizer=optimizer),
        os.path.join(setup.workdir, run_folder.CHECKPOINT_DIR),
        config.keep_checkpoints,
        setup.chief,
    )
    init = resume.record.get("init") if resume else None
    if latest:
        saver.checkpoint.restore(latest).assert_existing_objects_matched()
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
    budget.reached(step)
    return TrainState(
        model=model,
        schedule=schedule,
        saver=saver,
        budget=budget,
        record={},
        init=init,
        step=step,
    )


def record_settings(setup, state, resume):
    """Writes config.json (the settings, what "auto" became, what
    --init_from loaded, the history of settings changed on resuming) and
    attaches the log to log.txt (the chief)."""
    config, log, strategy = setup.config, setup.log, setup.strategy
    resolved = {
        "precision": setup.precision,
        "jit_compile": setup.jit,
        "num_classes": setup.data.num_classes,
        "train_images": len(setup.train_data.images),
        "heldout_images": len(setup.heldout.images),
        "replicas": strategy.num_replicas_in_sync,
        "workers": distributed.worker_count(strategy),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    if state.budget.record:
        resolved["fit_to_time"] = state.budget.record
    history = list(resume.record.get("history", [])) if resume else []
    if resume is not None:
        change = run_folder.history_entry(resume.stored, config, state.step)
        if change is not None:
            history.append(change)
    state.record = {"train": config.to_dict(), "resolved": resolved, "history": history}
    if state.init is not None:
        state.record["init"] = state.init
    if setup.chief:
        os.makedirs(setup.workdir, exist_ok=True)
        log.attach(os.path.join(setup.workdir, run_folder.LOG_FILE))
        fitting.write_record(setup, state)
    horizon = state.budget.horizon
    if resume and resume.stored.steps != config.steps:
        log(
            f"--steps {resume.stored.steps} -> {config.steps} at step "
            f"{state.step}: the learning-rate schedule now ends at step "
            f"{config.steps}"
        )
    elif state.budget.record and horizon < config.steps:
        log(
            f"--fit_to_time ended this run at step {horizon} (of --steps="
            f"{config.steps}) when it started; it still ends there"
        )


def open_outputs(setup, state):
    """The chief's TensorBoard writers and the generator that draws the
    samples (outside the strategy, float32)."""
    if not setup.chief:
        return
    state.writers = tuple(
        tf.summary.create_file_writer(
            os.path.join(setup.workdir, run_folder.TENSORBOARD_DIR, name)
        )
        for name in ("train", "heldout")
    )
    state.viewer = chairs_generator.build_generator(
        setup.generator, dtype="float32", name="viewer"
    )
