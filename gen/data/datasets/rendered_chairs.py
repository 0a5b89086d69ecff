"""TFDS builder `rendered_chairs`: Aubry et al.'s rendered chairs, from your copy.

The data (Aubry, Maturana, Efros, Russell, Sivic, "Seeing 3D chairs", CVPR
2014) cannot be downloaded by this library: put `rendered_chairs.tar`, or the
`rendered_chairs/` folder it extracts to, in the TFDS manual directory
(`RenderedChairs.MANUAL_DOWNLOAD_INSTRUCTIONS`). The builder reads
`rendered_chairs/<id>/renders/image_NNN_pEEE_tAAA_r096.png` (62 views per
chair, `gen.data.chair_views` for the numbering) and, per chair:

1. composes each view on white (a transparent PNG's alpha is honoured),
2. crops every view to the union bounding box of the chair's non-white
   pixels over its 62 views, and pads that to a centred square with white,
3. resizes to the config's resolution with an area (box) filter, which
   spreads no colour beyond the chair,
4. takes as the mask the pixels at least half covered by the chair: the
   non-white pixels of the full-size view (any channel below
   `255 - WHITE_TOLERANCE`), box-resized the same way and thresholded at
   0.5, as the synthetic renderer's masks (`gen.data.ray_caster`); and makes
   the other pixels exactly white, so that an image is its masked image
   shown on white.

Chair ids are dense, in the order of the chairs' folder names. A chair with
views missing is reported (a warning naming it and its number of views, and
the `skipped_chairs` entry of the dataset's metadata) and skipped. A list file
(`chair_list`: one folder name per line, `#` comments and blank lines
ignored) keeps only the chairs it names, e.g. the 809 chairs of the chairs
papers.

Configs: `32px`, `64px` (default) and `128px`; with a chair list the name gets
`_list-<8 hex digits of the list's hash>`, so subsets never share a directory.
One split, `train`; example keys are `<folder name>_<view_index>`.
"""

import concurrent.futures
import dataclasses
import hashlib
import os
import re

import numpy as np
import tensorflow_datasets as tfds
from absl import logging
from etils import epath

from gen import choices
from gen.data import chair_views
from gen.data.datasets import rendered_chairs_files as files
from gen.data.datasets.features import chair_features
from gen.errors import UserError
from gen.progress import Progress

_CITATION = """\
@inproceedings{aubry2014seeing,
  title = {Seeing {3D} Chairs: Exemplar Part-based {2D-3D} Alignment using a
           Large Dataset of {CAD} Models},
  author = {Aubry, Mathieu and Maturana, Daniel and Efros, Alexei A. and
            Russell, Bryan C. and Sivic, Josef},
  booktitle = {CVPR},
  year = {2014},
}
"""


@dataclasses.dataclass
class RenderedChairsConfig(tfds.core.BuilderConfig):
    """Resolution, and the chairs to keep (empty: all)."""

    resolution: int = 64
    chair_list: tuple = ()


def make_config(resolution, chair_list=()):
    """The config of this resolution and chair selection; UserError if invalid."""
    if resolution not in choices.RESOLUTIONS:
        raise UserError(
            f"rendered_chairs is built at {', '.join(map(str, choices.RESOLUTIONS))} pixels, "
            f"not {resolution}: pick one of those resolutions."
        )
    name = f"{resolution}px"
    description = f"All complete chairs at {resolution}x{resolution}."
    if chair_list:
        digest = hashlib.sha1("\n".join(chair_list).encode()).hexdigest()[:8]
        name += f"_list-{digest}"
        description = f"{len(chair_list)} listed chairs at {resolution}x{resolution}."
    return RenderedChairsConfig(
        name=name,
        description=description,
        resolution=resolution,
        chair_list=tuple(chair_list),
    )


# Configs made from chair lists in this process, by name, so that TFDS finds
# them again by name.
_LIST_CONFIGS = {}


