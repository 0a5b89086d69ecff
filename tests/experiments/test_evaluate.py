"""`python -m experiments.evaluate` end to end on a tiny trained run."""

import json
import os
import shutil
import zipfile

import pytest
from PIL import Image

from gen.evaluation import checkerboard, heldout_table
from tests.scripts import assert_user_error, run_script


def _assert_same(got, expected, where=""):
    """Equal structures; floats equal within the rounding of a second run."""
    if isinstance(expected, dict):
        assert sorted(got) == sorted(expected), where
        for key in expected:
            _assert_same(got[key], expected[key], f"{where}/{key}")
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), where
        for k, (a, b) in enumerate(zip(got, expected)):
            _assert_same(a, b, f"{where}[{k}]")
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-5, abs=1e-7), where
    else:
        assert got == expected, where


def test_table_and_checkerboard(explore_runs, tiny_generator_and_data):
    result, out = explore_runs.result("evaluate")
    assert result.returncode == 0, result.stderr
    # The run's recorded data folder is not there (a run copied from
    # another machine): the 3 synthetic chairs are rebuilt in the default
    # data folder, said in one line; the recorded path is left alone.
    recorded, default = explore_runs.recorded_data_dir, explore_runs.default_data_dir
    assert (
        f"The run's data directory {recorded} is not on this machine: the 3 "
        "synthetic chairs are rebuilt from the run's settings in the default "
        f"data folder {default} (--data_dir chooses another)." in result.stderr
    )
    assert os.path.isdir(os.path.join(default, "synthetic_chairs", "32px_3chairs"))
    assert not os.path.exists(recorded)
    for name in ("evaluation.json", "evaluation.md", "checkerboard.png"):
        assert f"wrote {os.path.join(out, name)}" in result.stdout
    with open(os.path.join(out, "evaluation.json")) as f:
        table = json.load(f)
    # The script's numbers are the library's on the same run and data.
    model, data = tiny_generator_and_data
    expected = heldout_table.evaluate(model, data, "views")
    assert table["holdout"] == expected["holdout"] == "views"
    assert (
        set(table["subsets"])
        == set(expected["subsets"])
        == {"train_views", "heldout_views", "nearest_view_baseline"}
    )
    _assert_same(table["subsets"], expected["subsets"], "subsets")
    _assert_same(
        table["heldout_by_azimuth"],
        expected["heldout_by_azimuth"],
        "heldout_by_azimuth",
    )
    train, heldout = (table["subsets"][k] for k in ("train_views", "heldout_views"))
    assert (train["images"], heldout["images"]) == (3 * 48, 3 * 14)
    uconvs = ["mask_uconv1", "rgb_uconv1", "mask_uconv2", "rgb_uconv2"]
    measured = checkerboard.measure(model)
    assert (
        set(table["checkerboard"])
        == set(measured)
        == set(uconvs) | {"uniform_kernel_reference"}
    )
    _assert_same(table["checkerboard"], measured, "checkerboard")
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
        (
            [f"--generator={os.path.join(tiny_run, 'generator.keras')}"],
            "experiments.evaluate needs the real chair images",
        ),
        (
            [f"--workdir={damaged}"],
            "generator.keras is damaged or not a Keras model: it lacks "
            "metadata.json, model.weights.h5",
        ),
        (
            [f"--workdir={tiny_run}", "--num_chairs=5"],
            "--num_chairs cannot be used with --workdir",
        ),
    ]:
        result = run_script("evaluate", f"--out={tmp_path / 'o'}", *args)
        assert_user_error(result, message)
        assert not (tmp_path / "o").exists()


def test_data_are_checked_before_any_are_built(tiny_run, tmp_path):
    bare = os.path.join(tiny_run, "generator.keras")
    empty = tmp_path / "data"
    empty.mkdir()
    # A run copied from elsewhere whose data are the user's own renders: its
    # missing data folder cannot be made again from its settings.
    copy = tmp_path / "copied_run"
    copy.mkdir()
    shutil.copy(bare, copy)
    record = json.loads(open(os.path.join(tiny_run, "config.json")).read())
    record["train"].update(dataset="rendered_chairs", num_chairs=None)
    record["train"]["data_dir"] = str(tmp_path / "gone")
    (copy / "config.json").write_text(json.dumps(record))
    for args, message in [
        (
            [f"--generator={bare}", f"--data_dir={empty}", "--num_chairs=100"],
            "--num_chairs=100 does not match the generator, which draws 3 chairs: "
            "give the number of chairs it was trained on (--num_chairs=3), or "
            "leave the flag out.",
        ),
        (
            [f"--workdir={copy}"],
            f"The run's data directory {tmp_path / 'gone'} does not exist here, "
            "and the rendered_chairs data cannot be rebuilt from settings: they "
            "are made from your own copy of Aubry et al.'s renders",
        ),
    ]:
        result = run_script("evaluate", f"--out={tmp_path / 'o'}", *args)
        assert_user_error(result, message)
    assert not any(empty.iterdir())  # nothing built
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copied_run", "data"]
