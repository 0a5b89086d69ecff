"""A run's folder: the names of its files, the check that a folder holds this
run (or nothing), and the log that copies every progress line into it.

Imports no TensorFlow, so scripts that open runs read these names at once.
"""

import os

from gen.errors import UserError
from gen.training import train_config

CONFIG_FILE = "config.json"
LOG_FILE = "log.txt"
CHECKPOINT_DIR = "checkpoints"
GENERATOR_FILE = "generator.keras"
METRICS_FILE = "metrics.json"
SAMPLES_DIR = "samples"
TENSORBOARD_DIR = "tensorboard"


def check_workdir(config, workdir):
    """Refuses a workdir that holds something other than this run.

    Returns:
        Whether the folder already holds this run (to be resumed).
    """
    path = os.path.join(workdir, CONFIG_FILE)
    if os.path.exists(path):
        try:
            stored = train_config.TrainConfig.from_dict(
                train_config.load_json(path)["train"])
        except (ValueError, KeyError, TypeError) as e:
            raise UserError(f"{path} is not a readable run configuration "
                            f"({e}); use a new --workdir.") from e
        changed = stored.differences(config)
        if changed:
            details = ", ".join(
                f"{name}={getattr(stored, name)!r} there but "
                f"{getattr(config, name)!r} here" for name in changed)
            raise UserError(
                f"--workdir {workdir} holds a run with different settings "
                f"({details}). Nothing was changed. Repeat that run's flags "
                "to resume it, or choose a new --workdir.")
        return True
    if os.path.isdir(workdir) and os.listdir(workdir):
        raise UserError(
            f"--workdir {workdir} is not empty and holds no {CONFIG_FILE}, so "
            "it is not a training run. Nothing was written; choose a new or "
            "empty folder.")
    return False


class Log:
    """Prints progress and keeps a copy in the workdir's log.txt."""

    def __init__(self, path, echo):
        self.path, self.echo = path, echo

    def __call__(self, line):
        self.echo(line)
        if self.path:
            with open(self.path, "a") as f:
                f.write(line + "\n")