class RenderedChairs(tfds.core.GeneratorBasedBuilder):
    """Aubry et al.'s rendered chairs, cropped, squared and resized."""

    # TFDS 4.9.10 works this path out with `importlib_resources`, a backport
    # it only installs for Python < 3.9, and fails without it: say it here.
    code_path = epath.Path(__file__)
    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {
        "1.0.0": "Initial release.",
        "1.1.0": "Masks: pixels at least half covered by the chair (were: every non-white pixel).",
    }
    BUILDER_CONFIGS = [make_config(r) for r in choices.RESOLUTIONS]
    DEFAULT_BUILDER_CONFIG_NAME = "64px"
    MANUAL_DOWNLOAD_INSTRUCTIONS = files.MANUAL_INSTRUCTIONS

    def __init__(self, *, config=None, chair_list=None, **kwargs):
        """Like any TFDS builder, plus `chair_list`: a list file (see the module
        docstring) that selects the chairs of `config`'s resolution to keep."""
        if chair_list is not None:
            if config is None:
                config = self.DEFAULT_BUILDER_CONFIG_NAME
            base = (
                self.get_builder_config(config) if isinstance(config, str) else config
            )
            if base is None:
                raise UserError(
                    f"Unknown rendered_chairs config {config!r}: use one of "
                    f"{', '.join(c.name for c in self.BUILDER_CONFIGS)}."
                )
            listed = make_config(base.resolution, files.read_chair_list(chair_list))
            config = _LIST_CONFIGS.setdefault(listed.name, listed).name
        super().__init__(config=config, **kwargs)

    @classmethod
    def get_builder_config(cls, name, version=None):
        """A predefined config, or one made from a chair list in this process."""
        return super().get_builder_config(name, version) or _LIST_CONFIGS.get(name)

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self,
            description=__doc__.split("\n\n")[0]
            + " "
            + self.builder_config.description,
            # The chair names are only known once the manual dir is listed.
            features=chair_features(
                self.builder_config.resolution, with_chair_name=True
            ),
            homepage=files.HOMEPAGE,
            citation=_CITATION,
            metadata=tfds.core.MetadataDict(),
        )

    def _split_generators(self, dl_manager):
        try:
            manual_dir = dl_manager.manual_dir
        except AssertionError as e:
            match = re.search(
                r"Manual directory (.*?) does not exist or is empty", str(e)
            )
            where = match.group(1) if match else "The manual directory"
            raise UserError(
                f"{where} does not exist or is empty: rendered_chairs is built from "
                f"your own copy of the data. "
                + " ".join(self.MANUAL_DOWNLOAD_INSTRUCTIONS.split())
            ) from None
        source = files.open_source(manual_dir)
        chairs = files.index_chairs(source)
        wanted = self.builder_config.chair_list or tuple(sorted(chairs))
        unknown = [name for name in wanted if name not in chairs]
        if unknown:
            raise UserError(
                f"The chair list names {len(unknown)} chair(s) that {source.where} does "
                f"not hold, e.g. {', '.join(unknown[:3])}: fix the list or the data."
            )
        skipped = {
            name: len(chairs[name])
            for name in wanted
            if len(chairs[name]) != chair_views.NUM_VIEWS
        }
        for name, count in skipped.items():
            logging.warning(
                "rendered_chairs: chair %s has %d of %d views; skipped.",
                name,
                count,
                chair_views.NUM_VIEWS,
            )
        names = [name for name in wanted if name not in skipped]
        if not names:
            raise UserError(
                f"Every chair in {source.where} has views missing, so there is "
                f"nothing to build: extract or download {files.ARCHIVE} again."
            )
        self.info.features["chair_id"].names = names
        self.info.metadata["skipped_chairs"] = skipped
        self.info.metadata["source"] = source.where
        return {"train": self._generate_examples(source, names, chairs)}

    def _generate_examples(self, source, names, chairs):
        resolution = self.builder_config.resolution
        azimuths, elevations = chair_views.standard_views()
        progress = Progress(
            f"rendered_chairs/{self.builder_config.name}", len(names), "chairs"
        )
        # PIL decodes without the GIL: decode a chair's views in parallel.
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
            for chair_id, name in enumerate(names):
                paths = [chairs[name][v] for v in range(chair_views.NUM_VIEWS)]
                where = [source.describe(p) for p in paths]
                views = list(
                    pool.map(files.decode, [source.read(p) for p in paths], where)
                )
                shapes = {v.shape for v in views}
                if len(shapes) != 1:
                    raise UserError(
                        f"The views of chair {name} differ in size ({sorted(shapes)}); "
                        f"they must share one frame: extract {files.ARCHIVE} again."
                    )
                cropped = files.crop_views(np.stack(views), resolution)
                if cropped is None:
                    raise UserError(
                        f"All views of chair {name} are white (e.g. {where[0]}): the "
                        f"renders are damaged; extract {files.ARCHIVE} again or leave the "
                        f"chair out with a chair list."
                    )
                images, masks = cropped
                for view in range(chair_views.NUM_VIEWS):
                    yield (
                        f"{name}_{view:02d}",
                        {
                            "image": images[view],
                            "mask": masks[view],
                            "chair_id": chair_id,
                            "chair_name": name,
                            "azimuth": azimuths[view],
                            "elevation": elevations[view],
                            "view_index": view,
                        },
                    )
                progress.update()
