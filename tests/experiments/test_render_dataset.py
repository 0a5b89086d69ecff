"""`python -m experiments.render_dataset`: the contact sheet, and its errors."""

import numpy as np
import pytest
from PIL import Image

from gen.data import chair_family, ray_caster
from gen.pictures import figures, grids
from tests.gen.data import mesh_fixtures as fx
from tests.gen.data.mesh_fixtures import requires_opengl
from tests.label_strips import assert_column_label, assert_row_label
from tests.scripts import assert_user_error, run_script


def test_writes_a_labelled_sheet_of_styles_by_views(tmp_path):
    out = tmp_path / "sheets" / "chairs.png"
    result = run_script(
        "render_dataset",
        f"--out={out}",
        "--num_chairs=2",
        "--resolution=32",
        "--views=0,20,31",
    )
    assert result.returncode == 0, result.stderr
    assert "2 chairs (rows) x 3 views" in result.stdout
    assert "0/20, 232/20, 0/30" in result.stdout
    sheet = np.asarray(Image.open(out))
    # 32x32 chairs are shown at 64x64; a header of column labels above, a
    # strip of row labels on the left.
    tile, top, left = 64, 15, 100
    assert (figures.HEADER_HEIGHT, figures.ROW_LABEL_WIDTH) == (top, left)
    step = tile + grids.GUTTER
    assert sheet.shape == (
        top + 2 * step + grids.GUTTER,
        left + 3 * step + grids.GUTTER,
        3,
    )
    # Tile (row 1, column 1) is style 1 at view 20 (azimuth 232, elevation 20).
    image = ray_caster.render_chair(
        chair_family.chair_style(0, 1), [232.0], [20.0], resolution=32
    )[0][0]
    y, x = top + grids.GUTTER + step, left + grids.GUTTER + step
    np.testing.assert_array_equal(
        sheet[y : y + tile, x : x + tile], image.repeat(2, 0).repeat(2, 1)
    )
    for row, label in enumerate(["chair 0", "chair 1"]):
        assert_row_label(sheet, row, label, tile, top)
    for col, label in enumerate(["0°/20°", "232°/20°", "0°/30°"]):
        assert_column_label(sheet, col, label, tile, left)
    assert [p.name for p in out.parent.iterdir()] == ["chairs.png"]  # no temp file left


def test_bad_flags_are_one_paragraph_and_exit_2(tmp_path):
    result = run_script("render_dataset", f"--out={tmp_path / 'x.png'}", "--views=0,62")
    assert_user_error(result, "error: --views must be 'all' or view indices 0..61")
    # The real renders are the user's own: the error names where they go,
    # and the script's own flag for another folder.
    result = run_script(
        "render_dataset",
        f"--out={tmp_path / 'x.png'}",
        "--dataset=rendered_chairs",
        f"--data_dir={tmp_path}",
        "--resolution=32",
    )
    assert_user_error(
        result,
        f"{tmp_path / 'downloads' / 'manual'} does not exist or is empty: "
        "rendered_chairs is built from your own copy of the data.",
    )
    assert_user_error(
        result,
        "or another folder named with `--manual_dir`: `python -m "
        "experiments.render_dataset --dataset=rendered_chairs "
        "--manual_dir=<folder> --data_dir=<data_dir> --resolution=<R> "
        "--out=real.png` builds them at R pixels into <data_dir>",
    )
    assert not (tmp_path / "x.png").exists()


@requires_opengl
@pytest.mark.slow(seconds=20)
def test_mesh_renders_sheet_shows_the_category_asked_for(tmp_path):
    """`--dataset=mesh_renders --category=tables` shows the library's
    tables, not its chairs: the chair carries the red texture on its back's
    front (seen at azimuth 0), the table is the same box model without it."""
    obj, mtl = fx.chair_obj(texture="chair.png")
    manual = tmp_path / "data" / "downloads" / "manual" / "mesh_renders"
    manual.mkdir(parents=True)
    fx.write_library(
        str(manual / "Test.sh3f"),
        [
            {"name": "Oak chair", "creator": "Ann", "obj": obj, "mtl": mtl,
             "texture": fx.texture_png()},
            {"name": "Small table", "creator": "Bo", "obj": obj, "mtl": mtl},
        ],
    )  # fmt: skip
    reds = {}
    for category in ("chairs", "tables"):
        out = tmp_path / f"{category}.png"
        result = run_script(
            "render_dataset",
            f"--out={out}",
            "--dataset=mesh_renders",
            f"--category={category}",
            f"--data_dir={tmp_path / 'data'}",
            "--resolution=64",
            "--views=0",
        )
        assert result.returncode == 0, result.stderr
        assert "1 chairs (rows) x 1 views" in result.stdout
        sheet = np.asarray(Image.open(out)).astype(int)
        r, g, b = sheet[..., 0], sheet[..., 1], sheet[..., 2]
        red = (r > g + 50) & (r > b + 50)
        reds[category] = int(red.sum())
    # The textured back: hundreds of red pixels for the chair, none for the
    # table (which falls back to the material's grey).
    assert reds["chairs"] > 100 and reds["tables"] == 0, reds


def test_category_is_for_real_models_only(tmp_path):
    result = run_script(
        "render_dataset", f"--out={tmp_path / 'x.png'}", "--category=tables"
    )
    assert_user_error(
        result,
        "--category select real models, and synthetic_chairs draws its own: "
        "add --dataset=rendered_chairs or --dataset=mesh_renders, or leave them out.",
    )
    result = run_script(
        "render_dataset",
        f"--out={tmp_path / 'x.png'}",
        "--dataset=mesh_renders",
        "--category=beds",
    )
    assert_user_error(
        result,
        "--category must be one of chairs, tables, sofas, all, folder; got 'beds'.",
    )
