"""The settings of the scripts that explore a trained generator
(`experiments.render`, `interpolate`, `arithmetic`, `sample`, `units`,
`evaluate`), checked without TensorFlow.

Every script's config inherits `RunChoice` (which run, where to write);
those that show or score real images also inherit `RealImages`. The checks
that need only the values run when a config is made, so a mistyped flag is
refused before TensorFlow loads; the checks against the run (chair ids,
layer names) are `gen.explore.commands`'.
"""

import dataclasses
import os

from gen import choices, settings
from gen.data import chair_views
from gen.errors import UserError
from gen.settings import setting

_AZIMUTHS = "Views, azimuths in degrees."


def _check_within(values, flag, minimum, maximum):
    if not values:
        raise UserError(f"--{flag} needs at least one value.")
    for value in values:
        if not minimum <= value <= maximum:
            raise UserError(
                f"--{flag} values must be in [{minimum}, {maximum}], got {value}."
            )


def _check_at_least(config, minimum, *names):
    for name in names:
        value = getattr(config, name)
        if value is None or value < minimum:
            raise UserError(f"--{name} must be at least {minimum}, got {value}.")


def _check_elevation(value, flag="elevation"):
    if not -90 <= value <= 90:
        raise UserError(f"--{flag} must be in [-90, 90] degrees, got {value}.")


def _check_azimuth(value, flag="azimuth"):
    if not -360 <= value <= 360:
        raise UserError(f"--{flag} must be in [-360, 360] degrees, got {value}.")


def _check_pair(values, flag):
    if len(values) != 2:
        text = ",".join(f"{v:g}" for v in values)
        raise UserError(f"--{flag} must be two numbers start,stop, got {text!r}.")


@dataclasses.dataclass(frozen=True)
class RunChoice:
    """Which trained generator, and where to write."""

    workdir: str | None = setting(
        None, "Folder of a finished training run (experiments.train)."
    )
    generator: str | None = setting(
        None, "A saved generator (.keras), instead of --workdir."
    )
    out: str | None = setting(
        None,
        "Output folder (default: a subfolder of the run, or next to the "
        "--generator file).",
    )

    def __post_init__(self):
        if self.workdir and os.path.isfile(self.workdir):
            hint = (
                f" For a saved generator use --generator={self.workdir}."
                if self.workdir.endswith(".keras")
                else ""
            )
            raise UserError(
                f"--workdir={self.workdir} is a file; --workdir names the folder "
                f"of a training run (experiments.train).{hint}"
            )
        settings.check_folder_path(self.out, "out", "the pictures are written into")
        settings.check_choices(self)


