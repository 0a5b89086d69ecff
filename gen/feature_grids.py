"""Zeiler & Fergus' feature pictures: the top 9 activations of each feature map.

For a layer of a trained convnet and a set of its feature maps, stream a
dataset through the network and keep, for every feature map, the 9 images
whose strongest activation of that map is largest (one entry per image).
Then, for each of those, project that single activation to pixel space with
the deconvnet (`gen.deconvnet`) and cut out the image patch it comes from:
its receptive field, computed from the kernel sizes, strides and paddings of
the layers below. The picture for a feature map is a 3x3 grid of projections
beside the 3x3 grid of the matching image patches, as in their Figure 2.

Projections are shown as Zeiler & Fergus did, contrast-normalised one by one
around grey: ``0.5 + p / (2 max |p|)``, so zero is mid-grey and the sign and
colour of the signal show.

Example:

>>> deconv = DeconvNet(model, "conv2")
>>> top = find_top_activations(deconv, batches(images, names, 64))
>>> summary = write_layer_grids(deconv, top, "runs/vis", num_features=16)
"""

import dataclasses
import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from gen import image_files
from gen.errors import UserError

TOP = 9  # images per feature map, shown 3x3
MIN_TILE = 48  # tiles are enlarged (nearest neighbour) to at least this size
OUTSIDE = 0.5  # grey where a receptive field leaves the image
BLOCK_GAP = 6  # pixels between the projections and the patches of a feature
CAPTION = 14  # pixels of caption above each feature's block
BACKGROUND = 255


@dataclasses.dataclass
class TopActivations:
    """The strongest activations of some feature maps over a set of images.

    Attributes:
        layer_name: the layer.
        features: (F,) indices of the feature maps.
        scores: (F, k) activations, largest first; -inf where fewer than k
            images were seen.
        image_ids: (F, k) position of each image in the stream; -1 if none.
        positions: (F, k, 2) (row, col) of the activation in its feature
            map ((0, 0) for a Dense layer).
        images: (F, k, H, W, C) the images, as streamed (float, [0, 1]).
        names: (F, k) their names ("" if none).
        num_images: how many images were streamed.
    """

    layer_name: str
    features: np.ndarray
    scores: np.ndarray
    image_ids: np.ndarray
    positions: np.ndarray
    images: np.ndarray
    names: np.ndarray
    num_images: int


def batches(images, names=None, batch_size=64):
    """(images, names) batches of an in-memory array, for
    `find_top_activations`."""
    names = [str(i) for i in range(len(images))] if names is None else names
    for start in range(0, len(images), batch_size):
        yield (images[start:start + batch_size],
               list(names[start:start + batch_size]))


def _identity(images):
    return images


def find_top_activations(deconv, image_batches, features=None, k=TOP,
                         to_model=None):
    """The `k` images that activate each feature map most, in one pass.

    Args:
        deconv: a `gen.deconvnet.DeconvNet` for the layer.
        image_batches: iterable of (images, names): float (B, H, W, C) in
            [0, 1] and B names.
        features: feature map indices (default: all of them).
        k: images to keep per feature map.
        to_model: maps [0, 1] images to the model's input range (default:
            unchanged).

    Returns:
        A `TopActivations`. Ties keep the earlier image.
    """
    to_model = to_model or _identity
    features = np.arange(deconv.num_features) if features is None else (
        np.asarray(features, int))
    if features.size == 0 or features.min() < 0 or (
            features.max() >= deconv.num_features):
        raise UserError(f"Feature indices must be in 0..{deconv.num_features - 1}"
                        f" (layer '{deconv.layer_name}' has "
                        f"{deconv.num_features} feature maps), got "
                        f"{features.tolist()}.")
    n = len(features)
    scores = np.full((n, k), -np.inf, np.float32)
    ids = np.full((n, k), -1, np.int64)
    positions = np.zeros((n, k, 2), np.int64)
    kept = {}  # image id -> (image, name), only for ids in `ids`
    seen = 0
    for images, names in image_batches:
        images = np.asarray(images, np.float32)
        acts = deconv.activations(to_model(images))
        b = len(images)
        maps = acts.reshape(b, -1, acts.shape[-1])[:, :, features]  # (B, P, n)
        where = maps.argmax(axis=1)  # first maximum in row-major order
        best = np.take_along_axis(maps, where[:, None, :], axis=1)[:, 0]
        width = acts.shape[2] if acts.ndim == 4 else 1
        rows, cols = np.divmod(where, width)
        all_scores = np.concatenate([scores, best.T], axis=1)
        all_ids = np.concatenate(
            [ids, np.broadcast_to(np.arange(seen, seen + b), (n, b))], axis=1)
        all_positions = np.concatenate(
            [positions, np.stack([rows.T, cols.T], axis=-1)], axis=1)
        order = np.argsort(-all_scores, axis=1, kind="stable")[:, :k]
        scores = np.take_along_axis(all_scores, order, axis=1)
        ids = np.take_along_axis(all_ids, order, axis=1)
        positions = np.take_along_axis(all_positions, order[..., None], axis=1)
        for i, (image, name) in enumerate(zip(images, names)):
            kept[seen + i] = (image, name)
        wanted = set(ids[ids >= 0].tolist())
        kept = {i: v for i, v in kept.items() if i in wanted}
        seen += b
    if seen == 0:
        raise UserError("There were no images to look for activations in.")
    shape = next(iter(kept.values()))[0].shape
    images = np.zeros((n, k) + shape, np.float32)
    names = np.full((n, k), "", object)
    for (j, slot), i in np.ndenumerate(ids):
        if i >= 0:
            images[j, slot], names[j, slot] = kept[i]
    return TopActivations(deconv.layer_name, features, scores, ids, positions,
                          images, names, seen)


