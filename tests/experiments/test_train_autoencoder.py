"""`python -m experiments.train_autoencoder`: a tiny run end to end, and errors."""

import json

import numpy as np
import pytest
from PIL import Image

from gen.data import chairs_data, splits
from gen.deconvnet import train_autoencoder
from gen.models import tied_autoencoder
from gen.pictures import grids
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

    picture = np.asarray(Image.open(workdir / "reconstructions.png"))
    expected = grids.grid(np.concatenate(rows), 3, 10)
    assert picture.shape == expected.shape == (3 * 34 + 2, 10 * 34 + 2, 3)
    np.testing.assert_array_equal(picture[:36], expected[:36])  # the inputs
    assert np.abs(picture.astype(int) - expected).max() <= 1


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
