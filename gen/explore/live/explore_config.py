"""`ExploreConfig`: the settings of `experiments.explore`, checked without
TensorFlow (a mistyped port answers at once)."""

import dataclasses
import ipaddress

from gen import settings
from gen.errors import UserError
from gen.explore.explore_config import RealImages

LOOPBACK = "127.0.0.1"
# The morph sheets of an export keep every MORPH_STRIDE-th azimuth.
MORPH_STRIDE = 4


@dataclasses.dataclass(frozen=True)
class ExploreConfig(RealImages):
    workdir: str | None = settings.setting(
        None,
        "Folder of a training run (experiments.train), finished or still "
        "training (then its last checkpoint is shown).",
    )
    generator: str | None = settings.setting(
        None, "A saved generator (.keras), instead of --workdir."
    )
    data_dir: str | None = settings.setting(
        None,
        "TFDS data directory of the chairs data, for the real views beside "
        "the generated ones (a run's own by default; a bare --generator "
        "shows none without it).",
    )
    host: str = settings.setting(
        LOOPBACK,
        "Address to listen on. Anything but loopback lets other machines "
        "reach the page (a warning is printed).",
    )
    port: int = settings.setting(
        8000, "Port to listen on (0: any free port; the address is printed)."
    )
    export: str | None = settings.setting(
        None,
        "Instead of serving: write a self-contained folder (index.html and "
        "its frames) that works opened from disk, then exit.",
    )
    export_chairs: int = settings.setting(
        8, "With --export: how many chairs (the first ones) it pre-renders."
    )
    export_azimuths: int = settings.setting(
        124,
        "With --export: azimuths around the circle per chair and elevation "
        "(a multiple of 4: the morphs keep every 4th); the folder's size "
        "grows with it.",
    )

    def __post_init__(self):
        if (self.workdir is None) == (self.generator is None):
            raise UserError(
                "Name the trained generator to explore: --workdir=<folder of a "
                "training run> or --generator=<file.keras> (one of the two)."
            )
        if not 0 <= self.port <= 65535:
            raise UserError(f"--port must be in 0..65535, got {self.port}.")
        settings.check_positive_ints(self, "export_chairs", "export_azimuths")
        if self.export_azimuths % MORPH_STRIDE or self.export_azimuths > 360:
            raise UserError(
                f"--export_azimuths must be a multiple of {MORPH_STRIDE} up to "
                f"360, got {self.export_azimuths}."
            )
        if not self.host:
            raise UserError("--host must name an address, e.g. 127.0.0.1.")
        settings.check_choices(self)


def is_loopback(host):
    """Whether `host` reaches this machine only (127.x, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
