"""Labelled image grids: tiles with a caption above every column and beside
every row, so that a picture written by an experiment explains itself.

The layout is fixed by a few constants (no measuring of text), so the size
of a figure follows from its rows, columns and tile size alone
(`figure_size`):

    height = [TITLE_HEIGHT] + [HEADER_HEIGHT] + rows * (tile + GUTTER) + GUTTER
    width  = [ROW_LABEL_WIDTH] + cols * (tile + GUTTER) + GUTTER

(bracketed terms only when there is a title, column labels, row labels;
with a label on every tile, each row is HEADER_HEIGHT taller), with
``tile = R * scale``. Small images are enlarged (nearest neighbour) to
at least `grids.MIN_TILE` pixels so that 32x32 chairs can be seen; labels too long
for their space are cut with an ellipsis.
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from gen.pictures import grids

GUTTER = grids.GUTTER
TITLE_HEIGHT = 18
HEADER_HEIGHT = 15
ROW_LABEL_WIDTH = 100
FONT_SIZE = 11
LINE_HEIGHT = 13  # row labels may have several lines ("\n")
PAPER = 255  # the labels' background
INK = (0, 0, 0)


def font(size=FONT_SIZE):
    """Pillow's default font at `size` pixels (its one bitmap size on
    Pillow < 10.1)."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:
        return ImageFont.load_default()


def wrap(text, font, width):
    """`text` broken at spaces into lines no wider than `width` pixels."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            candidate = word
        line = candidate
    return lines + [line] if line else lines


def _fit(draw, text, font, width):
    """`text`, cut with an ellipsis until it is at most `width` pixels wide."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def labelled_grid(
    images,
    rows,
    cols,
    *,
    row_labels=None,
    col_labels=None,
    tile_labels=None,
    title=None,
    scale=None,
):
    """Tiles `images` (row-major, (rows * cols, R, R, 3), float in [0, 1] or
    uint8) into one uint8 picture with optional captions.

    Args:
        images: the tiles; fewer than ``rows * cols`` leave the rest empty.
        rows, cols: the grid.
        row_labels: `rows` strings written left of the rows ("\n" starts a
            new line).
        col_labels: `cols` strings written above the columns.
        tile_labels: one string per tile (row-major), written in a band
            above each row of tiles (instead of `col_labels`).
        title: a line above everything.
        scale: enlargement of each tile (default: `tile_scale` of R).

    Returns:
        (H, W, 3) uint8, sized as the module docstring says; with
        `tile_labels` every row of tiles is `HEADER_HEIGHT` taller instead of
        one header above all.
    """
    images = grids.as_rgb(grids.to_uint8(images))
    if scale is None:
        scale = grids.tile_scale(images.shape[1])
    for name, labels, count in (
        ("row", row_labels, rows),
        ("column", col_labels, cols),
    ):
        if labels is not None and len(labels) != count:
            raise ValueError(f"{len(labels)} {name} labels for {count} {name}s.")
    if tile_labels is not None and col_labels is not None:
        raise ValueError("Give column labels or tile labels, not both.")
    if len(images) > rows * cols or (
        tile_labels is not None and len(tile_labels) > rows * cols
    ):
        raise ValueError(f"{len(images)} images do not fit a {rows}x{cols} grid.")
    images = grids.enlarge(images, scale)
    tile = images.shape[1]
    band = HEADER_HEIGHT if tile_labels is not None else 0
    top = (TITLE_HEIGHT if title else 0) + (
        HEADER_HEIGHT if col_labels is not None else 0
    )
    left = ROW_LABEL_WIDTH if row_labels is not None else 0
    pitch = band + tile + GUTTER  # from one row of tiles to the next
    sheet = np.full(
        (top + rows * pitch + GUTTER, left + cols * (tile + GUTTER) + GUTTER, 3),
        PAPER,
        np.uint8,
    )
    # The grid's own background (gutters, empty tiles) as grids.grid.
    sheet[top:, left:] = grids.GUTTER_VALUE
    for r in range(rows):  # the tile labels' bands are paper
        y = top + GUTTER + r * pitch
        sheet[y : y + band, left:] = PAPER
    for k, image in enumerate(images):
        r, c = divmod(k, cols)
        y = top + GUTTER + r * pitch + band
        x = left + GUTTER + c * (tile + GUTTER)
        sheet[y : y + tile, x : x + tile] = image
    picture = Image.fromarray(sheet)
    draw = ImageDraw.Draw(picture)
    face = font()
    if title:
        draw.text(
            (GUTTER + 2, 2),
            _fit(draw, title, face, sheet.shape[1] - 4),
            fill=INK,
            font=face,
        )
    if col_labels is not None:
        for c, label in enumerate(col_labels):
            x = left + GUTTER + c * (tile + GUTTER)
            draw.text(
                (x, top - HEADER_HEIGHT + 1),
                _fit(draw, str(label), face, tile + GUTTER),
                fill=INK,
                font=face,
            )
    for k, label in enumerate(tile_labels or ()):
        r, c = divmod(k, cols)
        x = left + GUTTER + c * (tile + GUTTER)
        draw.text(
            (x, top + GUTTER + r * pitch),
            _fit(draw, str(label), face, tile + GUTTER),
            fill=INK,
            font=face,
        )
    if row_labels is not None:
        for r, label in enumerate(row_labels):
            lines = str(label).split("\n")
            y = (
                top
                + GUTTER
                + r * pitch
                + band
                + tile // 2
                - LINE_HEIGHT * len(lines) // 2
            )
            for line in lines:
                draw.text(
                    (3, y),
                    _fit(draw, line, face, ROW_LABEL_WIDTH - 6),
                    fill=INK,
                    font=face,
                )
                y += LINE_HEIGHT
    return np.asarray(picture)


def figure_size(
    rows,
    cols,
    tile,
    *,
    row_labels=False,
    col_labels=False,
    tile_labels=False,
    title=False,
):
    """(height, width) of a `labelled_grid` with these parts."""
    band = HEADER_HEIGHT if tile_labels else 0
    height = (
        (TITLE_HEIGHT if title else 0)
        + (HEADER_HEIGHT if col_labels else 0)
        + rows * (band + tile + GUTTER)
        + GUTTER
    )
    width = (ROW_LABEL_WIDTH if row_labels else 0) + cols * (tile + GUTTER) + GUTTER
    return height, width


def degrees(value):
    """An angle for a label: whole degrees when it is one, else one decimal."""
    value = float(value)
    if abs(value - round(value)) < 0.05:
        return f"{value:.0f}°"
    return f"{value:.1f}°"


def angle_label(azimuth, elevation):
    """``"34°/20°"``: a view as azimuth/elevation."""
    return f"{degrees(azimuth)}/{degrees(elevation)}"