@dataclasses.dataclass(frozen=True)
class RealImages:
    """The real images of a bare --generator file (a run knows its own)."""

    dataset: str | None = setting(
        None,
        "With --generator: the dataset it was trained on (default synthetic_chairs).",
        choices=choices.DATASETS,
    )
    data_dir: str | None = setting(
        None, "TFDS data directory of the chairs data (a run's own by default)."
    )
    num_chairs: int | None = setting(
        None,
        "With --generator: chairs in the data, as trained (default: the "
        "generator's number of classes).",
    )
    chair_list: str | None = setting(
        None,
        "With --generator and rendered_chairs: the list file it was trained with.",
    )
    holdout: str | None = setting(
        None,
        "With --generator: the held-out protocol it was trained with (default views).",
        choices=choices.HOLDOUTS,
    )
    category: str | None = setting(
        None,
        "With --generator and mesh_renders: the category it was trained on "
        "(default chairs).",
        choices=choices.MESH_CATEGORIES,
    )

    def data_settings(self):
        """These settings by name, as `run_files.data_source` takes them."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(RealImages)}


@dataclasses.dataclass(frozen=True)
class RenderConfig(RunChoice, RealImages):
    """Render: the chairs x views grid and the turntables."""

    chairs: tuple[int, ...] | None = setting(None, "Chair ids (default: the first 4).")
    views: str = setting(
        "0,4,8,12,16,20,24,28,35,43,51,59",
        "Grid columns: view indices (j at elevation 20, 31 + j at 30) or 'all'.",
    )
    real: bool = setting(
        False, "Show the real images under the generated ones (needs the run's data)."
    )
    frames: int = setting(
        4 * chair_views.NUM_AZIMUTHS, "Turntable frames over the full circle."
    )
    elevation: float = setting(20.0, "Turntable elevation in degrees.")
    frame_ms: int = setting(60, "Turntable milliseconds per frame.")

    def __post_init__(self):
        super().__post_init__()
        _check_at_least(self, 1, "frames", "frame_ms")
        _check_elevation(self.elevation)


@dataclasses.dataclass(frozen=True)
class EvaluateConfig(RunChoice, RealImages):
    """Evaluate: the held-out table and the checkerboard measure."""

    batch_size: int = setting(64, "Images per forward pass.")

    def __post_init__(self):
        super().__post_init__()
        _check_at_least(self, 1, "batch_size")


@dataclasses.dataclass(frozen=True)
class InterpolateConfig(RunChoice):
    """Interpolate: morphs, views between the training views, sweeps."""

    chairs: tuple[int, ...] = setting(
        (0, 1),
        "Chair ids to morph through (two or more); the views and sweeps show them too.",
    )
    steps: int = setting(
        8, "Images per pair of chairs in the morph (both ends included)."
    )
    mixture: tuple[float, ...] | None = setting(
        None, "Weights of one mixture of --chairs, in [0, 1] and summing to 1."
    )
    azimuths: tuple[float, ...] = setting(
        (30.0, 120.0, 210.0), "Views of the morph (rows), degrees."
    )
    elevation: float = setting(
        20.0, "Elevation of the morph, azimuth interpolation and sweeps, degrees."
    )
    azimuth_range: tuple[float, ...] = setting(
        (0.0, 46.0),
        "Azimuth interpolation: start,stop in degrees (the training views are "
        "0, 11, 23, 34, 46, ...).",
    )
    elevation_range: tuple[float, ...] = setting(
        (0.0, 50.0), "Elevation interpolation: start,stop in degrees."
    )
    view_steps: int = setting(17, "Images of each view interpolation.")
    sweep: float = setting(
        1.0,
        "Transformation sweeps cover theta in [-sweep, sweep] (training draws "
        "[-1, 1]).",
    )
    sweep_steps: int = setting(9, "Images of each sweep.")
    frame_ms: int = setting(120, "Morph GIF milliseconds per frame.")

    def __post_init__(self):
        super().__post_init__()
        if len(self.chairs) < 2:
            raise UserError(
                "--chairs needs two or more chairs to morph between, got "
                f"{','.join(map(str, self.chairs))!r}."
            )
        _check_at_least(self, 2, "steps", "view_steps", "sweep_steps")
        _check_at_least(self, 1, "frame_ms")
        _check_within(self.azimuths, "azimuths", -360, 360)
        _check_elevation(self.elevation)
        _check_pair(self.azimuth_range, "azimuth_range")
        _check_within(self.azimuth_range, "azimuth_range", -360, 360)
        _check_pair(self.elevation_range, "elevation_range")
        _check_within(self.elevation_range, "elevation_range", -90, 90)
        if not self.sweep > 0:
            raise UserError(f"--sweep must be positive, got {self.sweep}.")


@dataclasses.dataclass(frozen=True)
class ArithmeticConfig(RunChoice):
    """Arithmetic: h(A) - h(B) + h(C) at a layer, decoded."""

    chairs: tuple[int, ...] = setting((0, 1, 2), "Chair ids A,B,C.")
    layer: str = setting(
        "class_fc2",
        "The layer whose activations are combined (a fully connected or uconv "
        "layer; see gen.models.chairs_generator for names).",
    )
    azimuths: tuple[float, ...] = setting(
        (30.0, 120.0, 210.0), "Views (rows), degrees."
    )
    elevation: float = setting(20.0, "Elevation of the views, degrees.")

    def __post_init__(self):
        super().__post_init__()
        if len(self.chairs) != 3:
            raise UserError(
                "--chairs must be three chair ids A,B,C, got "
                f"{','.join(map(str, self.chairs))!r}."
            )
        _check_within(self.azimuths, "azimuths", -360, 360)
        _check_elevation(self.elevation)


@dataclasses.dataclass(frozen=True)
class SampleConfig(RunChoice):
    """Sample: new chairs from a Gaussian fitted to the training styles."""

    layer: str = setting(
        "class_fc2", "A layer of the class stream: class_fc1 or class_fc2."
    )
    num_samples: int = setting(8, "New chairs to draw.")
    seed: int = setting(0, "Seed of the samples.")
    azimuths: tuple[float, ...] = setting(
        (0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0),
        "Views (columns), degrees.",
    )
    elevation: float = setting(20.0, "Elevation of the views, degrees.")
    rectify: bool = setting(
        True,
        "Set negative sampled activations to zero (the layer is followed by a "
        "rectifier, so training never gave the layers above negative values).",
    )

    def __post_init__(self):
        super().__post_init__()
        _check_at_least(self, 1, "num_samples")
        _check_at_least(self, 0, "seed")
        _check_within(self.azimuths, "azimuths", -360, 360)
        _check_elevation(self.elevation)


@dataclasses.dataclass(frozen=True)
class UnitsConfig(RunChoice):
    """Units: single-unit images and knock-outs."""

    layers: tuple[str, ...] | None = setting(
        None,
        "Layers (default: the fully connected and uconv layers after the "
        "streams meet, without the linear outputs).",
    )
    units: tuple[int, ...] | None = setting(
        None,
        "Unit indices to show in every layer (default: the --num_units most active).",
    )
    num_units: int = setting(16, "Units per layer when --units is not given.")
    value: float | None = setting(
        None,
        "Activation of the single unit (default: the layer's largest "
        "activation over the chairs).",
    )
    chair: int = setting(
        0,
        "The chair knocked out, and whose inputs feed what the layers do not replace.",
    )
    knockout: tuple[int, ...] | None = setting(
        None,
        "Units to knock out (default: the chair's top 1, 2, 4, ... units).",
    )
    azimuth: float = setting(30.0, "View azimuth, degrees.")
    elevation: float = setting(20.0, "View elevation, degrees.")

    def __post_init__(self):
        super().__post_init__()
        _check_at_least(self, 1, "num_units")
        _check_azimuth(self.azimuth)
        _check_elevation(self.elevation)
