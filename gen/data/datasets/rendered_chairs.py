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
import io
import os
import re
import tarfile

import numpy as np
import tensorflow_datasets as tfds
from absl import logging
from etils import epath
from PIL import Image

from gen import choices
from gen.data import chair_views
from gen.data.datasets.features import chair_features
from gen.errors import UserError
from gen.progress import Progress

ARCHIVE = "rendered_chairs.tar"
FOLDER = "rendered_chairs"
LAYOUT = f"{FOLDER}/<id>/renders/image_NNN_pEEE_tAAA_r096.png"
# Pixels whose channels are all at least 255 - WHITE_TOLERANCE are background.
WHITE_TOLERANCE = 3
HOMEPAGE = "https://www.di.ens.fr/willow/research/seeing3Dchairs/"

_FILE_NAME = re.compile(r"^image_(\d{3})_p(\d{3})_t(\d{3})_r(\d{3})\.png$")
_NAMING = (
    "image_NNN_pEEE_tAAA_r096.png, where EEE is the elevation 020 or 030, AAA the "
    "azimuth floor(360*j/31) for j = 0..30, and NNN is j (000..030) at p020 and "
    "32+j (032..062) at p030"
)

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


def parse_file_name(file_name):
    """The view index of a render's file name; ValueError saying what is wrong."""
    match = _FILE_NAME.match(file_name)
    if match is None:
        raise ValueError(f"expected {_NAMING}")
    nnn, elevation, azimuth, _ = (int(g) for g in match.groups())
    try:
        view = int(chair_views.view_of_nnn(nnn))
    except ValueError as e:
        raise ValueError(f"{e}; expected {_NAMING}") from None
    want_elevation = int(chair_views.elevation_of_view(view))
    want_azimuth = int(chair_views.azimuth_of_view(view))
    if (elevation, azimuth) != (want_elevation, want_azimuth):
        raise ValueError(
            f"view {nnn:03d} is p{want_elevation:03d}_t{want_azimuth:03d}, "
            f"not p{elevation:03d}_t{azimuth:03d}; expected {_NAMING}"
        )
    return view


def read_chair_list(path):
    """Sorted, unique folder names from a chair list file (one per line)."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise UserError(
            f"Cannot read the chair list {path} ({e.strerror}): give a text file "
            f"with one chair folder name per line."
        ) from None
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            # Accept "rendered_chairs/<id>" and "<id>/" as well as "<id>".
            names.add(line.rstrip("/").rsplit("/", 1)[-1])
    if not names:
        raise UserError(
            f"The chair list {path} names no chair: give one chair folder name "
            f"(as in {LAYOUT}) per line."
        )
    return tuple(sorted(names))


def foreground(rgb):
    """(..., H, W) bool: the pixels of (..., H, W, 3) uint8 RGB that are not white."""
    return np.any(rgb < 255 - WHITE_TOLERANCE, axis=-1)


def crop_views(views, resolution):
    """Crops, squares and resizes one chair's views (see the module docstring).

    Args:
      views: (V, H, W, 3) uint8, the chair on white.
      resolution: side of the output.

    Returns:
      (images (V, R, R, 3) uint8, masks (V, R, R, 1) uint8 in {0, 1}), or
      None when every view is white.
    """
    union = foreground(views).any(axis=0)
    rows, cols = np.flatnonzero(union.any(axis=1)), np.flatnonzero(union.any(axis=0))
    if rows.size == 0:
        return None
    top, left = rows[0], cols[0]
    height, width = rows[-1] + 1 - top, cols[-1] + 1 - left
    side = max(height, width)
    square = np.full((len(views), side, side, 3), 255, np.uint8)
    y, x = (side - height) // 2, (side - width) // 2
    square[:, y:y + height, x:x + width] = views[:, top:top + height, left:left + width]
    size = (resolution, resolution)
    images = np.stack([
        np.asarray(Image.fromarray(v).resize(size, Image.Resampling.BOX)) for v in square
    ])
    # The share of each output pixel that the chair covers, from the full-size
    # foreground: a mask of the resized image's non-white pixels would count
    # pixels the chair barely touches.
    coverage = np.stack([
        np.asarray(Image.fromarray(f.astype(np.float32)).resize(size, Image.Resampling.BOX))
        for f in foreground(square)
    ])
    masks = coverage >= 0.5
    images[~masks] = 255
    return images, masks[..., None].astype(np.uint8)


def _decode(data, where):
    """RGB uint8 of PNG bytes, composed on white; UserError if it does not decode."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                image = image.convert("RGBA")
                white = Image.new("RGBA", image.size, (255, 255, 255, 255))
                image = Image.alpha_composite(white, image)
            return np.asarray(image.convert("RGB"))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise UserError(
            f"{where} does not decode as a PNG ({e}). The file is damaged: "
            f"download or extract {ARCHIVE} again."
        ) from None


