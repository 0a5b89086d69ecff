"""Opening runs and saved generators: what works and every refusal."""

import json
import os
import shutil
import zipfile

import keras
import numpy as np
import pytest

from gen.errors import UserError
from gen.explore import run_files


def test_a_finished_run_and_a_bare_generator_file_open(tiny_run):
    info = run_files.locate(workdir=tiny_run)
    assert info.workdir == tiny_run and info.num_classes == 3
    assert info.train.resolution == 32 and info.train.holdout == "views"
    assert info.generator_path == os.path.join(tiny_run, "generator.keras")
    model = run_files.load_generator(info.generator_path)
    assert run_files.num_classes_of(model) == 3
    assert run_files.resolution_of(model) == 32
    assert run_files.default_out(info, "render") == os.path.join(tiny_run, "render")
    x = {
        "class": np.eye(3, dtype="float32"),
        "view": np.ones((3, 4), "float32"),
        "transform": np.zeros((3, 8), "float32"),
    }
    assert model(x)["rgb"].shape == (3, 32, 32, 3)

    path = os.path.join(tiny_run, "generator.keras")
    info = run_files.locate(generator=path)
    assert info.workdir is None and info.train is None
    assert info.num_classes == 3  # the size of its "class" input, read unloaded
    assert run_files.default_out(info, "render") == os.path.join(
        tiny_run, "generator_render"
    )


def test_data_of_a_run_and_of_a_bare_file(tiny_run, chairs_data_dir, tmp_path):
    info = run_files.locate(workdir=tiny_run)
    source = run_files.data_source(info)
    assert source == run_files.DataSource(
        dataset="synthetic_chairs",
        data_dir=chairs_data_dir,
        num_chairs=3,
        holdout="views",
    )
    moved = run_files.data_source(info, data_dir="/elsewhere")
    assert moved.data_dir == "/elsewhere"
    with pytest.raises(UserError, match="--num_chairs cannot be used with --workdir"):
        run_files.data_source(info, num_chairs=5)
    model = run_files.load_generator(info.generator_path)
    data = run_files.load_data(source, model)
    assert data.num_classes == 3 and data.resolution == 32

    bare = run_files.locate(generator=info.generator_path)
    assert run_files.data_source(bare) is None
    with pytest.raises(UserError, match="needs the real chair images"):
        run_files.require_data(run_files.data_source(bare), "--real")
    given = run_files.data_source(bare, data_dir=chairs_data_dir)
    assert given.holdout == "views" and given.num_chairs == 3
    # What the file alone tells is checked before any data are built.
    with pytest.raises(
        UserError,
        match=r"--num_chairs=100 does not match the generator, which draws 3 "
        r"chairs: give the number of chairs it was trained on \(--num_chairs=3\)",
    ):
        run_files.data_source(bare, data_dir=chairs_data_dir, num_chairs=100)
    with pytest.raises(UserError, match="--num_chairs=2 does not match"):
        run_files.data_source(
            bare, dataset="rendered_chairs", data_dir=".", num_chairs=2
        )
    # The real datasets keep at most --num_chairs: more is not refused.
    assert (
        run_files.data_source(
            bare, dataset="rendered_chairs", data_dir=".", num_chairs=5
        ).num_chairs
        == 5
    )
    assert run_files.load_data(given, model).num_classes == 3
    with pytest.raises(UserError, match="--holdout must be one of"):
        run_files.data_source(bare, data_dir=chairs_data_dir, holdout="some")
    with pytest.raises(UserError, match="do not match the generator"):
        run_files.load_data(
            run_files.DataSource(data_dir=chairs_data_dir, num_chairs=2), model
        )


def test_a_missing_data_folder_is_made_when_its_data_can_be_rebuilt(tmp_path, capsys):
    folder = tmp_path / "new" / "tfds"
    source = run_files.DataSource(data_dir=str(folder), num_chairs=3)
    assert run_files.require_data(source, "--real") == source
    assert folder.is_dir() and not any(folder.iterdir())
    assert capsys.readouterr().err == (
        f"The data directory {folder} did not exist: created it; the 3 "
        "synthetic chairs are rebuilt there from their settings.\n"
    )
    run_files.require_data(source, "--real")  # there now: nothing said
    assert capsys.readouterr().err == ""
    real = run_files.DataSource(
        dataset="rendered_chairs", data_dir=str(tmp_path / "nowhere")
    )
    with pytest.raises(
        UserError,
        match=r"nowhere does not exist, and the rendered_chairs data cannot be "
        r"rebuilt from settings: they are made from your own copy of Aubry",
    ):
        run_files.require_data(real, "--real")
    assert not (tmp_path / "nowhere").exists()
    (tmp_path / "a_file").write_text("")
    with pytest.raises(UserError, match="a_file is a file, not a folder"):
        run_files.require_data(
            run_files.DataSource(data_dir=str(tmp_path / "a_file")), "--real"
        )
    with pytest.raises(UserError, match="does not exist and cannot be created"):
        run_files.require_data(
            run_files.DataSource(data_dir=str(tmp_path / "a_file" / "tfds")), "--real"
        )


