"""A run's folder: the names of its files, the check that a folder holds this
run (or nothing) and how far it got, the history of its changed settings,
and the log that copies every progress line into it.

Imports no TensorFlow, so scripts that open runs read these names at once.
"""

import dataclasses
import datetime
import os
import re

from gen.errors import UserError
from gen.training import cluster, run_lock, train_config

CONFIG_FILE = "config.json"
LOG_FILE = "log.txt"
CHECKPOINT_DIR = "checkpoints"
GENERATOR_FILE = "generator.keras"
METRICS_FILE = "metrics.json"
SAMPLES_DIR = "samples"
TENSORBOARD_DIR = "tensorboard"
_LATEST = re.compile(r'^model_checkpoint_path: "ckpt-(\d+)"', re.M)


@dataclasses.dataclass(frozen=True)
class Resume:
    """What a run folder already holds.

    Attributes:
        record: the stored config.json (settings, resolved choices, the
            layers --init_from loaded, the history of changed settings).
        stored: its settings as a `TrainConfig`.
        step: the step of its last checkpoint (0 if none yet).
    """

    record: dict
    stored: train_config.TrainConfig
    step: int


def latest_checkpoint_step(workdir):
    """The step of the run's last checkpoint, read from the checkpoint
    index without TensorFlow; 0 when there is none."""
    path = os.path.join(workdir, CHECKPOINT_DIR, "checkpoint")
    try:
        with open(path) as f:
            match = _LATEST.search(f.read())
    except OSError:
        return 0
    return int(match.group(1)) if match else 0


def check_workdir(config, workdir):
    """Refuses a workdir that holds something other than this run, or a
    --steps below the step the run reached.

    Returns:
        None for a new run; a `Resume` for a folder holding this run.
    """
    # A folder another run trains in is refused first, saying so.
    run_id, _ = run_lock.this_process(config.strategy)
    run_lock.check_free(workdir, run_id, latest_checkpoint_step(workdir))
    path = os.path.join(workdir, CONFIG_FILE)
    if os.path.exists(path):
        try:
            record = train_config.load_json(path)
            stored = train_config.TrainConfig.from_dict(record["train"])
        except (ValueError, KeyError, TypeError) as e:
            raise UserError(
                f"{path} is not a readable run configuration "
                f"({e}); use a new --workdir."
            ) from e
        changed = stored.differences(config)
        if changed:
            details = ", ".join(
                f"{name}={getattr(stored, name)!r} there but "
                f"{getattr(config, name)!r} here"
                for name in changed
            )
            raise UserError(
                f"--workdir {workdir} holds a run with different settings "
                f"({details}). Nothing was changed. Repeat that run's flags "
                "to resume it (only --steps may go up, to continue it), or "
                "choose a new --workdir."
            )
        step = latest_checkpoint_step(workdir)
        if config.steps < step:
            raise UserError(
                f"--steps={config.steps} is below step {step}, which the run "
                f"in {workdir} has already reached. Nothing was changed. Give "
                f"--steps={step} or more to continue it, or train a new run "
                f"from it with --init_from={workdir}."
            )
        return Resume(record=record, stored=stored, step=step)
    if os.path.isdir(workdir) and [
        name for name in os.listdir(workdir) if not name.startswith(run_lock.LOCK_FILE)
    ]:
        raise UserError(
            f"--workdir {workdir} is not empty and holds no {CONFIG_FILE}, so "
            "it is not a training run. Nothing was written; choose a new or "
            "empty folder."
        )
    return None


@dataclasses.dataclass(frozen=True)
class CheckedRun:
    """A run that passed every check made before TensorFlow loads.

    Attributes:
        config: its settings, paths absolute.
        workdir: its folder, absolute.
        resume: what the folder already holds (None for a new run).
    """

    config: train_config.TrainConfig
    workdir: str
    resume: Resume | None


def check_run(config, workdir):
    """Every check of a run's settings, paths, folder and cluster that needs
    no TensorFlow (`experiments.train` makes them before it loads); returns
    a `CheckedRun`. Raises `UserError`."""
    workdir = os.path.abspath(os.path.expanduser(workdir))
    config = config.with_absolute_paths()
    config.check_paths()
    resume = check_workdir(config, workdir)
    if config.strategy == "multi_worker":
        cluster.from_tf_config()
    return CheckedRun(config=config, workdir=workdir, resume=resume)


def history_entry(stored, config, step):
    """The settings changed since `stored` (a `TrainConfig`), as a
    config.json history entry at `step`; None when nothing changed."""
    changed = stored.differences(config, ignore=())
    if not changed:
        return None
    return {
        "step": step,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "changed": {
            name: [getattr(stored, name), getattr(config, name)] for name in changed
        },
    }


def stop_entry(step, signal_name):
    """The config.json history entry of a run stopped by `signal_name`
    ("SIGINT", "SIGTERM") at `step`, which it saved."""
    return {
        "step": step,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "stopped": signal_name,
    }


class Log:
    """Prints progress lines and keeps them in the run's log.txt.

    Lines printed before `attach` (while a run is set up, when nothing may
    be written yet) are kept and written when the log is attached to its
    file, so that a refused start leaves no file behind.
    """

    def __init__(self, echo):
        self.echo = echo
        self.path = None
        self._pending = []

    def attach(self, path):
        """From now on, append every line to `path` (the lines so far
        first)."""
        self.path = path
        self._write(self._pending)
        self._pending = []

    def __call__(self, line):
        self.echo(line)
        if self.path:
            self._write([line])
        else:
            self._pending.append(line)

    def _write(self, lines):
        if lines:
            with open(self.path, "a") as f:
                f.writelines(line + "\n" for line in lines)
