"""Zeiler & Fergus' feature sheets: for each feature map, its top 9
projections beside the image patches they come from.

For every activation `gen.deconvnet.top_activations` kept, the sheet shows
its deconvnet projection and the image patch it comes from: its receptive
field, computed from the kernel sizes, strides and paddings of the layers
below (`gen.deconvnet.receptive_field`). The picture for a feature map is a
3x3 grid of projections beside the 3x3 grid of the matching image patches,
as in their Figure 2.

Projections are shown as Zeiler & Fergus did, contrast-normalised one by one
around grey: ``0.5 + p / (2 max |p|)``, so zero is mid-grey and the sign and
colour of the signal show.

Example:

>>> deconv = DeconvNet(model, "conv2")
>>> top = top_activations.find_top_activations(deconv, batches)
>>> summary = write_layer_grids(deconv, top, "runs/vis")
"""

import math
import os

import numpy as np
from PIL import Image, ImageDraw

from gen.deconvnet import top_activations
from gen.errors import UserError
from gen.pictures import atomic_files, figures, grids

MIN_TILE = 48  # tiles are enlarged (nearest neighbour) to at least this size
OUTSIDE = 0.5  # grey where a receptive field leaves the image
BLOCK_GAP = 6  # pixels between the projections and the patches of a feature
CAPTION = 14  # pixels of caption above each feature's block
BACKGROUND = 255


def display_box(field, y, x, image_hw):
    """(top, left, bottom, right) of the tile to show for activation (y, x):
    its receptive field, moved inside the image where it sticks out (the
    part outside is zero padding and contributes nothing), or the whole
    image where the field is larger."""
    box = []
    top, left, _, _ = field.box(y, x)
    for start, size, limit in zip((top, left), field.size, image_hw):
        size = min(size, limit)
        start = min(max(start, 0), limit - size)
        box.append((start, start + size))
    return box[0][0], box[1][0], box[0][1], box[1][1]


def normalise_projection(projection):
    """Zeiler & Fergus' display: ``0.5 + p / (2 max |p|)`` (grey = 0)."""
    peak = np.abs(projection).max()
    if peak == 0:
        return np.full(projection.shape, 0.5, np.float32)
    return (0.5 + projection / (2 * peak)).astype(np.float32)


def feature_tiles(top, projections, field):
    """(projection tiles, patch tiles) as float RGB arrays (F, k, h, w, 3):
    the receptive-field crops, projections normalised for display, tiles
    enlarged to at least `MIN_TILE` pixels."""
    image_hw = top.images.shape[2:4]
    h, w = (min(s, limit) for s, limit in zip(field.size, image_hw))
    scale = grids.tile_scale(max(h, w), MIN_TILE)
    shape = top.scores.shape + (h * scale, w * scale, 3)
    projection_tiles = np.full(shape, OUTSIDE, np.float32)
    patch_tiles = np.full(shape, OUTSIDE, np.float32)
    for (j, slot), i in np.ndenumerate(top.image_ids):
        if i < 0:
            continue
        t, l, b, r = display_box(field, *top.positions[j, slot], image_hw)
        projection = normalise_projection(projections[j, slot, t:b, l:r])
        patch = top.images[j, slot, t:b, l:r]
        projection_tiles[j, slot] = grids.enlarge(grids.as_rgb(projection), scale)
        patch_tiles[j, slot] = grids.enlarge(grids.as_rgb(patch), scale)
    return projection_tiles, patch_tiles


