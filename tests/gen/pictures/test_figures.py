"""Labelled grids: sizes follow the documented layout, tiles land in place."""

import numpy as np
import pytest

from gen.pictures import figures, grids


def _tiles(n, size=32):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def test_size_follows_the_layout():
    rows, cols = 3, 4
    tile = 32 * grids.tile_scale(32)
    assert tile == grids.MIN_TILE == 64
    for parts in (
        {},
        {"title"},
        {"row_labels"},
        {"col_labels"},
        {"tile_labels"},
        {"title", "row_labels", "col_labels"},
        {"title", "row_labels", "tile_labels"},
    ):
        kwargs = {}
        if "title" in parts:
            kwargs["title"] = "a title"
        if "row_labels" in parts:
            kwargs["row_labels"] = [f"row {r}\nsecond line" for r in range(rows)]
        if "col_labels" in parts:
            kwargs["col_labels"] = [f"col {c}" for c in range(cols)]
        if "tile_labels" in parts:
            kwargs["tile_labels"] = [f"#{k}" for k in range(rows * cols)]
        picture = figures.labelled_grid(_tiles(rows * cols), rows, cols, **kwargs)
        # The documented formula, spelled out.
        band = figures.HEADER_HEIGHT if "tile_labels" in parts else 0
        height = (
            (figures.TITLE_HEIGHT if "title" in parts else 0)
            + (figures.HEADER_HEIGHT if "col_labels" in parts else 0)
            + rows * (band + tile + figures.GUTTER)
            + figures.GUTTER
        )
        width = (
            (figures.ROW_LABEL_WIDTH if "row_labels" in parts else 0)
            + cols * (tile + figures.GUTTER)
            + figures.GUTTER
        )
        assert picture.shape == (height, width, 3), parts
        assert picture.shape[:2] == figures.figure_size(
            rows, cols, tile, **{p: True for p in parts}
        )


def test_tiles_land_in_place():
    tiles = _tiles(6, size=16)
    picture = figures.labelled_grid(
        tiles, 2, 3, row_labels=["a", "b"], col_labels=["x", "y", "z"], title="t"
    )
    scale = grids.tile_scale(16)
    tile = 16 * scale
    top = figures.TITLE_HEIGHT + figures.HEADER_HEIGHT
    for k, original in enumerate(tiles):
        r, c = divmod(k, 3)
        y = top + figures.GUTTER + r * (tile + figures.GUTTER)
        x = figures.ROW_LABEL_WIDTH + figures.GUTTER + c * (tile + figures.GUTTER)
        np.testing.assert_array_equal(
            picture[y : y + tile, x : x + tile], grids.enlarge(original, scale)
        )
    # With a label on every tile, each row of tiles moves down by a band.
    labelled = figures.labelled_grid(tiles, 2, 3, tile_labels=list("abcdef"))
    y = 2 * figures.GUTTER + tile + 2 * figures.HEADER_HEIGHT
    x = figures.GUTTER
    np.testing.assert_array_equal(
        labelled[y : y + tile, x : x + tile], grids.enlarge(tiles[3], scale)
    )
    # Without labels it is the plain grid.
    big = _tiles(5, size=64)
    np.testing.assert_array_equal(
        figures.labelled_grid(big, 2, 3), grids.grid(big, 2, 3)
    )


def test_labels_are_drawn_and_checked():
    picture = figures.labelled_grid(
        _tiles(2),
        1,
        2,
        row_labels=["a very long row label " * 5],
        col_labels=["x" * 60, "y"],
    )
    assert (picture[: figures.HEADER_HEIGHT] < 128).any()  # ink above
    assert (picture[:, : figures.ROW_LABEL_WIDTH] < 128).any()  # ink left
    with pytest.raises(ValueError, match="row labels"):
        figures.labelled_grid(_tiles(4), 2, 2, row_labels=["one"])
    with pytest.raises(ValueError, match="not both"):
        figures.labelled_grid(
            _tiles(4), 2, 2, col_labels=["a", "b"], tile_labels=list("abcd")
        )
    with pytest.raises(ValueError, match="do not fit"):
        figures.labelled_grid(_tiles(5), 2, 2)
    assert figures.angle_label(34, 20) == "34°/20°"
    assert figures.degrees(2.875) == "2.9°"
    assert figures.degrees(0.0) == "0°"
