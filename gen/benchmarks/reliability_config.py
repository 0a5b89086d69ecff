"""The settings of `experiments.bench_reliability`, checked without
TensorFlow."""

import dataclasses

from gen import settings
from gen.errors import UserError
from gen.settings import setting

FAULTS = ("sigkill", "sigint", "sigterm", "second_trainer", "damaged", "full_disk")


@dataclasses.dataclass(frozen=True)
class ReliabilityBenchConfig:
    """Each way a training run can end badly, on a small run."""

    faults: tuple[str, ...] = setting(
        FAULTS,
        "Faults to try, in order: sigkill, sigint, sigterm (the signal sent "
        "mid-run, then the same command again), second_trainer (the same "
        "command started again on the live run), damaged (the last "
        "checkpoint's data file truncated before a rerun), full_disk (the "
        "run's folder on a small tmpfs that fills at its second checkpoint; "
        "needs root to mount).",
    )
    out: str | None = setting(
        None,
        "Folder for the runs and their data (made if missing; default: a new "
        "temporary folder, removed at the end).",
    )
    steps: int = setting(16, "Steps of each run.")
    checkpoint_every: int = setting(4, "Checkpoint period of each run.")
    fault_step: int = setting(
        6, "The step after which a signal or a second trainer comes."
    )
    timeout: int = setting(600, "Seconds a run may take before it counts as hung.")

    def __post_init__(self):
        settings.check_positive_ints(
            self, "steps", "checkpoint_every", "fault_step", "timeout"
        )
        unknown = [f for f in self.faults if f not in FAULTS]
        if unknown or not self.faults:
            raise UserError(
                f"--faults must be a comma-separated list of {', '.join(FAULTS)}; "
                f"got {','.join(self.faults) or 'nothing'}."
            )
        if not self.checkpoint_every < self.fault_step < self.steps:
            raise UserError(
                f"--fault_step={self.fault_step} must lie after the first "
                f"checkpoint (--checkpoint_every={self.checkpoint_every}) and "
                f"before --steps={self.steps}."
            )
        settings.check_folder_path(self.out, "out", "the runs are written to")
