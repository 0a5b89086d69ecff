"""TFDS builder `mesh_renders`: CAD models rendered at the chairs views.

The source (the TFDS manual directory, or its `mesh_renders/` folder where
it has one) is any mix of Sweet Home 3D furniture libraries (`*.sh3f`) and folders of `.obj` files with their `.mtl` and
textures (`gen.data.furniture_catalog`). Every model of the config's
category is rendered with OpenGL (`gen.data.mesh_renderer`) at the 62
standard views (`gen.data.chair_views`), on every core
(`gen.data.mesh_render_jobs`), on white with an exact mask.

Configs are named `<R>px_<category>`: R in 32, 64, 128 and the category
`chairs`, `tables`, `sofas` (chosen by the models' names:
`furniture_catalog.category_of`), `all` (every model) or `folder` (every
plain OBJ file, the libraries left out).

Bad models never stop a build: a model that cannot be read or drawn is
skipped with one line naming it and why; a missing texture is replaced by
the material's colour, said once per model. The counts of models rendered,
skipped and degraded are printed and kept in the dataset's description and
metadata (`models`, `skipped`, `degraded`). TFDS writes into a temporary
folder and renames it when the build is complete, so an interrupted build
leaves nothing that looks complete. One split, `train`; example keys are
`<chair_id>_<view_index>`.
"""

import dataclasses
import os
import pickle
import re
import shutil
import sys
import tempfile

import tensorflow_datasets as tfds
from etils import epath

from gen import choices
from gen.data import chair_views, furniture_catalog, mesh_render_jobs
from gen.data.datasets.features import chair_features
from gen.errors import UserError
from gen.progress import Progress

CATEGORIES = choices.MESH_CATEGORIES

MANUAL_INSTRUCTIONS = """\
Put Sweet Home 3D furniture libraries (*.sh3f) or folders of OBJ models
(.obj with its .mtl and textures) in the manual directory. On Debian or
Ubuntu, `apt-get download sweethome3d-furniture && dpkg-deb -x
sweethome3d-furniture_*.deb DIR` (no root needed) puts five libraries, 820
models, in DIR/usr/share/sweethome3d/furniture/; elsewhere, download the
libraries from https://www.sweethome3d.com/freeModels.jsp. Debian's
sweethome3d-furniture-nonfree (its non-free section) adds three libraries,
565 models; `make demo-real` fetches both (docs/data.md).
"""

# The per-model features, besides those of the chairs datasets.
MODEL_FIELDS = ("name", "category", "library", "file", "creator", "licence")


@dataclasses.dataclass
class MeshRendersConfig(tfds.core.BuilderConfig):
    """Resolution and category of the models."""

    resolution: int = 64
    category: str = "chairs"


def config_name(resolution, category):
    return f"{resolution}px_{category}"


def make_config(resolution, category):
    """The config of this resolution and category; UserError if invalid."""
    if resolution not in choices.RESOLUTIONS or category not in CATEGORIES:
        raise UserError(
            f"mesh_renders is built at {', '.join(map(str, choices.RESOLUTIONS))} "
            f"pixels for the categories {', '.join(CATEGORIES)}, not "
            f"{resolution} and {category!r}: pick one of each."
        )
    return MeshRendersConfig(
        name=config_name(resolution, category),
        description=f"Category {category} at {resolution}x{resolution}.",
        resolution=resolution,
        category=category,
    )


def in_category(entry, category):
    """Whether a `ModelEntry` belongs to a config's category."""
    if category == "all":
        return True
    if category == "folder":
        return not entry.from_library
    return furniture_catalog.category_of(entry.name) == category


def class_name(entry):
    """A model's unique class name: its name and where it comes from."""
    return f"{entry.name} [{entry.key}]"


def _say(line):
    print(line, file=sys.stderr, flush=True)


