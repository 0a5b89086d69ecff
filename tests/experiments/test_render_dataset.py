"""`python -m experiments.render_dataset`: the contact sheet, and its errors."""

import numpy as np
from PIL import Image

from gen.data import chair_family, ray_caster
from gen.pictures import grids
from tests.scripts import assert_user_error, run_script


def test_writes_a_sheet_of_styles_by_views(tmp_path):
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
    step = 32 + grids.GUTTER
    assert sheet.shape == (2 * step + grids.GUTTER, 3 * step + grids.GUTTER, 3)
    # Tile (row 1, column 1) is style 1 at view 20 (azimuth 232, elevation 20).
    image = ray_caster.render_chair(
        chair_family.chair_style(0, 1), [232.0], [20.0], resolution=32
    )[0][0]
    y = x = grids.GUTTER + step
    np.testing.assert_array_equal(sheet[y : y + 32, x : x + 32], image)
    assert np.all(sheet[: grids.GUTTER] == grids.GUTTER_VALUE)
    assert [p.name for p in out.parent.iterdir()] == ["chairs.png"]  # no temp file left


def test_bad_flags_are_one_paragraph_and_exit_2(tmp_path):
    result = run_script("render_dataset", f"--out={tmp_path / 'x.png'}", "--views=0,62")
    assert_user_error(result, "error: --views must be 'all' or view indices 0..61")
    assert not (tmp_path / "x.png").exists()