def _copy_run(tiny_run, tmp_path, without=()):
    copy = tmp_path / "run"
    copy.mkdir()
    for name in ("config.json", "generator.keras"):
        if name not in without:
            shutil.copy(os.path.join(tiny_run, name), copy / name)
    return copy


def test_refusals(tiny_run, tmp_path):
    assert run_files.check_chair_ids([0, 2], 3) == [0, 2]
    with pytest.raises(
        UserError,
        match=r"unknown chair ids 3, 7; this "
        r"generator draws 3 chairs, ids 0..2",
    ):
        run_files.check_chair_ids([3, 1, 7], 3)
    with pytest.raises(UserError, match="unknown chair id -1"):
        run_files.check_chair_ids([-1], 3, flag="--chair")
    with pytest.raises(
        UserError, match="--workdir=<folder of a training run> or --generator"
    ):
        run_files.locate()
    with pytest.raises(UserError, match="one of the two"):
        run_files.locate(workdir=tiny_run, generator="x.keras")
    with pytest.raises(UserError, match="does not exist or is not a folder"):
        run_files.locate(workdir=str(tmp_path / "missing"))
    with pytest.raises(UserError, match="holds no config.json"):
        run_files.locate(workdir=str(tmp_path))
    unfinished = _copy_run(tiny_run, tmp_path, without=("generator.keras",))
    with pytest.raises(
        UserError, match="has no generator.keras yet: its training has not finished"
    ):
        run_files.locate(workdir=str(unfinished))
    (unfinished / "config.json").write_text("{not json")
    with pytest.raises(UserError, match="not a readable run configuration"):
        run_files.locate(workdir=str(unfinished))
    (unfinished / "config.json").write_text(
        json.dumps({"train": {"no_such_setting": 1}, "resolved": {"num_classes": 3}})
    )
    with pytest.raises(UserError, match="Unknown training settings"):
        run_files.locate(workdir=str(unfinished))
    with pytest.raises(UserError, match="does not exist"):
        run_files.locate(generator=str(tmp_path / "none.keras"))
    (tmp_path / "model.h5").write_bytes(b"x")
    with pytest.raises(UserError, match="not a .keras file"):
        run_files.locate(generator=str(tmp_path / "model.h5"))


def test_damaged_generators(tiny_run, tmp_path):
    run = _copy_run(tiny_run, tmp_path)
    path = run / "generator.keras"
    whole = open(os.path.join(tiny_run, "generator.keras"), "rb").read()
    path.write_bytes(whole[: len(whole) // 2])  # cut short
    with pytest.raises(UserError, match="damaged or not a Keras model"):
        run_files.locate(workdir=str(run))
    path.write_bytes(b"this is not a zip archive")
    with pytest.raises(UserError, match="damaged or not a Keras model"):
        run_files.locate(workdir=str(run))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{")
    with pytest.raises(UserError, match="it lacks metadata.json, model.weights.h5"):
        run_files.locate(workdir=str(run))
    with zipfile.ZipFile(os.path.join(tiny_run, "generator.keras")) as good:
        members = {name: good.read(name) for name in ("metadata.json", "config.json")}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", members["metadata.json"])
        archive.writestr("config.json", "{")
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(UserError, match="is damaged \\(JSONDecodeError"):
        run_files.locate(workdir=str(run))
    # Everything in place but the weights: only Keras can tell.
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("model.weights.h5", b"not HDF5")
    assert run_files.locate(workdir=str(run)).generator_path == str(path)
    with pytest.raises(UserError, match="could not be loaded as a Keras model"):
        run_files.load_generator(str(path))
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    other.save(tmp_path / "other.keras")
    with pytest.raises(UserError, match="not a chairs generator"):
        run_files.load_generator(str(tmp_path / "other.keras"))
