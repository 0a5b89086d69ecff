"""`ContactSheetConfig`: the settings of `experiments.render_dataset` (a
contact sheet of the chairs data, `gen.data.contact_sheet`), checked
without TensorFlow."""

import dataclasses

from gen import choices, settings
from gen.errors import UserError
from gen.settings import setting


@dataclasses.dataclass(frozen=True)
class ContactSheetConfig:
    """The contact sheet: which chairs, which views, where."""

    out: str = setting(dataclasses.MISSING, "PNG file to write.")
    dataset: str = setting(
        "synthetic_chairs", "Which chairs to show.", choices=choices.DATASETS
    )
    num_chairs: int = setting(8, "Chairs (rows) to show, from chair id 0.")
    resolution: int = setting(64, "Image size.", choices=choices.RESOLUTIONS)
    seed: int = setting(0, "synthetic_chairs: the family seed of the styles.")
    views: str = setting(
        "0,4,8,12,16,20,24,28,35,43,51,59",
        "View indices (columns), comma separated, or 'all': j at elevation 20, "
        "31 + j at elevation 30.",
    )
    data_dir: str | None = setting(None, "rendered_chairs: the TFDS data directory.")
    manual_dir: str | None = setting(
        None,
        "rendered_chairs: where rendered_chairs.tar is (default "
        "<data_dir>/downloads/manual).",
    )
    chair_list: str | None = setting(
        None, "rendered_chairs: list file of the chairs to keep."
    )
    category: str | None = setting(
        None,
        "mesh_renders: which models (default chairs).",
        choices=choices.MESH_CATEGORIES,
    )

    def __post_init__(self):
        settings.check_choices(self)
        settings.check_file_path(self.out, "out", "chairs.png")
        if self.num_chairs < 1:
            raise UserError(f"--num_chairs must be at least 1, got {self.num_chairs}.")
        chosen = [
            f"--{name}"
            for name in ("manual_dir", "chair_list", "category")
            if getattr(self, name) is not None
        ]
        if self.dataset == "synthetic_chairs" and chosen:
            raise UserError(
                f"{', '.join(chosen)} select real models, and synthetic_chairs "
                "draws its own: add --dataset=rendered_chairs or "
                "--dataset=mesh_renders, or leave them out."
            )