class _Folder:
    """The extracted `rendered_chairs/` folder in the manual directory."""

    def __init__(self, manual_dir):
        self._base = os.fspath(manual_dir)
        self.where = os.path.join(self._base, FOLDER)

    def files(self):
        """Paths `rendered_chairs/<id>/renders/<file>` relative to the manual dir."""
        paths = []
        for chair in os.listdir(self.where):
            renders = os.path.join(self.where, chair, "renders")
            if os.path.isdir(renders):
                paths += [f"{FOLDER}/{chair}/renders/{f}" for f in os.listdir(renders)]
        return paths

    def read(self, path):
        with open(self.describe(path), "rb") as f:
            return f.read()

    def describe(self, path):
        return os.path.join(self._base, *path.split("/"))


class _Tar:
    """`rendered_chairs.tar` in the manual directory, read without extracting."""

    def __init__(self, path):
        self.where = os.fspath(path)
        try:
            self._tar = tarfile.open(self.where, "r:*")
            # One pass over the headers; members are then read in any order.
            self._members = {
                m.name.removeprefix("./"): m for m in self._tar if m.isfile()
            }
        except (tarfile.TarError, OSError) as e:
            raise UserError(
                f"{self.where} is not a readable tar archive ({e}). Download "
                f"{ARCHIVE} again, or extract it and put the {FOLDER}/ folder "
                f"next to it."
            ) from None

    def files(self):
        return list(self._members)

    def read(self, path):
        return self._tar.extractfile(self._members[path]).read()

    def describe(self, path):
        return f"{self.where}:{path}"


def _open_source(manual_dir):
    folder = os.path.join(os.fspath(manual_dir), FOLDER)
    archive = os.path.join(os.fspath(manual_dir), ARCHIVE)
    # The extracted folder is faster to read than the archive.
    if os.path.isdir(folder):
        return _Folder(manual_dir)
    if os.path.isfile(archive):
        return _Tar(archive)
    raise UserError(
        f"Neither {archive} nor the folder {folder} exists. "
        + " ".join(RenderedChairs.MANUAL_DOWNLOAD_INSTRUCTIONS.split())
    )


