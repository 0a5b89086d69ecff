"""`python -m experiments.evaluate` end to end on a tiny trained run."""

import json
import os
import shutil
import zipfile

from PIL import Image

from gen import checkerboard
from tests.experiments.scripts import assert_user_error, run_script


def test_table_and_checkerboard(explore_runs):
    result, out = explore_runs.result("evaluate")
    assert result.returncode == 0, result.stderr
    for name in ("evaluation.json", "evaluation.md", "checkerboard.png"):
        assert f"wrote {os.path.join(out, name)}" in result.stdout
    with open(os.path.join(out, "evaluation.json")) as f:
        table = json.load(f)
    assert table["holdout"] == "views"
    train, heldout = (table["subsets"][k] for k in ("train_views",
                                                    "heldout_views"))
    assert (train["images"], heldout["images"]) == (3 * 48, 3 * 14)
    for entry in (train, heldout):
        assert set(entry) >= {"mse", "psnr", "ssim", "mask_iou"}
        assert 0 <= entry["mse"] <= 1 and -1 <= entry["ssim"] <= 1
    uconvs = ["mask_uconv1", "rgb_uconv1", "mask_uconv2", "rgb_uconv2"]
    assert set(table["checkerboard"]) == set(uconvs) | {
        "uniform_kernel_reference"}
    with open(os.path.join(out, "evaluation.md")) as f:
        text = f.read()
    assert "| training views | 144 | 3 |" in text
    assert "| held-out views | 42 | 3 |" in text
    assert "| baseline: nearest training view | 42 | 3 |" in text
    assert "| `rgb_uconv1` | 5x5 / 2x2 |" in text
    assert "| training views | 144 | 3 |" in result.stdout
    with Image.open(os.path.join(out, "checkerboard.png")) as picture:
        rows = len(uconvs)
        assert picture.size[1] > rows * checkerboard.CROP * 8


def test_bad_runs_exit_2_with_one_paragraph(tiny_run, tmp_path):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    shutil.copy(os.path.join(tiny_run, "config.json"), damaged)
    with zipfile.ZipFile(damaged / "generator.keras", "w") as archive:
        archive.writestr("config.json", "{")
    for args, message in [
        ([f"--generator={os.path.join(tiny_run, 'generator.keras')}"],
         "experiments.evaluate needs the real chair images"),
        ([f"--workdir={damaged}"],
         "generator.keras is damaged or not a Keras model: it lacks "
         "metadata.json, model.weights.h5"),
        ([f"--workdir={tiny_run}", "--num_chairs=5"],
         "--num_chairs cannot be used with --workdir"),
    ]:
        result = run_script("evaluate", f"--out={tmp_path / 'o'}", *args)
        assert_user_error(result, message)
        assert not (tmp_path / "o").exists()
