"""Training the generator: learning, resuming, refusing, stopping."""

import json
import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from gen.errors import UserError
from gen.training import train_config, trainer
from gen.training import workdir as workdir_files
from tests.conftest import TINY_RUN_FLAGS


def _config(data_dir, **overrides):
    return train_config.TrainConfig(data_dir=data_dir,
                                    **{**TINY_RUN_FLAGS, **overrides})


def _losses(workdir):
    with open(os.path.join(workdir, workdir_files.LOG_FILE)) as f:
        return [float(m.group(1)) for m in
                re.finditer(r"^step +\d+/\d+ +loss ([0-9.]+)", f.read(), re.M)]


def test_short_run_lowers_the_loss_and_writes_its_outputs(chairs_data_dir,
                                                          tmp_path):
    workdir = tmp_path / "run"
    config = _config(chairs_data_dir, steps=40, log_every=10, sample_every=20,
                     checkpoint_every=20, learning_rate=1e-3)
    result = trainer.train(config, str(workdir), echo=lambda line: None)
    assert result.step == 40
    losses = _losses(workdir)
    assert len(losses) == 4 and losses[-1] < 0.7 * losses[0], losses
    for name in ("config.json", "log.txt", "generator.keras", "metrics.json",
                 "heldout_views.png", "turntable.gif", "samples/step_0000020.png",
                 "samples/step_0000040.png"):
        assert (workdir / name).is_file(), name
    assert sorted(os.listdir(workdir / "tensorboard")) == ["heldout", "train"]
    stored = json.loads((workdir / "config.json").read_text())
    assert stored["train"]["steps"] == 40
    assert stored["resolved"]["precision"] == "float32"
    assert stored["resolved"]["num_classes"] == 3
    scores = json.loads((workdir / "metrics.json").read_text())
    assert scores["step"] == 40 and scores["heldout"]["images"] == 3 * 14


def test_saved_generator_equals_the_last_checkpoint(tiny_run, chairs_data_dir):
    import gen.models.chairs_generator  # noqa: F401  (registers the project's objects)
    import layers  # noqa: F401

    loaded = keras.models.load_model(os.path.join(tiny_run, "generator.keras"),
                                     safe_mode=True)
    config = _config(chairs_data_dir)
    model, optimizer = trainer.create_model_and_optimizer(config, 3, "float32",
                                                        False)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    checkpoint.restore(tf.train.latest_checkpoint(
        os.path.join(tiny_run, "checkpoints"))).assert_existing_objects_matched()
    assert int(optimizer.iterations.numpy()) == 12
    x = {"class": np.eye(3, dtype="float32"),
         "view": np.random.default_rng(0).normal(size=(3, 4)).astype("float32"),
         "transform": np.zeros((3, 8), "float32")}
    for key in ("rgb", "mask"):
        np.testing.assert_allclose(loaded(x)[key], model(x)[key], rtol=1e-5,
                                   atol=1e-6)


def test_running_again_resumes_and_finishes(tiny_run, chairs_data_dir):
    result = trainer.train(_config(chairs_data_dir), tiny_run,
                         echo=lambda line: None)
    assert result.step == 12
    with open(os.path.join(tiny_run, "log.txt")) as f:
        assert "already reached step 12" in f.read()


def test_refuses_a_workdir_holding_another_run(tiny_run, chairs_data_dir):
    before = open(os.path.join(tiny_run, "config.json")).read()
    with pytest.raises(UserError, match=r"different settings \(learning_rate="
                                        r"0.0005 there but 0.001 here\)"):
        trainer.train(_config(chairs_data_dir, learning_rate=1e-3), tiny_run)
    assert open(os.path.join(tiny_run, "config.json")).read() == before


def test_refuses_a_folder_that_is_not_a_run(tmp_path, chairs_data_dir):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty and holds no config.json"):
        trainer.train(_config(chairs_data_dir), str(tmp_path))
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_nan_loss_stops_at_its_step_and_keeps_good_checkpoints(chairs_data_dir,
                                                               tmp_path):
    config = _config(chairs_data_dir, learning_rate=1e9, steps=10,
                     checkpoint_every=1, keep_checkpoints=10)
    with pytest.raises(UserError, match=r"stopped being finite at step (\d+)") as e:
        trainer.train(config, str(tmp_path / "run"), echo=lambda line: None)
    bad = int(re.search(r"step (\d+)", str(e.value)).group(1))
    assert 2 <= bad <= 10
    saved = sorted(int(m.group(1)) for m in (
        re.match(r"ckpt-(\d+)\.index", f)
        for f in os.listdir(tmp_path / "run" / "checkpoints")) if m)
    assert saved == list(range(1, bad))
    assert not (tmp_path / "run" / "generator.keras").exists()


def test_mirrored_strategy_trains(chairs_data_dir, tmp_path):
    result = trainer.train(_config(chairs_data_dir, steps=2, strategy="mirrored",
                                 sample_every=2, checkpoint_every=2),
                         str(tmp_path / "m"), echo=lambda line: None)
    assert result.step == 2
