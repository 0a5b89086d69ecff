"""Fitting a run's steps with Keras `fit`, phase by phase
(--train_only_new_steps), with the callbacks of `gen.training.callbacks`,
until the run's end or its time limit; --fit_to_time's clock
(`gen.training.time_budget`) may end a fit early to move the run's end.

The functions take the run's `gen.training.trainer.RunSetup` (`setup`) and
its `TrainState` (`state`), whose `step` they advance.
"""

import os
import time

import numpy as np

from gen.data import input_pipeline
from gen.errors import UserError
from gen.pictures import atomic_files
from gen.training import (
    callbacks,
    disk_space,
    distributed,
    generator_model,
    results,
    samples,
    stop_signals,
)
from gen.training import workdir as run_folder


def fit_phases(setup, state):
    """Fits the remaining steps, phase by phase, until the run's end or its
    time limit (`fit_once` each). SIGINT and SIGTERM stop it after the step
    in progress: that step is saved and `stop_signals.RunStopped` raised."""
    if state.step >= state.budget.horizon:
        setup.log(f"the run already reached step {state.step}; writing its results")
    with stop_signals.catching() as request:
        while True:
            # The phases are looked at again after every `fit`:
            # --fit_to_time may have moved the end.
            pending = [
                (end, frozen)
                for end, frozen in phases(
                    setup.config, state.init, state.step, state.budget.horizon
                )
                if state.step < end
            ]
            if not pending or fit_once(setup, state, *pending[0], request):
                break
        if request.received:  # after the last step: it is saved
            stop_on_signal(setup, state, request.signal_name, own=True)


def phases(config, init, step, horizon):
    """[(end step, names of the layers frozen until then)] of a run that
    ends at `horizon`: with --train_only_new_steps, first the layers
    --init_from loaded stay as they are, then everything trains."""
    found = []
    if init is not None and config.train_only_new_steps > step:
        found.append((min(config.train_only_new_steps, horizon), tuple(init["loaded"])))
    found.append((horizon, ()))
    return found


def set_frozen(setup, model, frozen):
    """Makes exactly the `frozen` layers untrainable; recompiles when that
    changes what trains (the optimiser keeps its state)."""
    changed = False
    for layer in model.layers:
        trainable = layer.name not in frozen
        if layer.weights and layer.trainable != trainable:
            layer.trainable = trainable
            changed = True
    if changed:
        with setup.strategy.scope():
            generator_model.compile_generator(
                model,
                model.optimizer,
                setup.generator,
                setup.jit,
                setup.config.mask_loss_weight,
            )


def _drop_transform(inputs, targets):
    inputs = dict(inputs)
    inputs.pop("transform", None)
    return inputs, targets


def training_batches(setup, state):
    """The distributed batches of the steps after `state.step`."""
    config, step = setup.config, state.step
    ramp_steps = config.ramp_steps(state.budget.horizon)

    def make_dataset(shard, shards, per_replica_batch):
        dataset = input_pipeline.training_batches(
            setup.train_data,
            batch_size=config.batch_size,
            seed=config.seed,
            start_step=step,
            augment=config.augment,
            ramp_steps=ramp_steps,
            shard=shard,
            shards=shards,
            per_replica_batch=per_replica_batch,
        )
        if config.num_transform == 0:
            dataset = dataset.map(_drop_transform)
        return dataset

    return distributed.worker_batches(setup.strategy, make_dataset, config.batch_size)