def project_top(deconv, top, to_model=None):
    """The deconvnet projection of each kept activation on its own.

    Returns:
        float32 (F, k, H, W, C): for feature map `top.features[j]` and image
        slot s, the projection of that single activation (position
        `top.positions[j, s]`), every other activation of the layer zeroed.
        Zeros for empty slots.
    """
    to_model = to_model or _identity
    projections = np.zeros(top.images.shape, np.float32)
    for j, feature in enumerate(top.features):
        slots = np.flatnonzero(top.image_ids[j] >= 0)
        if slots.size == 0:
            continue
        inputs = to_model(top.images[j, slots])
        keep = np.zeros((len(slots),) + deconv.output_shape, np.float32)
        for row, slot in enumerate(slots):
            y, x = top.positions[j, slot]
            if deconv.is_spatial:
                keep[row, y, x, feature] = 1.0
            else:
                keep[row, feature] = 1.0
        projections[j, slots] = deconv.project_masked(inputs, keep)
    return projections


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


def _enlarge(tile, scale):
    return np.repeat(np.repeat(tile, scale, axis=0), scale, axis=1)


def feature_tiles(top, projections, field):
    """(projection tiles, patch tiles) as float RGB arrays (F, k, h, w, 3):
    the receptive-field crops, projections normalised for display, tiles
    enlarged to at least `MIN_TILE` pixels."""
    image_hw = top.images.shape[2:4]
    h, w = (min(s, limit) for s, limit in zip(field.size, image_hw))
    scale = max(1, math.ceil(MIN_TILE / max(h, w)))
    shape = top.scores.shape + (h * scale, w * scale, 3)
    projection_tiles = np.full(shape, OUTSIDE, np.float32)
    patch_tiles = np.full(shape, OUTSIDE, np.float32)
    for (j, slot), i in np.ndenumerate(top.image_ids):
        if i < 0:
            continue
        t, l, b, r = display_box(field, *top.positions[j, slot], image_hw)
        projection = normalise_projection(projections[j, slot, t:b, l:r])
        patch = top.images[j, slot, t:b, l:r]
        projection_tiles[j, slot] = _enlarge(image_files.as_rgb(projection),
                                             scale)
        patch_tiles[j, slot] = _enlarge(image_files.as_rgb(patch), scale)
    return projection_tiles, patch_tiles


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: one bitmap size
        return ImageFont.load_default()


