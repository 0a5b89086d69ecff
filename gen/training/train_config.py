"""The configuration of a generator training run, validated up front.

Importing this module does not import TensorFlow, so that a command line
with a mistake fails in a fraction of a second with a message, before any
heavy start-up.
"""

import dataclasses
import json
import os

from gen import choices, settings
from gen.data import dataset_registry
from gen.errors import UserError
from gen.settings import setting

SCHEDULES = ("constant", "step", "cosine", "piecewise")
PRECISIONS = ("auto", "float32", "mixed_bfloat16")
JIT_CHOICES = ("auto", "true", "false")
STRATEGIES = ("default", "mirrored", "multi_worker")

# Fields that only say how a run is carried out, not what it computes: they
# may change when a run is resumed.
OPERATIONAL_FIELDS = (
    "checkpoint_every",
    "sample_every",
    "log_every",
    "keep_checkpoints",
    "precision",
    "jit_compile",
    "strategy",
    "data_dir",
    "max_train_minutes",
    "fit_to_time",
)
# Fields a resumed run may change, recorded in its config.json history:
# --steps continues a run (never below the step it reached); --init_from
# only matters when a run starts.
CONTINUABLE_FIELDS = ("steps", "init_from")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run of the chairs generator.

    Each field is a `gen.settings.setting` with its help text and allowed
    values (`python -m experiments.train --helpfull` shows them); the
    checks below refuse a bad value with a one-paragraph `UserError`.
    """

    dataset: str = setting(
        "synthetic_chairs",
        "The chairs data: synthetic_chairs (built in, "
        "rendered offline), rendered_chairs (your copy of Aubry et al.'s "
        "renders) or mesh_renders (your CAD models, rendered here; "
        "--category).",
        choices=choices.DATASETS,
    )
    data_dir: str | None = setting(
        None,
        "TFDS data directory (default ~/tensorflow_datasets); datasets "
        "are built into it on first use.",
    )
    num_chairs: int | None = setting(
        None,
        "Chair styles: synthetic, how many to render (default 100); "
        "rendered, the first N by folder name (default all).",
    )
    chair_list: str | None = setting(
        None, "rendered_chairs only: a file listing the chairs to keep."
    )
    category: str | None = setting(
        None,
        "mesh_renders only: which models: chairs (the default), tables, "
        "sofas (by their names), all, or folder (your OBJ files).",
        choices=choices.MESH_CATEGORIES,
    )
    resolution: int = setting(64, "Image size in pixels.", choices=choices.RESOLUTIONS)
    variant: str = setting(
        "2s-E",
        "Generator variant (TPAMI): two streams "
        "with a Euclidean or softmax mask loss, one stream, "
        "one stream with extra convolutions.",
        choices=choices.VARIANTS,
    )
    width: float = setting(
        1.0,
        "Channel multiplier of the convolutional "
        "maps (the FC layers keep the paper's sizes).",
    )
    activation: str = setting(
        "relu",
        "Activation after every hidden layer (leaky_relu: slope 0.1).",
        choices=choices.ACTIVATIONS,
    )
    num_transform: int = setting(8, "Transformation inputs theta (8, or 0 for none).")
    mask_loss_weight: float | None = setting(
        None,
        "Weight of the mask loss against the RGB loss (default: the "
        "authors', 100 for the softmax mask of the -S variants, 0.1 for the "
        "squared error of 2s-E). Larger values draw thin parts more often.",
    )
    batch_size: int = setting(64, "Images per step.")
    steps: int = setting(100_000, "Optimisation steps in all.")
    learning_rate: float = setting(5e-4, "Adam's peak learning rate.")
    schedule: str = setting(
        "constant",
        "Learning-rate schedule: constant; step (halved at 5/6 "
        "of the steps, like the CVPR schedule); cosine (decay to zero); "
        "piecewise (--lr_boundaries, --lr_factors).",
        choices=SCHEDULES,
    )
    lr_boundaries: tuple[float, ...] = setting(
        (),
        "piecewise: where the learning rate drops, as fractions of "
        "--steps, increasing (the authors' 128x128 stage 3: 0.4,0.6).",
    )
    lr_factors: tuple[float, ...] = setting(
        (),
        "piecewise: the learning rate after each boundary, as a factor "
        "of --learning_rate (the authors' stage 3: 0.2,0.04).",
    )
    warmup_steps: int = setting(0, "Linear warm-up steps from zero.")
    beta1: float = setting(0.9, "Adam beta1.")
    beta2: float = setting(0.999, "Adam beta2.")
    epsilon: float = setting(1e-6, "Adam epsilon (TPAMI: 1e-6).")
    weight_decay: float = setting(
        0.0,
        "Decoupled weight decay (AdamW): before each Adam step every "
        "weight shrinks by learning rate x this (0: none, as in the papers).",
    )
    augment: bool = setting(
        False, "The paper's augmentation, fed to the network as theta."
    )
    augment_ramp_steps: int | None = setting(
        None,
        "Steps over which the augmentation strength ramps from 0 to 1 "
        "(default: a quarter of the run's steps, --steps or where "
        "--fit_to_time ends it).",
    )
    holdout: str = setting(
        "views",
        "What is held out for evaluation: views (every 5th azimuth "
        "of every chair: no transfer); target_views (every 5th azimuth of the "
        "target chairs 0, 10, 20, ..., the others keep all views: the "
        "papers' protocol, with transfer); chairs (every 10th chair); none.",
        choices=choices.HOLDOUTS,
    )
    precision: str = setting(
        "auto",
        "Compute precision; auto picks mixed_bfloat16 where the "
        "hardware runs bfloat16 fast.",
        choices=PRECISIONS,
    )
    jit_compile: str = setting(
        "auto",
        "XLA compilation of the training step; auto: on a GPU only.",
        choices=JIT_CHOICES,
    )
    seed: int = setting(0, "Seeds initialisation, data order and augmentation.")
    checkpoint_every: int = setting(1000, "Steps between checkpoints.")
    sample_every: int = setting(1000, "Steps between held-out sample grids and scores.")
    log_every: int = setting(100, "Steps between progress lines.")
    keep_checkpoints: int = setting(3, "Checkpoints kept.")
    strategy: str = setting(
        "default",
        "Distribution: default (one device), mirrored (the GPUs "
        "of this machine) or multi_worker (the cluster in TF_CONFIG).",
        choices=STRATEGIES,
    )
    max_train_minutes: float | None = setting(
        None,
        "Stop after this much training wall time (checkpoint, results; "
        "run again to continue).",
    )
    fit_to_time: bool = setting(
        False,
        "With --max_train_minutes: time the first steps and, when "
        "--steps would not fit in the minutes, end the run at the step that "
        "fits, with the learning-rate schedule (and the augmentation ramp) "
        "ending there too, so that it still decays fully. Timed again as "
        "the run goes on: when the pace drifts so that 5% of the steps "
        "would be cut, or 5% more would fit, the end is fitted again. Kept "
        "in config.json, so a resumed run ends at the same step; one worker "
        "only.",
    )
    init_from: str | None = setting(
        None,
        "Start a new run from another generator's weights: a run's "
        "workdir or a .keras generator. Every layer with the same name and "
        "weight shapes is loaded; the others start fresh.",
    )
    train_only_new_steps: int = setting(
        0,
        "With --init_from: for this many first steps train only the "
        "layers that started fresh (the authors' 128x128 stage 2).",
    )

    def __post_init__(self):
        for name in ("lr_boundaries", "lr_factors"):  # lists from JSON
            object.__setattr__(self, name, tuple(getattr(self, name)))
        settings.check_choices(self)
        settings.check_positive_ints(
            self,
            "batch_size",
            "steps",
            "checkpoint_every",
            "sample_every",
            "log_every",
            "keep_checkpoints",
            "num_chairs",
        )
        settings.check_non_negative_ints(
            self,
            "warmup_steps",
            "num_transform",
            "seed",
            "augment_ramp_steps",
            "train_only_new_steps",
        )
        settings.check_positive_numbers(
            self,
            "learning_rate",
            "width",
            "epsilon",
            "max_train_minutes",
            "mask_loss_weight",
        )
        if (
            isinstance(self.weight_decay, bool)
            or not isinstance(self.weight_decay, (int, float))
            or not 0 <= self.weight_decay < 1 / self.learning_rate
        ):
            raise UserError(
                "--weight_decay shrinks every weight by learning rate x "
                "weight decay each step, so it must be at least 0 and below "
                f"1/--learning_rate ({1 / self.learning_rate:g}), got "
                f"{self.weight_decay!r}; 0 turns it off."
            )
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise UserError(f"--{name} must be in [0, 1), got {value!r}.")
        if self.warmup_steps >= self.steps:
            raise UserError(
                f"--warmup_steps ({self.warmup_steps}) must be "
                f"smaller than --steps ({self.steps})."
            )
        if (
            self.holdout == "target_views"
            and self.num_chairs is not None
            and self.num_chairs < 2
        ):
            raise UserError(
                "--holdout=target_views holds views of the target chairs "
                "(ids 0, 10, 20, ...) out while the other chairs keep theirs; "
                f"with --num_chairs={self.num_chairs} no chair keeps its "
                "views. Use --num_chairs=2 or more (at least 21 for 3 target "
                "chairs)."
            )
        if self.augment and self.num_transform not in (0, 8):
            raise UserError(
                "--augment draws 8 transformation parameters; set "
                "--num_transform to 8 (fed to the network) or 0 "
                f"(not fed), got {self.num_transform}."
            )
        # The settings only some datasets take (gen.data.dataset_registry).
        takes = [
            name
            for name in dataset_registry.lookup(self.dataset).takes
            if name in ("num_chairs", "chair_list", "category")
        ]
        for name in ("category", "chair_list"):
            if getattr(self, name) is not None and name not in takes:
                raise UserError(
                    f"--{name} does not apply to --dataset={self.dataset}, "
                    f"which takes {', '.join('--' + t for t in takes)}: leave "
                    f"--{name} out or pick the dataset it selects from."
                )
        self._check_schedule()
        if self.fit_to_time and self.max_train_minutes is None:
            raise UserError(
                "--fit_to_time fits the run to --max_train_minutes, which "
                "is not set; give --max_train_minutes=N or leave "
                "--fit_to_time out."
            )
        if self.fit_to_time and self.strategy == "multi_worker":
            raise UserError(
                "--fit_to_time times the steps of one worker, and workers "
                "would each choose their own end; with "
                "--strategy=multi_worker give the run's length as --steps "
                "(and --max_train_minutes to stop it) instead, and "
                "--nofit_to_time after a flagfile that sets it (the "
                "demo's does)."
            )
        if self.train_only_new_steps:
            if self.init_from is None:
                raise UserError(
                    "--train_only_new_steps trains only the layers that did "
                    "not come from --init_from; give --init_from (a run's "
                    "workdir or a .keras generator)."
                )
            if self.train_only_new_steps > self.steps:
                raise UserError(
                    f"--train_only_new_steps ({self.train_only_new_steps}) "
                    f"is more than --steps ({self.steps})."
                )

    def _check_schedule(self):
        boundaries, factors = self.lr_boundaries, self.lr_factors
        if self.schedule != "piecewise":
            if boundaries or factors:
                raise UserError(
                    "--lr_boundaries and --lr_factors belong to "
                    "--schedule=piecewise; got --schedule="
                    f"{self.schedule}."
                )
            return
        if not boundaries or len(boundaries) != len(factors):
            raise UserError(
                "--schedule=piecewise needs --lr_boundaries and --lr_factors "
                "of the same length (e.g. 0.4,0.6 and 0.2,0.04), got "
                f"{list(boundaries)} and {list(factors)}."
            )
        if any(not 0 < b < 1 for b in boundaries) or list(boundaries) != sorted(
            set(boundaries)
        ):
            raise UserError(
                "--lr_boundaries must be increasing fractions of --steps "
                f"between 0 and 1, got {list(boundaries)}."
            )
        if any(not f > 0 for f in factors):
            raise UserError(f"--lr_factors must be positive, got {list(factors)}.")

    def check_paths(self):
        """UserError unless the paths a run reads exist (checked when a run
        starts or resumes, not when one is opened to explore it)."""
        if self.data_dir is not None and not os.path.isdir(
            os.path.expanduser(self.data_dir)
        ):
            raise UserError(
                f"--data_dir {self.data_dir!r} does not exist or is not a "
                "folder. Create it (datasets are built into it on first use) "
                "or leave the flag out to use TFDS' default "
                "~/tensorflow_datasets."
            )
        if self.chair_list is not None and not os.path.isfile(
            os.path.expanduser(self.chair_list)
        ):
            raise UserError(f"--chair_list {self.chair_list!r} is not a file.")
        if self.init_from is not None and not os.path.exists(
            os.path.expanduser(self.init_from)
        ):
            raise UserError(
                f"--init_from {self.init_from!r} does not exist: "
                "name a training run's workdir or a .keras "
                "generator."
            )

    def with_absolute_paths(self):
        """The config with its paths made absolute, so that a run's
        config.json means the same from any working directory."""
        return dataclasses.replace(
            self,
            **{
                name: os.path.abspath(os.path.expanduser(getattr(self, name)))
                for name in ("data_dir", "chair_list", "init_from")
                if getattr(self, name) is not None
            },
        )

    def ramp_steps(self, horizon):
        """Steps of the augmentation ramp in a run that ends at `horizon`
        (--steps, or the step --fit_to_time chose)."""
        if not self.augment:
            return 0
        if self.augment_ramp_steps is None:
            return horizon // 4
        return self.augment_ramp_steps

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UserError(
                f"Unknown training settings {unknown}; known: {sorted(known)}."
            )
        return cls(**values)

    def differences(self, other, ignore=OPERATIONAL_FIELDS + CONTINUABLE_FIELDS):
        """Names of the fields where `other` differs, but those in
        `ignore` (by default: those a resumed run may change)."""
        return [
            f.name
            for f in dataclasses.fields(self)
            if f.name not in ignore and getattr(self, f.name) != getattr(other, f.name)
        ]


def load_json(path):
    with open(path) as f:
        return json.load(f)