def fit_once(setup, state, end, frozen, request=None):
    """Trains from `state.step` to `end` (or the time limit) with the
    layers in `frozen` fixed, and returns whether the run is over here (its
    time limit stopped it). A checkpoint of the step reached is saved,
    unless the fit stopped to fit the run's end to its time again (training
    goes on). A signal in `request` (a `stop_signals.StopRequest`, on any
    worker) ends it after the step in progress (`stop_on_signal`)."""
    # A new end's cost is counted from here: what fit needs before its
    # first step (the recompile, the dataset, the callbacks) is paid again.
    entered = time.perf_counter()
    config, model, log, step = setup.config, state.model, setup.log, state.step
    set_frozen(setup, model, frozen)
    dataset = training_batches(setup, state)
    if state.started is None:
        state.started = time.perf_counter()
    guard = callbacks.NanGuard(step)
    several = distributed.worker_count(setup.strategy) > 1
    limit = callbacks.TimeLimit(
        config.max_train_minutes,
        state.started,
        agree=(lambda over: distributed.any_worker(setup.strategy, over))
        if several
        else None,
    )
    monitor = callbacks.Monitor(
        log,
        state.writers[0],
        step,
        state.budget.horizon,
        config.log_every,
        config.batch_size,
        guard,
    )
    stop = stop_signals.StopOnSignal(
        request or stop_signals.StopRequest(), setup.strategy if several else None
    )
    fit_callbacks = [
        guard,
        limit,
        stop,
        callbacks.Checkpointer(state.saver, step, config.checkpoint_every, guard),
        monitor,
        *disk_space.watch(setup.workdir, step, config.log_every),
    ]
    if state.viewer is not None:
        fit_callbacks.append(_sampler(setup, state, guard))
    clock = state.budget.clock(step, state.started, entered)
    if clock is not None:
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
        kept = state.saver.latest
        raise UserError(
            f"The loss stopped being finite at step {guard.bad_step}; "
            "training stopped there and nothing after the last good "
            f"checkpoint was saved (kept: "
            f"{os.path.basename(kept) if kept else 'none'}). Lower "
            "--learning_rate or add --warmup_steps, and resume or start a "
            "new run."
        )
    state.step = int(model.optimizer.iterations.numpy())
    if stop.stopped:
        stop_on_signal(
            setup, state, stop.signal_name, own=bool(request and request.received)
        )
    if clock is not None and clock.seconds_per_step and not limit.stopped:
        fit_end_to_time(setup, state, clock)
        return False
    seconds = monitor.step_time()
    if seconds:
        log(
            f"trained steps {step + 1}..{state.step}: {seconds:.3f} s/step, "
            f"{config.batch_size / seconds:.1f} img/s (after this fit's first "
            "step, which pays for starting it)"
        )
    if limit.stopped:
        log(
            f"stopped at step {state.step} after --max_train_minutes="
            f"{config.max_train_minutes}; run again to continue to step "
            f"{state.budget.horizon}"
        )
    save_checkpoint(state)
    return limit.stopped


def _sampler(setup, state, guard):
    """The chief's held-out grids and scores every --sample_every steps."""
    heldout = setup.heldout
    return callbacks.Sampler(
        setup.log,
        state.writers[1],
        os.path.join(setup.workdir, run_folder.SAMPLES_DIR),
        state.step,
        setup.config.sample_every,
        samples.sample_set(heldout),
        heldout.rows(np.arange(min(len(heldout.images), results.HELDOUT_EVAL_LIMIT))),
        guard,
        state.viewer,
    )


def fit_end_to_time(setup, state, clock):
    """--fit_to_time: ends the run (and its schedule) at the step that fits
    in the time left, at the pace `clock` measured, and records it in
    config.json."""
    before = state.budget.horizon
    setup.log(state.budget.fit_end(clock, state.step, state.started))
    if state.budget.horizon != before:
        # The traced step reads the schedule's horizon from a variable: the
        # next fit goes on with the same step, not a new trace of it.
        state.schedule.total_steps = state.budget.horizon
    state.record["resolved"]["fit_to_time"] = state.budget.record
    if setup.chief:
        write_record(setup, state)


def stop_on_signal(setup, state, signal_name, own):
    """Saves the step reached, records in config.json's history that the
    run stopped there, says so and how to go on, and raises
    `stop_signals.RunStopped`. `own`: this process got the signal (not only
    another worker)."""
    save_checkpoint(state)
    state.record["history"].append(run_folder.stop_entry(state.step, signal_name))
    if setup.chief:
        write_record(setup, state)
    saved = os.path.join(setup.workdir, run_folder.CHECKPOINT_DIR, f"ckpt-{state.step}")
    if distributed.worker_count(setup.strategy) == 1:
        setup.log(
            f"{signal_name}: stopped at step {state.step} and saved it "
            f"({saved}); run the same command again to continue from there"
        )
    else:
        who = signal_name if own else f"another worker got {signal_name}"
        setup.log(
            f"{who}: every worker stopped at step {state.step}, saved "
            f"({saved}); start every worker again with the same command to "
            "continue from there"
        )
    raise stop_signals.RunStopped(signal_name, state.step)


def save_checkpoint(state):
    """Saves the step reached, unless its checkpoint is the last one."""
    saver = state.saver
    if saver.latest != os.path.join(saver.manager.directory, f"ckpt-{state.step}"):
        with distributed.peers_alive():
            saver.save(state.step)


def write_record(setup, state):
    """Writes `state.record` to the run's config.json."""
    atomic_files.write_json(
        os.path.join(setup.workdir, run_folder.CONFIG_FILE), state.record
    )