def _wrap(text, font, width):
    """`text` broken into lines no wider than `width` pixels in `font`."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            candidate = word
        line = candidate
    return lines + [line] if line else lines


def compose_sheet(top, projection_tiles, patch_tiles, columns=4, title=""):
    """One picture for the layer: for every feature map, a caption above its
    3x3 projections (left) and 3x3 image patches (right); `columns` feature
    maps per row. Returns uint8 (H, W, 3)."""
    side = int(math.isqrt(top.scores.shape[1]))
    rows_of_tiles = math.ceil(top.scores.shape[1] / side)
    blocks = []
    for j, feature in enumerate(top.features):
        left = image_files.grid(projection_tiles[j], rows_of_tiles, side)
        right = image_files.grid(patch_tiles[j], rows_of_tiles, side)
        gap = np.full((left.shape[0], BLOCK_GAP, 3), BACKGROUND, np.uint8)
        body = np.concatenate([left, gap, right], axis=1)
        caption = np.full((CAPTION, body.shape[1], 3), BACKGROUND, np.uint8)
        blocks.append((np.concatenate([caption, body]), feature,
                       top.scores[j, 0]))
    block_h, block_w = blocks[0][0].shape[:2]
    margin = 2 * BLOCK_GAP
    font = _font(CAPTION - 3)
    width = min(columns, len(blocks)) * (block_w + margin) + margin
    title_lines = _wrap(title, font, width - 2 * margin) if title else []
    header = (len(title_lines) * CAPTION + CAPTION // 2) if title else 0
    grid_rows = math.ceil(len(blocks) / columns)
    sheet = np.full((header + grid_rows * (block_h + margin) + margin, width,
                     3), BACKGROUND, np.uint8)
    places = []
    for n, (block, _, _) in enumerate(blocks):
        r, c = divmod(n, columns)
        y = header + margin + r * (block_h + margin)
        x = margin + c * (block_w + margin)
        sheet[y:y + block_h, x:x + block_w] = block
        places.append((x, y))
    picture = Image.fromarray(sheet)
    draw = ImageDraw.Draw(picture)
    for n, line in enumerate(title_lines):
        draw.text((margin, margin // 2 + n * CAPTION), line, fill=(0, 0, 0),
                  font=font)
    for (x, y), (_, feature, score) in zip(places, blocks):
        draw.text((x + 1, y), f"{top.layer_name} #{feature}  (top "
                  f"activation {score:.3g})", fill=(0, 0, 0), font=font)
    return np.asarray(picture)


def choose_features(top, num_features):
    """The `num_features` feature maps with the largest top activations
    (dead maps, never above zero, left out), in index order: a
    `TopActivations` with only those."""
    alive = np.flatnonzero(top.scores[:, 0] > 0)
    strongest = alive[np.argsort(-top.scores[alive, 0], kind="stable")]
    chosen = np.sort(strongest[:num_features])
    return dataclasses.replace(
        top, features=top.features[chosen], scores=top.scores[chosen],
        image_ids=top.image_ids[chosen], positions=top.positions[chosen],
        images=top.images[chosen], names=top.names[chosen])


def write_layer_grids(deconv, top, out_dir, to_model=None, columns=4):
    """Writes ``<layer>.png`` (the sheet) and ``<layer>.json`` (what every
    tile shows) for the feature maps of `top` under `out_dir`.

    Returns:
        The dict written to the JSON file.
    """
    if len(top.features) == 0:
        raise UserError(f"Layer '{top.layer_name}' has no feature map that "
                        f"is ever above zero on these {top.num_images} "
                        "images: nothing to show.")
    field = deconv.receptive_field()
    projections = project_top(deconv, top, to_model)
    projection_tiles, patch_tiles = feature_tiles(top, projections, field)
    k = top.scores.shape[1]
    title = (f"{top.layer_name}: top {k} of {top.num_images} images per "
             f"feature map. Left: deconvnet projections of the activation; "
             f"right: the image patches they come from "
             f"({min(field.size[0], top.images.shape[2])}x"
             f"{min(field.size[1], top.images.shape[3])} px).")
    sheet = compose_sheet(top, projection_tiles, patch_tiles, columns, title)
    png = os.path.join(out_dir, f"{top.layer_name}.png")
    image_files.write_png(png, sheet)
    summary = {
        "layer": top.layer_name,
        "title": title,
        "num_images": top.num_images,
        "receptive_field": {"size": list(field.size),
                            "stride": list(field.stride),
                            "start": list(field.start)},
        "png": os.path.basename(png),
        "features": [{
            "feature": int(feature),
            "tiles": [{
                "image": str(top.names[j, s]),
                "activation": float(top.scores[j, s]),
                "position": [int(v) for v in top.positions[j, s]],
                "box": [int(v) for v in display_box(
                    field, *top.positions[j, s], top.images.shape[2:4])],
            } for s in range(k) if top.image_ids[j, s] >= 0],
        } for j, feature in enumerate(top.features)],
    }
    image_files.write_json(os.path.join(out_dir, f"{top.layer_name}.json"),
                           summary)
    return summary
