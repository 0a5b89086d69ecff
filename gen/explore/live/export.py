"""`--export=DIR`: the explorer as a folder that works opened from disk
(``file://``), no server.

    DIR/index.html             the page (script, style and data inlined)
    DIR/frames/thumbs.png      the exported chairs, one row
    DIR/frames/chair_C.png     chair C: rows = the trained elevations,
                               columns = 124 azimuths k * 360 / 124; each
                               tile is image | mask (R x 2R)
    DIR/frames/morph_C.png     chair C morphing into the next exported chair
                               (the last into the first): rows = 9 weights
                               0, 1/8, ..., 1, columns = every 4th of those
                               azimuths, at the first trained elevation
    DIR/frames/real_C.png      chair C's real views, one row, in the page's
                               list order

The page's sliders move over these positions only. New chairs and the
transformation sliders need the live server. Every file is written to a
temporary name and renamed into place; the folder may exist (its files are
replaced).
"""

import os

import numpy as np

from gen.explore.live import page
from gen.explore.live.explore_config import MORPH_STRIDE
from gen.explore.live.requests import View
from gen.models import generator_io
from gen.pictures import atomic_files

AZIMUTHS = 124
MORPH_WEIGHTS = 9


def _sheet(renderer, views, rows):
    """The frames (image | mask) of `views` (row-major) as one sheet: the
    live page's pixels (`Renderer.draw_frames`)."""
    tiles = np.stack(renderer.draw_frames(views))
    r = renderer.resolution
    columns = len(views) // rows
    tiles = tiles.reshape(rows, columns, r, 2 * r, 3)
    return tiles.transpose(0, 2, 1, 3, 4).reshape(rows * r, columns * 2 * r, 3)


def export(
    renderer,
    opened,
    out,
    chairs,
    progress=print,
    azimuths=AZIMUTHS,
    morph_weights=MORPH_WEIGHTS,
    morph_stride=MORPH_STRIDE,
):
    """Writes the folder for the first `chairs` chairs; returns its size in
    bytes. `azimuths` around the circle, `morph_weights` from 0 to 1, and
    every `morph_stride`-th azimuth in the morph sheets (it divides
    `azimuths`)."""
    chairs = min(chairs, renderer.num_classes)
    frames = os.path.join(out, "frames")
    zero = (0.0,) * renderer.theta_width
    angles = generator_io.turntable_azimuths(azimuths)
    atomic_files.write_png(
        os.path.join(frames, "thumbs.png"), renderer.thumbnails(range(chairs))
    )
    real_views = renderer.real_views()
    for c in range(chairs):
        views = [
            View(chair=c, azimuth=float(a), elevation=e, theta=zero)
            for e in renderer.elevations
            for a in angles
        ]
        atomic_files.write_png(
            os.path.join(frames, f"chair_{c}.png"),
            _sheet(renderer, views, len(renderer.elevations)),
        )
        morph = [
            View(
                chair=c,
                chair2=(c + 1) % chairs,
                morph=k / (morph_weights - 1),
                azimuth=float(a),
                elevation=renderer.elevations[0],
                theta=zero,
            )
            for k in range(morph_weights)
            for a in angles[::morph_stride]
        ]
        atomic_files.write_png(
            os.path.join(frames, f"morph_{c}.png"),
            _sheet(renderer, morph, morph_weights),
        )
        if real_views is not None and real_views[c]:
            rows = [v[0] for v in real_views[c]]
            atomic_files.write_png(
                os.path.join(frames, f"real_{c}.png"),
                np.concatenate(list(renderer.data.images[rows]), axis=1),
            )
        progress(f"exported chair {c + 1} of {chairs}")
    data = page.page_data(renderer, opened, "static", new_chair=False)
    data["theta_names"] = []  # the export holds untransformed frames only
    if real_views is not None:
        data["real_views"] = real_views[:chairs]
    data["static"] = {
        "chairs": chairs,
        "azimuths": azimuths,
        "morph_weights": morph_weights,
        "morph_stride": morph_stride,
    }
    atomic_files.write_text(os.path.join(out, "index.html"), page.render_page(data))
    return folder_size(out)


def folder_size(folder):
    """The bytes of every file under `folder`."""
    return sum(
        os.path.getsize(os.path.join(d, f))
        for d, _, files in os.walk(folder)
        for f in files
    )