def _index(source):
    """{chair folder name: {view index: path}} of the renders in `source`."""
    chairs = {}
    for path in source.files():
        parts = path.split("/")
        if (
            len(parts) != 4
            or parts[0] != FOLDER
            or parts[2] != "renders"
            or not parts[3].lower().endswith(".png")
        ):
            continue
        try:
            view = parse_file_name(parts[3])
        except ValueError as e:
            raise UserError(
                f"{source.describe(path)}: the file name does not parse: {e}. "
                f"Rename or remove the file."
            ) from None
        views = chairs.setdefault(parts[1], {})
        if view in views:
            raise UserError(
                f"{source.describe(path)} and {source.describe(views[view])} are the "
                f"same view of chair {parts[1]}: remove one of them."
            )
        views[view] = path
    if not chairs:
        raise UserError(
            f"No chair folder found in {source.where}: looked for {LAYOUT}. Put the "
            f"unmodified {ARCHIVE}, or the {FOLDER}/ folder it extracts to, in the "
            f"manual directory."
        )
    return chairs


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
        name=name, description=description, resolution=resolution,
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
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""
    Download {ARCHIVE} from the "Seeing 3D chairs" page ({HOMEPAGE}) and
    put it, unchanged, or the {FOLDER}/ folder that
    `tar xf {ARCHIVE}` makes, in the TFDS manual directory: by default
    <data_dir>/downloads/manual/ (with TFDS's default data_dir:
    ~/tensorflow_datasets/downloads/manual/{ARCHIVE}), or the folder given as
    `tfds.download.DownloadConfig(manual_dir=...)` (the `manual_dir` argument
    of `gen.data.chairs_data.load_chairs`).
    """

    def __init__(self, *, config=None, chair_list=None, **kwargs):
        """Like any TFDS builder, plus `chair_list`: a list file (see the module
        docstring) that selects the chairs of `config`'s resolution to keep."""
        if chair_list is not None:
            if config is None:
                config = self.DEFAULT_BUILDER_CONFIG_NAME
            base = self.get_builder_config(config) if isinstance(config, str) else config
            if base is None:
                raise UserError(
                    f"Unknown rendered_chairs config {config!r}: use one of "
                    f"{', '.join(c.name for c in self.BUILDER_CONFIGS)}."
                )
            listed = make_config(base.resolution, read_chair_list(chair_list))
            config = _LIST_CONFIGS.setdefault(listed.name, listed).name
        super().__init__(config=config, **kwargs)

    @classmethod
    def get_builder_config(cls, name, version=None):
        """A predefined config, or one made from a chair list in this process."""
        return super().get_builder_config(name, version) or _LIST_CONFIGS.get(name)

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self,
            description=__doc__.split("\n\n")[0] + " " + self.builder_config.description,
            # The chair names are only known once the manual dir is listed.
            features=chair_features(self.builder_config.resolution, with_chair_name=True),
            homepage=HOMEPAGE,
            citation=_CITATION,
            metadata=tfds.core.MetadataDict(),
        )

    def _split_generators(self, dl_manager):
        try:
            manual_dir = dl_manager.manual_dir
        except AssertionError as e:
            match = re.search(r"Manual directory (.*?) does not exist or is empty", str(e))
            where = match.group(1) if match else "The manual directory"
            raise UserError(
                f"{where} does not exist or is empty: rendered_chairs is built from "
                f"your own copy of the data. "
                + " ".join(self.MANUAL_DOWNLOAD_INSTRUCTIONS.split())
            ) from None
        source = _open_source(manual_dir)
        chairs = _index(source)
        wanted = self.builder_config.chair_list or tuple(sorted(chairs))
        unknown = [name for name in wanted if name not in chairs]
        if unknown:
            raise UserError(
                f"The chair list names {len(unknown)} chair(s) that {source.where} does "
                f"not hold, e.g. {', '.join(unknown[:3])}: fix the list or the data."
            )
        skipped = {
            name: len(chairs[name]) for name in wanted
            if len(chairs[name]) != chair_views.NUM_VIEWS
        }
        for name, count in skipped.items():
            logging.warning(
                "rendered_chairs: chair %s has %d of %d views; skipped.",
                name, count, chair_views.NUM_VIEWS,
            )
        names = [name for name in wanted if name not in skipped]
        if not names:
            raise UserError(
                f"Every chair in {source.where} has views missing, so there is "
                f"nothing to build: extract or download {ARCHIVE} again."
            )
        self.info.features["chair_id"].names = names
        self.info.metadata["skipped_chairs"] = skipped
        self.info.metadata["source"] = source.where
        return {"train": self._generate_examples(source, names, chairs)}

    def _generate_examples(self, source, names, chairs):
        resolution = self.builder_config.resolution
        azimuths, elevations = chair_views.standard_views()
        progress = Progress(f"rendered_chairs/{self.builder_config.name}", len(names), "chairs")
        # PIL decodes without the GIL: decode a chair's views in parallel.
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
            for chair_id, name in enumerate(names):
                paths = [chairs[name][v] for v in range(chair_views.NUM_VIEWS)]
                where = [source.describe(p) for p in paths]
                views = list(pool.map(_decode, [source.read(p) for p in paths], where))
                shapes = {v.shape for v in views}
                if len(shapes) != 1:
                    raise UserError(
                        f"The views of chair {name} differ in size ({sorted(shapes)}); "
                        f"they must share one frame: extract {ARCHIVE} again."
                    )
                cropped = crop_views(np.stack(views), resolution)
                if cropped is None:
                    raise UserError(
                        f"All views of chair {name} are white (e.g. {where[0]}): the "
                        f"renders are damaged; extract {ARCHIVE} again or leave the "
                        f"chair out with a chair list."
                    )
                images, masks = cropped
                for view in range(chair_views.NUM_VIEWS):
                    yield f"{name}_{view:02d}", {
                        "image": images[view],
                        "mask": masks[view],
                        "chair_id": chair_id,
                        "chair_name": name,
                        "azimuth": azimuths[view],
                        "elevation": elevations[view],
                        "view_index": view,
                    }
                progress.update()
