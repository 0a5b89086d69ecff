"""`--workdir` as a setting: the folder a training script writes into,
checked without TensorFlow (given, and a folder or nothing yet)."""

import dataclasses

from gen import settings
from gen.errors import UserError
from gen.settings import setting


@dataclasses.dataclass(frozen=True)
class WorkdirSetting:
    """The run's folder."""

    workdir: str | None = setting(
        None,
        "Folder of the run (required): everything the run writes goes under it; "
        "the same folder again resumes the run.",
    )

    def __post_init__(self):
        if not self.workdir:
            raise UserError(
                "--workdir is required: the folder where the run writes its "
                "checkpoints, logs and pictures."
            )
        settings.check_folder_path(self.workdir, "workdir", "the run writes into")