class MeshRenders(tfds.core.GeneratorBasedBuilder):
    """CAD models (Sweet Home 3D libraries, OBJ folders) at the 62 chairs views."""

    code_path = epath.Path(__file__)  # see synthetic_chairs.py
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        make_config(r, c) for c in CATEGORIES for r in choices.RESOLUTIONS
    ]
    DEFAULT_BUILDER_CONFIG_NAME = config_name(64, "chairs")
    MANUAL_DOWNLOAD_INSTRUCTIONS = MANUAL_INSTRUCTIONS

    def _info(self):
        features = chair_features(
            self.builder_config.resolution,
            with_chair_name=True,
            extra={
                f"model_{field}": tfds.features.Text(doc=f"The model's {field}.")
                for field in MODEL_FIELDS
            },
        )
        return tfds.core.DatasetInfo(
            builder=self,
            description=__doc__.split("\n\n")[0]
            + " "
            + self.builder_config.description,
            features=features,
            homepage="https://www.sweethome3d.com/freeModels.jsp",
            metadata=tfds.core.MetadataDict(),
        )

    def _split_generators(self, dl_manager):
        try:
            manual_dir = os.fspath(dl_manager.manual_dir)
        except AssertionError as e:
            match = re.search(r"Manual directory (.*?) does not exist", str(e))
            raise UserError(
                f"{match.group(1) if match else 'The manual directory'} does not "
                f"exist or is empty: mesh_renders renders your own CAD models. "
                + " ".join(MANUAL_INSTRUCTIONS.split())
            ) from None
        # Its own folder in the shared manual directory, where there is one.
        if os.path.isdir(os.path.join(manual_dir, "mesh_renders")):
            manual_dir = os.path.join(manual_dir, "mesh_renders")
        config = self.builder_config
        entries, problems = furniture_catalog.list_models(manual_dir)
        for line in problems:
            _say(f"mesh_renders: {line}")
        wanted = [e for e in entries if in_category(e, config.category)]
        if not wanted:
            raise UserError(
                f"{manual_dir} holds no model of the category {config.category!r} "
                f"(looked for *.sh3f libraries and *.obj files in it and its "
                f"folders; found {len(entries)} model(s) in all). "
                + " ".join(MANUAL_INSTRUCTIONS.split())
            )
        scratch = tempfile.mkdtemp(prefix="mesh_renders-")
        try:
            kept = self._render(wanted, scratch)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        self.info.features["chair_id"].names = [class_name(e) for e, _ in kept]
        return {"train": self._generate_examples(kept, scratch)}

    def _render(self, entries, scratch):
        """Renders `entries` into files under `scratch`; [(entry, path)] of
        the models kept. Prints and records the counts."""
        config = self.builder_config
        progress = Progress(f"mesh_renders/{config.name}", len(entries), "models")
        kept, skipped, degraded = [], {}, {}
        for i, rendered in enumerate(
            mesh_render_jobs.render_entries(entries, config.resolution)
        ):
            entry = rendered.entry
            if rendered.skipped:
                skipped[entry.key] = rendered.skipped
                _say(
                    f"mesh_renders: skipped {entry.key} ({entry.name}): {rendered.skipped}"
                )
            else:
                if rendered.notes:
                    degraded[entry.key] = "; ".join(rendered.notes)
                    _say(
                        f"mesh_renders: {entry.key} ({entry.name}): {degraded[entry.key]}"
                    )
                path = os.path.join(scratch, f"{i:05d}.pickle")
                with open(path, "wb") as handle:
                    pickle.dump((rendered.images, rendered.masks), handle)
                kept.append((entry, path))
            progress.update()
        counts = (
            f"{len(kept)} models rendered, {len(skipped)} skipped, "
            f"{len(degraded)} degraded (missing textures)."
        )
        _say(f"mesh_renders/{config.name}: {counts}")
        if not kept:
            raise UserError(
                f"No model of the category {config.category!r} could be drawn "
                f"({len(skipped)} skipped, the lines above say why)."
            )
        self.info.as_proto.description = f"{self.info.description} {counts}"
        self.info.metadata["models"] = [
            {field: getattr(e, field) for field in ("key",) + MODEL_FIELDS}
            for e, _ in kept
        ]
        self.info.metadata["skipped"] = skipped
        self.info.metadata["degraded"] = degraded
        return kept

    def _generate_examples(self, kept, scratch):
        azimuths, elevations = chair_views.standard_views()
        try:
            for chair_id, (entry, path) in enumerate(kept):
                with open(path, "rb") as handle:
                    images, masks = pickle.load(handle)
                for view in range(chair_views.NUM_VIEWS):
                    example = {
                        "image": images[view],
                        "mask": masks[view],
                        "chair_id": chair_id,
                        "chair_name": class_name(entry),
                        "azimuth": azimuths[view],
                        "elevation": elevations[view],
                        "view_index": view,
                    }
                    for field in MODEL_FIELDS:
                        example[f"model_{field}"] = getattr(entry, field)
                    yield f"{chair_id:05d}_{view:02d}", example
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
