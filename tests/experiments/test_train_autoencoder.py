"""`python -m experiments.train_autoencoder`: a tiny run end to end, and errors."""

import json

import numpy as np
import pytest
from PIL import Image

from gen.data import chairs_data, splits
from gen.deconvnet import train_autoencoder
from gen.models import tied_autoencoder
from gen.pictures import figures, grids
from tests.label_strips import assert_row_label
from tests.scripts import assert_user_error, run_script


@pytest.mark.slow(seconds=22)
def test_trains_both_autoencoders_and_compares_them(tmp_path):
    data_dir, workdir = tmp_path / "data", tmp_path / "ae"
    data_dir.mkdir()
    result = run_script(
        "train_autoencoder",
        f"--workdir={workdir}",
        f"--data_dir={data_dir}",
        "--resolution=32",
        "--filters=4,8",
        "--num_chairs=2",
        "--epochs=1",
        "--batch_size=16",
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in workdir.iterdir()) == [
        "checkpoints",
        "config.json",
        "fixed_corner_autoencoder.keras",
        "logs",
        "mse.json",
        "mse.md",
        "reconstructions.png",
        "switch_autoencoder.keras",
    ]
    assert sorted(p.name for p in (workdir / "logs").iterdir()) == [
        "fixed_corner",
        "switch",
    ]

    summary = json.loads((workdir / "mse.json").read_text())
    assert summary["num_train"] == 96 and summary["num_heldout"] == 28
    data = chairs_data.load_chairs(
        "synthetic_chairs", data_dir=str(data_dir), resolution=32, num_chairs=2
    )
    heldout = splits.select(data, holdout="views", subset="eval")
    heldout = heldout.images.astype(np.float32) / 255
    shown = heldout[np.unique(np.linspace(0, 27, 10).round().astype(int))]
    rows = [shown]
    for unpooling in tied_autoencoder.UNPOOLINGS:
        model = tied_autoencoder.load_autoencoder(
            str(workdir / f"{unpooling}_autoencoder.keras")
        )
        assert [w.path for w in model.weights] == [
            "conv1/kernel",
            "conv1/bias",
            "conv1/transpose_bias",
            "conv2/kernel",
            "conv2/bias",
            "conv2/transpose_bias",
        ]
        reconstructions = model.predict(heldout, verbose=0)
        mse = float(np.mean((reconstructions.astype(np.float64) - heldout) ** 2))
        result_row = summary["results"][unpooling]
        assert result_row["heldout_mse"] == pytest.approx(mse, rel=1e-5)
        assert result_row["heldout_psnr_db"] == pytest.approx(
            10 * np.log10(1 / mse), rel=1e-5
        )
        rows.append(model.predict(shown, verbose=0))
    assert (workdir / "mse.md").read_text() == train_autoencoder.mse_table(
        summary["results"]
    )
    assert "| switch | " in result.stdout

    # Rows labelled on the left; 32x32 images shown at 64x64.
    picture = np.asarray(Image.open(workdir / "reconstructions.png"))
    tile, left = 64, 100
    assert figures.ROW_LABEL_WIDTH == left
    assert picture.shape == (3 * 66 + 2, left + 10 * 66 + 2, 3)
    expected = grids.grid(grids.enlarge(grids.to_uint8(np.concatenate(rows)), 2), 3, 10)
    np.testing.assert_array_equal(picture[:68, left:], expected[:68])  # the inputs
    assert np.abs(picture[:, left:].astype(int) - expected).max() <= 1
    for row, label in enumerate(
        ["input", "switch\nunpooling", "fixed-corner\nunpooling"]
    ):
        assert_row_label(picture, row, label, tile, top=0)
    # Every file and folder it wrote, listed.
    for name in sorted(p.name for p in workdir.iterdir()):
        assert f"wrote {workdir / name}: " in result.stdout
    assert (
        f"wrote {workdir / 'reconstructions.png'}: 10 held-out images above their "
        "reconstructions with switch unpooling and fixed-corner unpooling"
    ) in result.stdout


def test_bad_flags_exit_2_without_traceback(tmp_path):
    # Config errors are tested in tests/gen/deconvnet/test_train_autoencoder.py;
    # this one is refused before TensorFlow loads.
    result = run_script(
        "train_autoencoder", f"--workdir={tmp_path / 'ae'}", "--filters=4,x"
    )
    assert_user_error(
        result, "error: --filters must be ints separated by commas, got '4,x'."
    )
    assert not (tmp_path / "ae").exists()
