"""The chairs datasets by name: one entry per dataset says which TFDS
builder makes it, its config from the settings, which settings it takes,
what its classes are called and what it is made from.

    kind = dataset_registry.lookup("mesh_renders")
    builder = kind.builder(data_dir, DataSettings(resolution=64, category="tables"))

`gen.data.chairs_data.load_chairs` and everything that reads a dataset by
name (training, the explore scripts, `experiments.render_dataset`, the
benchmarks) go through `lookup`; the names are `gen.choices.DATASETS`.
Adding a dataset is one builder module and one entry in `_KINDS`.
"""

import dataclasses

from gen import choices
from gen.errors import UserError


@dataclasses.dataclass(frozen=True)
class DataSettings:
    """What selects the data of a dataset (each dataset uses some of it).

    Attributes:
      resolution: 32, 64 or 128.
      num_chairs: synthetic_chairs: how many styles (default 100); the
        others: keep the first N classes (default all).
      seed: synthetic_chairs: the styles' family seed.
      chair_list: rendered_chairs: a list file of the chairs to keep.
      category: mesh_renders: `gen.choices.MESH_CATEGORIES` (default chairs).
      manual_dir: the datasets made from the user's files: where they are
        (default `<data_dir>/downloads/manual`).
    """

    resolution: int = 64
    num_chairs: int = None
    seed: int = 0
    chair_list: str = None
    category: str = None
    manual_dir: str = None


@dataclasses.dataclass(frozen=True)
class DatasetKind:
    """One dataset: its name, builder and what its settings mean.

    Attributes:
      name: the TFDS name (`gen.choices.DATASETS`).
      class_noun: what one class is ("chair style", "chair", "model").
      takes: the `DataSettings` fields it uses besides the resolution.
      users_files: None for data built from settings alone, else what the
        user must provide (said when it is missing).
      keeps_first: num_chairs keeps the first N classes of the built data
        (rather than selecting what is built).
      make: (data_dir, settings) -> the TFDS builder.
    """

    name: str
    class_noun: str
    takes: tuple
    users_files: str
    keeps_first: bool
    make: object

    def builder(self, data_dir, settings):
        """The TFDS builder of `settings`; UserError for settings this
        dataset does not take or values it cannot build."""
        given = [
            field
            for field in ("num_chairs", "chair_list", "category", "manual_dir")
            if getattr(settings, field) is not None and field not in self.takes
        ]
        if settings.seed and "seed" not in self.takes:
            given.append("seed")
        if given:
            raise UserError(
                f"{' and '.join(given)} {'does' if len(given) == 1 else 'do'} not "
                f"apply to {self.name}, which takes "
                f"{', '.join(('resolution',) + self.takes)}: leave "
                f"{'it' if len(given) == 1 else 'them'} out or pick the dataset "
                f"{'it selects' if len(given) == 1 else 'they select'}."
            )
        return self.make(data_dir, settings)


def _synthetic(data_dir, s):
    from gen.data.datasets import synthetic_chairs

    config = synthetic_chairs.make_config(
        s.resolution, s.num_chairs or synthetic_chairs.DEFAULT_NUM_CHAIRS, s.seed
    )
    return synthetic_chairs.SyntheticChairs(data_dir=data_dir, config=config.name)


def _rendered(data_dir, s):
    from gen.data.datasets import rendered_chairs

    config = rendered_chairs.make_config(s.resolution)
    return rendered_chairs.RenderedChairs(
        data_dir=data_dir, config=config.name, chair_list=s.chair_list
    )


def _meshes(data_dir, s):
    from gen.data.datasets import mesh_renders

    config = mesh_renders.make_config(s.resolution, s.category or "chairs")
    return mesh_renders.MeshRenders(data_dir=data_dir, config=config.name)


_KINDS = {
    kind.name: kind
    for kind in (
        DatasetKind(
            "synthetic_chairs", "chair style", ("num_chairs", "seed"), None, False,
            _synthetic,
        ),
        DatasetKind(
            "rendered_chairs", "chair", ("num_chairs", "chair_list", "manual_dir"),
            "your own copy of Aubry et al.'s renders (rendered_chairs.tar, in "
            "<data_dir>/downloads/manual/)",
            True, _rendered,
        ),
        DatasetKind(
            "mesh_renders", "model", ("num_chairs", "category", "manual_dir"),
            "your own CAD models (Sweet Home 3D libraries or OBJ files, in "
            "<data_dir>/downloads/manual/mesh_renders/)",
            True, _meshes,
        ),
    )
}  # fmt: skip
assert tuple(_KINDS) == choices.DATASETS, "gen.choices.DATASETS lists the kinds"


def lookup(name):
    """The `DatasetKind` called `name`; UserError naming the choices."""
    if name not in _KINDS:
        raise UserError(
            f"Unknown dataset {name!r}: use one of {', '.join(map(repr, _KINDS))}."
        )
    return _KINDS[name]
