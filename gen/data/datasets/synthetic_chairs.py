"""TFDS builder `synthetic_chairs`: procedural chairs, rendered on this machine.

Every style of `gen.data.chair_family` (drawn from the config's seed and the style
index) is rendered by `gen.data.ray_caster` at the 62 standard views of the real
data (`gen.data.chair_views`), so the data needs no download and builds offline in
seconds for a few chairs (about half a minute for 100 chairs at 64x64).

Configs are named `<R>px_<N>chairs`, with `_seed<S>` appended for a seed other
than 0: `64px_100chairs` (the default), `32px_10chairs`, `128px_500chairs_seed3`.
The predefined ones are `32px_100chairs`, `64px_100chairs` and
`128px_100chairs`; any other name of that form works too, and so do the
constructor arguments `num_chairs` and `seed`, which pick the config of that
name. The number of chairs and the seed are part of the config name, so data
with different chairs never share a directory.

    import gen.data.datasets
    builder = tfds.builder("synthetic_chairs/64px_10chairs", data_dir=...)
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(try_download_gcs=False))

One split, `train`, with every (chair, view) in it; `gen.data.input_pipeline`
holds views or chairs out. Example keys are `<chair_id>_<view_index>`.
"""

import dataclasses
import re

import tensorflow_datasets as tfds
from etils import epath

from gen import choices
from gen.data import chair_family, chair_views, ray_caster
from gen.data.datasets.features import chair_features
from gen.errors import UserError
from gen.progress import Progress

DEFAULT_NUM_CHAIRS = 100
_CONFIG_NAME = re.compile(r"^(\d+)px_(\d+)chairs(?:_seed(\d+))?$")


@dataclasses.dataclass
class SyntheticChairsConfig(tfds.core.BuilderConfig):
    """Resolution, number of chair styles and the seed of the styles."""

    resolution: int = 64
    num_chairs: int = DEFAULT_NUM_CHAIRS
    seed: int = 0


def config_name(resolution, num_chairs, seed=0):
    """The config name of the data with these settings, e.g. `64px_100chairs`."""
    return f"{resolution}px_{num_chairs}chairs" + (f"_seed{seed}" if seed else "")


def make_config(resolution, num_chairs=DEFAULT_NUM_CHAIRS, seed=0):
    """The `SyntheticChairsConfig` of these settings; UserError if out of range."""
    if resolution not in choices.RESOLUTIONS:
        raise UserError(
            f"synthetic_chairs renders at {', '.join(map(str, choices.RESOLUTIONS))} "
            f"pixels, not {resolution}: pick one of those resolutions."
        )
    if num_chairs < 1 or seed < 0:
        raise UserError(
            f"synthetic_chairs needs at least one chair and a seed >= 0, got "
            f"num_chairs={num_chairs}, seed={seed}."
        )
    return SyntheticChairsConfig(
        name=config_name(resolution, num_chairs, seed),
        description=(
            f"{num_chairs} procedural chair styles (seed {seed}) x "
            f"{chair_views.NUM_VIEWS} views at {resolution}x{resolution}."
        ),
        resolution=resolution,
        num_chairs=num_chairs,
        seed=seed,
    )


class SyntheticChairs(tfds.core.GeneratorBasedBuilder):
    """Procedural chairs at the real data's 62 views, rendered offline."""

    # TFDS 4.9.10 works this path out with `importlib_resources`, a backport
    # it only installs for Python < 3.9, and fails without it: say it here.
    code_path = epath.Path(__file__)
    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {
        "1.0.0": "Initial release.",
        "1.1.0": "Masks: pixels at least half covered by the chair (were: any sub-pixel).",
    }
    BUILDER_CONFIGS = [make_config(r) for r in choices.RESOLUTIONS]
    DEFAULT_BUILDER_CONFIG_NAME = config_name(64, DEFAULT_NUM_CHAIRS)

    def __init__(self, *, config=None, num_chairs=None, seed=None, **kwargs):
        """Like any TFDS builder, plus `num_chairs` and `seed`, which replace
        those of `config` (the config then is the one of that name)."""
        if num_chairs is not None or seed is not None:
            if config is None:
                config = self.DEFAULT_BUILDER_CONFIG_NAME
            base = (
                self.get_builder_config(config) if isinstance(config, str) else config
            )
            if base is None:
                raise UserError(
                    f"Unknown synthetic_chairs config {config!r}: use a name like "
                    f"{self.DEFAULT_BUILDER_CONFIG_NAME!r} (<R>px_<N>chairs[_seed<S>])."
                )
            config = config_name(
                base.resolution,
                base.num_chairs if num_chairs is None else num_chairs,
                base.seed if seed is None else seed,
            )
        super().__init__(config=config, **kwargs)

    @classmethod
    def get_builder_config(cls, name, version=None):
        """The predefined config `name`, or the one its name describes."""
        found = super().get_builder_config(name, version)
        if found is not None:
            return found
        match = _CONFIG_NAME.match(name)
        if match is None:
            return None
        resolution, num_chairs, seed = match.groups()
        config = make_config(int(resolution), int(num_chairs), int(seed or 0))
        # Only canonical spellings name a config ("64px_10chairs_seed0" would
        # otherwise be a second directory for the data of "64px_10chairs").
        return config if config.name == name else None

    def _info(self):
        config = self.builder_config
        names = [
            chair_family.chair_style(config.seed, i).name
            for i in range(config.num_chairs)
        ]
        return tfds.core.DatasetInfo(
            builder=self,
            description=__doc__.split("\n\n")[0] + " " + config.description,
            features=chair_features(config.resolution, names),
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download
        return {"train": self._generate_examples()}

    def _generate_examples(self):
        config = self.builder_config
        azimuths, elevations = chair_views.standard_views()
        progress = Progress(
            f"synthetic_chairs/{config.name}", config.num_chairs, "chairs"
        )
        for chair_id in range(config.num_chairs):
            style = chair_family.chair_style(config.seed, chair_id)
            images, masks = ray_caster.render_chair(
                style, azimuths, elevations, resolution=config.resolution
            )
            for view in range(chair_views.NUM_VIEWS):
                yield (
                    f"{chair_id:05d}_{view:02d}",
                    {
                        "image": images[view],
                        "mask": masks[view],
                        "chair_id": chair_id,
                        "azimuth": azimuths[view],
                        "elevation": elevations[view],
                        "view_index": view,
                    },
                )
            progress.update()
