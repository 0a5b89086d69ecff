"""Reading your copy of Aubry et al.'s rendered chairs (CVPR 2014): the file
names, chair lists, the folder or tar archive and its index, decoding, and
the crop, resize and masks of each chair's views (module docstring of
`gen.data.datasets.rendered_chairs`). Used by the `rendered_chairs` builder.
"""

import io
import os
import re
import tarfile

import numpy as np
from PIL import Image

from gen.data import chair_views
from gen.errors import UserError

ARCHIVE = "rendered_chairs.tar"
FOLDER = "rendered_chairs"
LAYOUT = f"{FOLDER}/<id>/renders/image_NNN_pEEE_tAAA_r096.png"
# Pixels whose channels are all at least 255 - WHITE_TOLERANCE are background.
WHITE_TOLERANCE = 3
HOMEPAGE = "https://www.di.ens.fr/willow/research/seeing3Dchairs/"
MANUAL_INSTRUCTIONS = f"""
Download {ARCHIVE} from the "Seeing 3D chairs" page ({HOMEPAGE}) and
put it, unchanged, or the {FOLDER}/ folder that
`tar xf {ARCHIVE}` makes, in the TFDS manual directory: by default
<data_dir>/downloads/manual/ (with TFDS's default data_dir:
~/tensorflow_datasets/downloads/manual/{ARCHIVE}), or another folder named
with `--manual_dir`: `python -m experiments.render_dataset
--dataset=rendered_chairs --manual_dir=<folder> --data_dir=<data_dir>
--resolution=<R> --out=real.png` builds them at R pixels into <data_dir>,
where training and the explore scripts then find them (in Python: the `manual_dir` argument of
`gen.data.chairs_data.load_chairs`, i.e.
`tfds.download.DownloadConfig(manual_dir=...)`).
"""

_FILE_NAME = re.compile(r"^image_(\d{3})_p(\d{3})_t(\d{3})_r(\d{3})\.png$")
_NAMING = (
    "image_NNN_pEEE_tAAA_r096.png, where EEE is the elevation 020 or 030, AAA the "
    "azimuth floor(360*j/31) for j = 0..30, and NNN is j (000..030) at p020 and "
    "32+j (032..062) at p030"
)


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
    square[:, y : y + height, x : x + width] = views[
        :, top : top + height, left : left + width
    ]
    size = (resolution, resolution)
    images = np.stack(
        [
            np.asarray(Image.fromarray(v).resize(size, Image.Resampling.BOX))
            for v in square
        ]
    )
    # The share of each output pixel that the chair covers, from the full-size
    # foreground: a mask of the resized image's non-white pixels would count
    # pixels the chair barely touches.
    coverage = np.stack(
        [
            np.asarray(
                Image.fromarray(f.astype(np.float32)).resize(size, Image.Resampling.BOX)
            )
            for f in foreground(square)
        ]
    )
    masks = coverage >= 0.5
    images[~masks] = 255
    return images, masks[..., None].astype(np.uint8)


def decode(data, where):
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


class FolderSource:
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


class TarSource:
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


def open_source(manual_dir):
    folder = os.path.join(os.fspath(manual_dir), FOLDER)
    archive = os.path.join(os.fspath(manual_dir), ARCHIVE)
    # The extracted folder is faster to read than the archive.
    if os.path.isdir(folder):
        return FolderSource(manual_dir)
    if os.path.isfile(archive):
        return TarSource(archive)
    raise UserError(
        f"Neither {archive} nor the folder {folder} exists. "
        + " ".join(MANUAL_INSTRUCTIONS.split())
    )


def index_chairs(source):
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
