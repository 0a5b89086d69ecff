"""Where the labels of a `gen.pictures.figures.labelled_grid` must be, from
its layout constants, and the labels themselves drawn alone with the
figures' font: the tests of labelled pictures compare them with the strips
of the written picture."""

import numpy as np
from PIL import Image, ImageDraw

from gen.pictures import figures

# Above and below a row label's lines: room for the glyphs' ascent and
# descent.
MARGIN = 4


def _drawn(lines, width, height, x, y, line_height):
    """`lines` drawn in black on white, one under the other from (x, y)."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for k, line in enumerate(lines):
        draw.text((x, y + k * line_height), line, fill=(0, 0, 0), font=figures.font())
    return np.asarray(image)


def assert_row_label(picture, row, label, tile, top):
    """Row `row`'s label (lines split at "\\n") is drawn beside the row,
    centred on its tiles (`tile` pixels; the grid starts `top` pixels
    down), inside the `ROW_LABEL_WIDTH` strip."""
    lines = label.split("\n")
    centre = top + figures.GUTTER + row * (tile + figures.GUTTER) + tile // 2
    y = centre - figures.LINE_HEIGHT * len(lines) // 2 - MARGIN
    height = figures.LINE_HEIGHT * len(lines) + 2 * MARGIN
    expected = _drawn(
        lines, figures.ROW_LABEL_WIDTH, height, 3, MARGIN, figures.LINE_HEIGHT
    )
    assert (expected < 128).any()  # there is ink to compare
    np.testing.assert_array_equal(
        picture[y : y + height, : figures.ROW_LABEL_WIDTH], expected
    )


def assert_column_label(picture, col, label, tile, left):
    """Column `col`'s label is drawn in the `HEADER_HEIGHT` strip above it
    (no title; the grid starts `left` pixels across)."""
    x = left + figures.GUTTER + col * (tile + figures.GUTTER)
    width = tile + figures.GUTTER
    expected = _drawn([label], width, figures.HEADER_HEIGHT, 0, 1, 0)
    assert (expected < 128).any()
    np.testing.assert_array_equal(
        picture[: figures.HEADER_HEIGHT, x : x + width], expected
    )