def compose_sheet(top, projection_tiles, patch_tiles, columns=4, title=""):
    """One picture for the layer: for every feature map, a caption above its
    3x3 projections (left) and 3x3 image patches (right); `columns` feature
    maps per row. Returns uint8 (H, W, 3)."""
    side = int(math.isqrt(top.scores.shape[1]))
    rows_of_tiles = math.ceil(top.scores.shape[1] / side)
    blocks = []
    for j, feature in enumerate(top.features):
        left = grids.grid(projection_tiles[j], rows_of_tiles, side)
        right = grids.grid(patch_tiles[j], rows_of_tiles, side)
        gap = np.full((left.shape[0], BLOCK_GAP, 3), BACKGROUND, np.uint8)
        body = np.concatenate([left, gap, right], axis=1)
        caption = np.full((CAPTION, body.shape[1], 3), BACKGROUND, np.uint8)
        blocks.append((np.concatenate([caption, body]), feature, top.scores[j, 0]))
    block_h, block_w = blocks[0][0].shape[:2]
    margin = 2 * BLOCK_GAP
    font = figures.font(CAPTION - 3)
    width = min(columns, len(blocks)) * (block_w + margin) + margin
    title_lines = figures.wrap(title, font, width - 2 * margin) if title else []
    header = (len(title_lines) * CAPTION + CAPTION // 2) if title else 0
    grid_rows = math.ceil(len(blocks) / columns)
    sheet = np.full(
        (header + grid_rows * (block_h + margin) + margin, width, 3),
        BACKGROUND,
        np.uint8,
    )
    places = []
    for n, (block, _, _) in enumerate(blocks):
        r, c = divmod(n, columns)
        y = header + margin + r * (block_h + margin)
        x = margin + c * (block_w + margin)
        sheet[y : y + block_h, x : x + block_w] = block
        places.append((x, y))
    picture = Image.fromarray(sheet)
    draw = ImageDraw.Draw(picture)
    for n, line in enumerate(title_lines):
        draw.text((margin, margin // 2 + n * CAPTION), line, fill=(0, 0, 0), font=font)
    for (x, y), (_, feature, score) in zip(places, blocks):
        draw.text(
            (x + 1, y),
            f"{top.layer_name} #{feature}  (top activation {score:.3g})",
            fill=(0, 0, 0),
            font=font,
        )
    return np.asarray(picture)


def write_layer_grids(deconv, top, out_dir, to_model=None, columns=4):
    """Writes ``<layer>.png`` (the sheet) and ``<layer>.json`` (what every
    tile shows) for the feature maps of `top` under `out_dir`.

    Returns:
        The dict written to the JSON file.
    """
    if len(top.features) == 0:
        raise UserError(
            f"Layer '{top.layer_name}' has no feature map that "
            f"is ever above zero on these {top.num_images} "
            "images: nothing to show."
        )
    field = deconv.receptive_field()
    projections = top_activations.project_top(deconv, top, to_model)
    projection_tiles, patch_tiles = feature_tiles(top, projections, field)
    k = top.scores.shape[1]
    title = (
        f"{top.layer_name}: top {k} of {top.num_images} images per "
        f"feature map. Left: deconvnet projections of the activation; "
        f"right: the image patches they come from "
        f"({min(field.size[0], top.images.shape[2])}x"
        f"{min(field.size[1], top.images.shape[3])} px)."
    )
    sheet = compose_sheet(top, projection_tiles, patch_tiles, columns, title)
    png = os.path.join(out_dir, f"{top.layer_name}.png")
    atomic_files.write_png(png, sheet)
    summary = {
        "layer": top.layer_name,
        "title": title,
        "num_images": top.num_images,
        "receptive_field": {
            "size": list(field.size),
            "stride": list(field.stride),
            "start": list(field.start),
        },
        "png": os.path.basename(png),
        "features": [
            {
                "feature": int(feature),
                "tiles": [
                    {
                        "image": str(top.names[j, s]),
                        "activation": float(top.scores[j, s]),
                        "position": [int(v) for v in top.positions[j, s]],
                        "box": [
                            int(v)
                            for v in display_box(
                                field, *top.positions[j, s], top.images.shape[2:4]
                            )
                        ],
                    }
                    for s in range(k)
                    if top.image_ids[j, s] >= 0
                ],
            }
            for j, feature in enumerate(top.features)
        ],
    }
    atomic_files.write_json(os.path.join(out_dir, f"{top.layer_name}.json"), summary)
    return summary
