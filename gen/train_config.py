"""The configuration of a generator training run, validated up front.

Importing this module does not import TensorFlow, so that a command line
with a mistake fails in a fraction of a second with a message, before any
heavy start-up.
"""

import dataclasses
import json
import os

from gen.errors import UserError

DATASETS = ("synthetic_chairs", "rendered_chairs")
RESOLUTIONS = (32, 64, 128)
VARIANTS = ("2s-E", "2s-S", "1s-S", "1s-S-deep")
HOLDOUTS = ("views", "chairs", "none")
SCHEDULES = ("constant", "step", "cosine")
PRECISIONS = ("auto", "float32", "mixed_bfloat16")
JIT_CHOICES = ("auto", "true", "false")
STRATEGIES = ("default", "mirrored", "multi_worker")

# Fields that only say how a run is carried out, not what it computes: they
# may change when a run is resumed.
OPERATIONAL_FIELDS = ("checkpoint_every", "sample_every", "log_every",
                      "keep_checkpoints", "precision", "jit_compile",
                      "strategy", "data_dir", "max_train_minutes")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run of the chairs generator.

    Attributes:
        dataset: "synthetic_chairs" (built in, offline) or "rendered_chairs"
            (the user's copy of Aubry et al.'s renders).
        data_dir: TFDS data directory (None: TFDS' default).
        num_chairs: number of chair styles (synthetic: how many to render;
            rendered: the first N by folder name; None: the dataset's
            default, 100 synthetic styles or every rendered chair).
        chair_list: rendered_chairs only: a file listing the chairs to keep.
        resolution: 32, 64 or 128.
        variant: generator variant (see `gen.chairs`).
        width: channel multiplier of the convolutional maps.
        activation: "relu" or "leaky_relu".
        num_transform: size of the transformation input (8, or 0 for none).
        batch_size: images per step.
        steps: total optimisation steps.
        learning_rate: Adam's peak learning rate.
        schedule: "constant"; "step" (halved at 5/6 of the steps, like the
            CVPR schedule 2e-4 -> 1e-4 at 250k of 300k); "cosine" (decay to
            zero).
        warmup_steps: linear warm-up from zero.
        beta1, beta2, epsilon: Adam's parameters (TPAMI: 0.9, 0.999, 1e-6).
        augment: draw the paper's augmentations and feed them as theta.
        augment_ramp_steps: steps over which the augmentation strength ramps
            from 0 to 1 (None: a quarter of the steps).
        holdout: "views" (every 5th azimuth held out), "chairs" or "none".
        precision: "auto", "float32" or "mixed_bfloat16".
        jit_compile: "auto", "true" or "false".
        seed: seeds initialisation, data order and augmentation.
        checkpoint_every, sample_every, log_every: periods in steps.
        keep_checkpoints: how many checkpoints to keep.
        strategy: "default", "mirrored" or "multi_worker" (reads TF_CONFIG).
        max_train_minutes: stop training after this much wall time (a
            checkpoint is saved and the results written; running again
            continues towards `steps`). None: no limit.
    """

    dataset: str = "synthetic_chairs"
    data_dir: str = None
    num_chairs: int = None
    chair_list: str = None
    resolution: int = 64
    variant: str = "2s-E"
    width: float = 1.0
    activation: str = "relu"
    num_transform: int = 8
    batch_size: int = 64
    steps: int = 100_000
    learning_rate: float = 5e-4
    schedule: str = "constant"
    warmup_steps: int = 0
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-6
    augment: bool = False
    augment_ramp_steps: int = None
    holdout: str = "views"
    precision: str = "auto"
    jit_compile: str = "auto"
    seed: int = 0
    checkpoint_every: int = 1000
    sample_every: int = 1000
    log_every: int = 100
    keep_checkpoints: int = 3
    strategy: str = "default"
    max_train_minutes: float = None

    def __post_init__(self):
        _choice("--dataset", self.dataset, DATASETS)
        _choice("--resolution", self.resolution, RESOLUTIONS)
        _choice("--variant", self.variant, VARIANTS)
        _choice("--holdout", self.holdout, HOLDOUTS)
        _choice("--schedule", self.schedule, SCHEDULES)
        _choice("--precision", self.precision, PRECISIONS)
        _choice("--jit_compile", self.jit_compile, JIT_CHOICES)
        _choice("--strategy", self.strategy, STRATEGIES)
        _choice("--activation", self.activation, ("relu", "leaky_relu"))
        for name in ("batch_size", "steps", "checkpoint_every",
                     "sample_every", "log_every", "keep_checkpoints"):
            _positive_int(name, getattr(self, name))
        for name in ("warmup_steps", "num_transform", "seed"):
            _non_negative_int(name, getattr(self, name))
        if self.num_chairs is not None:
            _positive_int("num_chairs", self.num_chairs)
        if self.augment_ramp_steps is not None:
            _non_negative_int("augment_ramp_steps", self.augment_ramp_steps)
        for name in ("learning_rate", "width", "epsilon"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not value > 0:
                raise UserError(f"--{name} must be a positive number, got "
                                f"{value!r}.")
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise UserError(f"--{name} must be in [0, 1), got {value!r}.")
        if self.max_train_minutes is not None and not (
                isinstance(self.max_train_minutes, (int, float))
                and self.max_train_minutes > 0):
            raise UserError("--max_train_minutes must be a positive number, "
                            f"got {self.max_train_minutes!r}.")
        if self.warmup_steps >= self.steps:
            raise UserError(f"--warmup_steps ({self.warmup_steps}) must be "
                            f"smaller than --steps ({self.steps}).")
        if self.augment and self.num_transform not in (0, 8):
            raise UserError("--augment draws 8 transformation parameters; set "
                            "--num_transform to 8 (fed to the network) or 0 "
                            f"(not fed), got {self.num_transform}.")
        if self.data_dir is not None and not os.path.isdir(self.data_dir):
            raise UserError(
                f"--data_dir {self.data_dir!r} does not exist or is not a "
                "folder. Create it (datasets are built into it on first use) "
                "or leave the flag out to use TFDS' default "
                "~/tensorflow_datasets.")
        if self.chair_list is not None:
            if self.dataset != "rendered_chairs":
                raise UserError("--chair_list selects chairs of "
                                "rendered_chairs; it cannot be used with "
                                f"--dataset={self.dataset}.")
            if not os.path.isfile(self.chair_list):
                raise UserError(f"--chair_list {self.chair_list!r} is not a "
                                "file.")

    @property
    def ramp_steps(self):
        if not self.augment:
            return 0
        if self.augment_ramp_steps is None:
            return self.steps // 4
        return self.augment_ramp_steps

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UserError(f"Unknown training settings {unknown}; known: "
                            f"{sorted(known)}.")
        return cls(**values)

    def differences(self, other):
        """Names of the fields (not operational) where `other` differs."""
        return [f.name for f in dataclasses.fields(self)
                if f.name not in OPERATIONAL_FIELDS
                and getattr(self, f.name) != getattr(other, f.name)]


def load_json(path):
    with open(path) as f:
        return json.load(f)


def _choice(flag, value, choices):
    if value not in choices:
        shown = ", ".join(str(c) for c in choices)
        raise UserError(f"{flag} must be one of {shown}; got {value!r}.")


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UserError(f"--{name} must be a positive integer, got {value!r}.")


def _non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UserError(f"--{name} must be a non-negative integer, got "
                        f"{value!r}.")
