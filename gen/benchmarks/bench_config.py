"""The settings of the benchmark scripts (`experiments.bench_data`,
`bench_layers`, `bench_train`), checked without TensorFlow."""

import dataclasses
import os

from gen import settings
from gen.benchmarks import layer_speed, per_backend
from gen.benchmarks.peers import TORCH_CHAIRS
from gen.errors import UserError
from gen.settings import setting


@dataclasses.dataclass(frozen=True)
class DataBenchConfig:
    """Renderer and input pipeline throughput."""

    train_images_per_s: float = setting(
        110.0, "Images per second that one training step consumes."
    )
    num_chairs: int = setting(8, "Chairs (x 62 views) in the pipeline's data.")
    batch_size: int = setting(64, "Pipeline batch size.")
    batches: int = setting(100, "Pipeline batches to time (after 10 to warm up).")
    resolutions: tuple[int, ...] = setting((32, 64, 128), "Renderer resolutions.")

    def __post_init__(self):
        settings.check_positive_numbers(self, "train_images_per_s")
        settings.check_positive_ints(self, "num_chairs", "batch_size", "batches")
        if not self.resolutions or min(self.resolutions) < 1:
            raise UserError(
                f"--resolutions must be positive integers, got {self.resolutions}."
            )


@dataclasses.dataclass(frozen=True)
class LayersBenchConfig:
    """Layer speed on each Keras backend."""

    backends: tuple[str, ...] = setting(
        per_backend.SUPPORTED, "Keras backends to measure, each in its own process."
    )
    batch: int = setting(64, "Batch size.")
    dtype: str = setting(
        "float32", "Compute dtype of every variant.", choices=("float32", "bfloat16")
    )
    jit_compile: bool = setting(
        False,
        "TensorFlow: compile the UnpoolConv2D comparison with XLA (JAX always "
        "compiles; PyTorch runs eagerly).",
    )
    rounds: int = setting(7, "Interleaved timing rounds.")
    mask_stages: bool = setting(
        False, "Add the mask branch's stages to the RGB branch's."
    )
    switches: bool = setting(True, "Also time switch pooling/unpooling.")
    implementations: tuple[str, ...] = setting(
        layer_speed.IMPLEMENTATIONS, "UnpoolConv2D implementations to time."
    )
    channel_scale: float = setting(
        1.0,
        "Scales every stage's channels (at least 1 each): small values make a "
        "quick smoke run.",
    )

    def __post_init__(self):
        settings.check_choices(self)


@dataclasses.dataclass(frozen=True)
class TrainBenchConfig:
    """One training step against the PyTorch peer."""

    batch: int = setting(64, "Batch size.")
    classes: int = setting(809, "Chair classes.")
    transform: int = setting(8, "Transform parameters.")
    steps: int = setting(5, "Timed steps per variant and round.")
    rounds: int = setting(3, "Interleaved rounds.")
    xla: bool = setting(False, "Also time the Keras steps with XLA.")
    profile: bool = setting(
        False,
        "Run TensorFlow's ops one at a time (one inter-op thread, for the "
        "whole run), then profile each Keras step without XLA and print "
        "where its time goes: the share of the peak its convolutions and "
        "matrix products alone would reach, and the other ops.",
    )
    torch_python: str | None = setting(
        None, "A Python with torch installed, to run the peer."
    )
    peer: str | None = setting(
        None,
        "Path of the PyTorch peer script (default: the repository's "
        "gen/benchmarks/peers/torch_chairs.py).",
    )

    def __post_init__(self):
        settings.check_positive_ints(self, "batch", "classes", "steps", "rounds")
        settings.check_non_negative_ints(self, "transform")
        if self.torch_python and not (
            os.path.isfile(self.torch_python) and os.access(self.torch_python, os.X_OK)
        ):
            raise UserError(
                f"--torch_python {self.torch_python!r} is not an executable Python."
            )
        if self.torch_python and not os.path.isfile(self.peer_script):
            raise UserError(
                f"--peer {self.peer_script!r} is not a file; point it at the "
                "repository's gen/benchmarks/peers/torch_chairs.py or leave it out."
            )

    @property
    def peer_script(self):
        """--peer, or the repository's PyTorch peer."""
        return self.peer or TORCH_CHAIRS
