"""Training the generator: learning, resuming, refusing, stopping."""

import dataclasses
import json
import os
import pathlib
import re
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from gen.errors import UserError
from gen.training import callbacks, generator_model, time_budget, train_config, trainer
from gen.training import workdir as workdir_files
from tests.conftest import TINY_RUN_FLAGS


def _config(data_dir, **overrides):
    return train_config.TrainConfig(
        data_dir=data_dir, **{**TINY_RUN_FLAGS, **overrides}
    )


def _losses(workdir):
    with open(os.path.join(workdir, workdir_files.LOG_FILE)) as f:
        return [
            float(m.group(1))
            for m in re.finditer(r"^step +\d+/\d+ +loss ([0-9.]+)", f.read(), re.M)
        ]


@pytest.mark.slow(seconds=20)
def test_short_run_lowers_the_loss_and_writes_its_outputs(chairs_data_dir, tmp_path):
    workdir = tmp_path / "run"
    config = _config(
        chairs_data_dir,
        steps=40,
        log_every=10,
        sample_every=20,
        checkpoint_every=20,
        learning_rate=1e-3,
    )
    result = trainer.train(config, str(workdir), echo=lambda line: None)
    assert result.step == 40
    losses = _losses(workdir)
    assert len(losses) == 4 and losses[-1] < 0.7 * losses[0], losses
    for name in (
        "config.json",
        "log.txt",
        "generator.keras",
        "metrics.json",
        "heldout_views.png",
        "turntable.gif",
        "samples/step_0000020.png",
        "samples/step_0000040.png",
    ):
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

    loaded = keras.models.load_model(
        os.path.join(tiny_run, "generator.keras"), safe_mode=True
    )
    config = _config(chairs_data_dir)
    model, optimizer = generator_model.create_model_and_optimizer(
        config, 3, "float32", False
    )
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    checkpoint.restore(
        tf.train.latest_checkpoint(os.path.join(tiny_run, "checkpoints"))
    ).assert_existing_objects_matched()
    assert int(optimizer.iterations.numpy()) == 12
    x = {
        "class": np.eye(3, dtype="float32"),
        "view": np.random.default_rng(0).normal(size=(3, 4)).astype("float32"),
        "transform": np.zeros((3, 8), "float32"),
    }
    for key in ("rgb", "mask"):
        np.testing.assert_allclose(loaded(x)[key], model(x)[key], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("weight_decay, expected", [(0.0, None), (0.1, 0.1)])
def test_weight_decay_reaches_the_optimiser(chairs_data_dir, weight_decay, expected):
    config = _config(chairs_data_dir, weight_decay=weight_decay)
    _, optimizer = generator_model.create_model_and_optimizer(
        config, 3, "float32", False
    )
    assert optimizer.weight_decay == expected


@pytest.mark.parametrize("mask_loss_weight", [None, 7.0])
def test_mask_loss_weight_weighs_the_compiled_loss(chairs_data_dir, mask_loss_weight):
    config = _config(chairs_data_dir, mask_loss_weight=mask_loss_weight)
    model, _ = generator_model.create_model_and_optimizer(config, 3, "float32", False)
    rng = np.random.default_rng(0)
    x = {
        "class": np.eye(3, dtype="float32"),
        "view": rng.normal(size=(3, 4)).astype("float32"),
        "transform": np.zeros((3, 8), "float32"),
    }
    mask = (rng.random((3, 32, 32, 1)) > 0.5).astype("float32")
    y = {"rgb": rng.random((3, 32, 32, 3)).astype("float32") * mask, "mask": mask}
    scores = model.evaluate(x, y, batch_size=3, verbose=0, return_dict=True)
    # TINY_RUN_FLAGS' variant, 2s-E: the authors' weight of its squared error.
    weight = 0.1 if mask_loss_weight is None else mask_loss_weight
    np.testing.assert_allclose(
        scores["loss"], scores["rgb_loss"] + weight * scores["mask_loss"], rtol=1e-5
    )


def test_running_again_resumes_and_finishes(tiny_run, chairs_data_dir, tmp_path):
    workdir = _copy_run(tiny_run, tmp_path)
    result = trainer.train(_config(chairs_data_dir), workdir, echo=lambda line: None)
    assert result.step == 12
    with open(os.path.join(workdir, "log.txt")) as f:
        assert "already reached step 12" in f.read()


def test_a_run_stored_before_weight_decay_existed_resumes(
    tiny_run, chairs_data_dir, tmp_path
):
    workdir = _copy_run(tiny_run, tmp_path)
    path = pathlib.Path(workdir, "config.json")
    record = json.loads(path.read_text())
    del record["train"]["weight_decay"]
    del record["train"]["mask_loss_weight"]
    path.write_text(json.dumps(record))
    result = trainer.train(_config(chairs_data_dir), workdir, echo=lambda line: None)
    assert result.step == 12
    with pytest.raises(
        UserError,
        match=r"weight_decay=0.0 there but 0.3 "
        r"here",
    ):
        trainer.train(_config(chairs_data_dir, weight_decay=0.3), workdir)


def test_refuses_a_workdir_holding_another_run(tiny_run, chairs_data_dir):
    before = open(os.path.join(tiny_run, "config.json")).read()
    with pytest.raises(
        UserError,
        match=r"different settings \(learning_rate="
        r"0.0005 there but 0.001 here\)",
    ):
        trainer.train(_config(chairs_data_dir, learning_rate=1e-3), tiny_run)
    assert open(os.path.join(tiny_run, "config.json")).read() == before


def test_refuses_a_folder_that_is_not_a_run(tmp_path, chairs_data_dir):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty and holds no config.json"):
        trainer.train(_config(chairs_data_dir), str(tmp_path))
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_nan_loss_stops_at_its_step_and_keeps_good_checkpoints(
    chairs_data_dir, tmp_path
):
    config = _config(
        chairs_data_dir,
        learning_rate=1e9,
        steps=10,
        checkpoint_every=1,
        keep_checkpoints=10,
    )
    with pytest.raises(UserError, match=r"stopped being finite at step (\d+)") as e:
        trainer.train(config, str(tmp_path / "run"), echo=lambda line: None)
    bad = int(re.search(r"step (\d+)", str(e.value)).group(1))
    assert 2 <= bad <= 10
    saved = sorted(
        int(m.group(1))
        for m in (
            re.match(r"ckpt-(\d+)\.index", f)
            for f in os.listdir(tmp_path / "run" / "checkpoints")
        )
        if m
    )
    assert saved == list(range(1, bad))
    assert not (tmp_path / "run" / "generator.keras").exists()


def _copy_run(tiny_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_run, copy)
    return str(copy)


@pytest.mark.slow(seconds=25)
def test_raising_steps_continues_with_the_new_horizon(chairs_data_dir, tmp_path):
    workdir = str(tmp_path / "run")
    config = _config(
        chairs_data_dir,
        steps=4,
        schedule="cosine",
        log_every=2,
        checkpoint_every=2,
        sample_every=100,
    )
    trainer.train(config, workdir, echo=lambda line: None)
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "step       4/4" in log and "lr 0.00e+00" in log  # cosine ended
    result = trainer.train(
        dataclasses.replace(config, steps=8), workdir, echo=lambda line: None
    )
    assert result.step == 8
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "restored step 4" in log and "training steps 5..8" in log
    assert "--steps 4 -> 8 at step 4" in log
    # The cosine now ends at step 8: at step 6 it is at 0.5 (1 + cos(6/8 pi)).
    expected = 5e-4 * 0.5 * (1 + np.cos(np.pi * 6 / 8))
    line = next(line for line in log.splitlines() if line.startswith("step       6/8"))
    assert f"lr {expected:.2e}" in line
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["train"]["steps"] == 8
    assert [(h["step"], h["changed"]) for h in record["history"]] == [
        (4, {"steps": [4, 8]})
    ]


def _steps_take(monkeypatch, seconds):
    """Every training step takes `seconds()` more on the clock the trainer
    reads: `time.perf_counter` runs ahead of the real one by those seconds,
    as if the machine paused. The pace is then what the test says whatever
    the load of the machine running the suite, and what fit really costs
    to start (tracing, a few seconds) stays small beside the run's minutes,
    as it is beside the demo's 11."""
    ahead = [0.0]
    real_clock = time.perf_counter
    monkeypatch.setattr(time, "perf_counter", lambda: real_clock() + ahead[0])

    class SlowSteps(callbacks.NanGuard):
        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, logs)
            ahead[0] += seconds()

    monkeypatch.setattr(callbacks, "NanGuard", SlowSteps)


@pytest.mark.slow(seconds=30)
def test_fit_to_time_ends_the_run_and_its_schedule_within_the_minutes(
    chairs_data_dir, tmp_path, monkeypatch
):
    """--steps=100000 cannot fit in 90 seconds at 0.5 s a step: the run
    times its first steps, ends at the step that fits, and its cosine
    reaches zero there; running it again ends at the same step (kept in
    config.json)."""
    _steps_take(monkeypatch, lambda: 0.5)
    # One fitting only (fitting again is the next test's).
    monkeypatch.setattr(time_budget, "FIT_RECHECK_SHARE", 1.0)
    workdir = str(tmp_path / "run")
    config = _config(
        chairs_data_dir,
        steps=100_000,
        schedule="cosine",
        max_train_minutes=1.5,
        fit_to_time=True,
        log_every=5,
        checkpoint_every=100_000,
        sample_every=100_000,
    )
    trainer.train(config, workdir, echo=lambda line: None)
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    fit = record["resolved"]["fit_to_time"]
    end = fit["horizon"]
    assert fit["steps"] == 100_000 and 11 <= fit["at_step"] < end < 100_000
    log = (tmp_path / "run" / "log.txt").read_text()
    assert re.search(
        rf"--fit_to_time: [0-9.]+ s/step at step {fit['at_step']}, 1m\d\ds of "
        r"--max_train_minutes=1.5 left; --steps=100000 would take [0-9hm]+s, "
        rf"so the run ends at step {end} \(what fits, less 3%\), and so "
        "does its learning-rate schedule",
        log,
    ), log
    # Had the time limit stopped it a little early, the same flags would
    # finish the run at the same step.
    result = trainer.train(config, workdir, echo=lambda line: None)
    assert result.step == end
    log = (tmp_path / "run" / "log.txt").read_text()
    assert log.count("--fit_to_time:") == 1
    # The schedule ended with the run: the last line is at the end, lr 0.
    last = [line for line in log.splitlines() if line.startswith("step ")][-1]
    assert last.startswith(f"step {end:>7d}/{end} ") and "lr 0.00e+00" in last
    # Half-way it is half-way down the cosine to `end` (to 100000 it would
    # still be at 5e-4).
    rates = {
        int(m.group(1)): float(m.group(2))
        for m in re.finditer(r"^step +(\d+)/\d+ .* lr ([0-9.e+-]+) ", log, re.M)
    }
    step = min(rates, key=lambda s: abs(s - end / 2))
    expected = 5e-4 * 0.5 * (1 + np.cos(np.pi * step / end))
    assert rates[step] == pytest.approx(expected, rel=1e-2), (step, end)
    assert (
        json.loads((tmp_path / "run" / "config.json").read_text())["resolved"][
            "fit_to_time"
        ]
        == fit
    )
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["step"] == end
    # A changed --steps is a new horizon: timed again, from where it ended.
    result = trainer.train(
        dataclasses.replace(config, steps=100_001), workdir, echo=lambda line: None
    )
    refit = json.loads((tmp_path / "run" / "config.json").read_text())["resolved"][
        "fit_to_time"
    ]
    assert refit["steps"] == 100_001 and refit["at_step"] > end
    assert end < refit["horizon"] < 100_001
    log = (tmp_path / "run" / "log.txt").read_text()
    assert log.count("--fit_to_time:") == 2
    assert f"--steps 100000 -> 100001 at step {end}" in log


@pytest.mark.slow(seconds=20)
@pytest.mark.parametrize("pace", ["slower", "faster"])
def test_fit_to_time_fits_the_end_again_when_the_steps_change_pace(
    chairs_data_dir, tmp_path, monkeypatch, pace
):
    """Steps that turn slower, or faster, after the first timing (as when
    other jobs share the machine): the run fits its end again and ends
    there, its cosine at zero, neither cut by the time limit nor minutes
    early, and without a new trace of the training step."""
    ends, train_functions = [], []
    fit_end = time_budget.TimeBudget.fit_end

    def recording_fit_end(budget, clock, step, started):
        line = fit_end(budget, clock, step, started)
        ends.append(budget.horizon)
        train_functions.append(clock.model.train_function)
        return line

    # Every step takes 2 s after the first timing, or until it, and 0.5 s
    # otherwise: the pace changes 4-fold, far beyond what a busy machine's
    # real steps add to it.
    _steps_take(monkeypatch, lambda: 2.0 if bool(ends) == (pace == "slower") else 0.5)
    monkeypatch.setattr(time_budget.TimeBudget, "fit_end", recording_fit_end)
    workdir = tmp_path / "run"
    config = _config(
        chairs_data_dir,
        steps=100_000,
        schedule="cosine",
        max_train_minutes=3.0,
        fit_to_time=True,
        log_every=5,
        checkpoint_every=100_000,
        sample_every=100_000,
    )
    result = trainer.train(config, str(workdir), echo=lambda line: None)
    log = (workdir / "log.txt").read_text()
    assert len(ends) >= 2, (ends, log)
    assert ends[1] < ends[0] if pace == "slower" else ends[1] > ends[0], (ends, log)
    assert re.search(
        rf"--fit_to_time: the steps got {pace}, [0-9.]+ s/step at step \d+, "
        r"[0-3]m\d\ds of --max_train_minutes=3.0 left; the steps to "
        rf"{ends[0]} would take [0-9hm]+s, so the run now ends at step "
        rf"{ends[1]} \(what fits, less 3%\)",
        log,
    ), log
    assert (
        ends[-1]
        == json.loads((workdir / "config.json").read_text())["resolved"]["fit_to_time"][
            "horizon"
        ]
    )
    # The traced step reads the new horizon (the cosine below ends with
    # it); it is the one the run started with.
    assert all(function is train_functions[0] for function in train_functions), (
        train_functions
    )
    # It ended where it was last fitted, or the time limit cut no more than
    # the steps that are not fitted again (5% of them), where the cosine is
    # 1% of its peak (2% at the last line, up to 4 steps before).
    slack = time_budget.FIT_RECHECK_SHARE * ends[-1]
    assert ends[-1] - slack <= result.step <= ends[-1], (ends, log)
    assert (result.step == ends[-1]) == ("stopped at step" not in log)
    last = [line for line in log.splitlines() if line.startswith("step ")][-1]
    if result.step == ends[-1]:
        assert last.startswith(f"step {ends[-1]:>7d}/{ends[-1]} ")
    assert float(re.search(r" lr ([0-9.e+-]+)", last).group(1)) < 1e-5


def test_steps_below_the_step_reached_are_refused(tiny_run, chairs_data_dir, tmp_path):
    workdir = _copy_run(tiny_run, tmp_path)
    before = open(os.path.join(workdir, "config.json")).read()
    with pytest.raises(
        UserError,
        match=r"--steps=8 is below step 12, which "
        r"the run in .* has already reached",
    ):
        trainer.train(_config(chairs_data_dir, steps=8), workdir)
    assert open(os.path.join(workdir, "config.json")).read() == before


@pytest.mark.slow(seconds=22)
def test_init_from_loads_what_matches_and_trains_the_fresh_layers_first(
    tiny_run, chairs_data_dir, tmp_path
):
    from gen.models import chairs_generator

    source = chairs_generator.load_generator(os.path.join(tiny_run, "generator.keras"))
    lines = []
    # Twice the width: the streams and the trunk keep their shapes, every
    # layer of the branches changes.
    config = _config(
        chairs_data_dir,
        width=0.25,
        init_from=tiny_run,
        train_only_new_steps=2,
        steps=4,
        checkpoint_every=2,
        sample_every=100,
        keep_checkpoints=5,
    )
    trainer.train(config, str(tmp_path / "run"), echo=lines.append)
    streams = [
        "class_fc1",
        "view_fc1",
        "transform_fc1",
        "class_fc2",
        "view_fc2",
        "transform_fc2",
        "joint_fc1",
        "joint_fc2",
    ]
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["init"]["from"] == os.path.join(tiny_run, "generator.keras")
    assert sorted(record["init"]["loaded"]) == sorted(streams)
    assert "rgb_fc" in record["init"]["fresh"]
    assert any(
        line.startswith("init_from ") and "loaded 8 layers" in line for line in lines
    ), lines
    assert any("training steps 1..2 (only the" in line for line in lines)
    assert any("training steps 3..4 (every layer)" in line for line in lines)

    def weights_at(step):
        model, optimizer = generator_model.create_model_and_optimizer(
            config, 3, "float32", False
        )
        tf.train.Checkpoint(model=model, optimizer=optimizer).restore(
            str(tmp_path / "run" / "checkpoints" / f"ckpt-{step}")
        ).assert_existing_objects_matched()
        return model

    at_2, at_4 = weights_at(2), weights_at(4)
    for name in streams:  # fixed for the first two steps
        for kept, loaded in zip(
            at_2.get_layer(name).get_weights(), source.get_layer(name).get_weights()
        ):
            np.testing.assert_array_equal(kept, loaded)
    # ... and trained after (not the transform stream: without augmentation
    # its input is zero, and a ReLU at zero passes no gradient).
    for name in ("class_fc1", "view_fc1", "joint_fc1", "joint_fc2"):
        assert not np.array_equal(
            at_4.get_layer(name).get_weights()[0],
            source.get_layer(name).get_weights()[0],
        )
    assert not np.array_equal(
        at_2.get_layer("rgb_fc").get_weights()[0], weights_at_start_of(config, "rgb_fc")
    )


def weights_at_start_of(config, name):
    """The fresh initial kernel of layer `name` (the run's seed)."""
    keras.utils.set_random_seed(config.seed)
    model, _ = generator_model.create_model_and_optimizer(config, 3, "float32", False)
    return model.get_layer(name).get_weights()[0]


def test_init_from_refusals(tiny_run, chairs_data_dir, tmp_path):
    fixtures = os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        "fixtures",
        "saved_models",
    )
    cases = [
        (str(tmp_path), "holds no generator.keras: it is not a finished training run"),
        (
            os.path.join(fixtures, "tied_autoencoder.keras"),
            "is a Keras model but not a chairs generator",
        ),
        (os.path.join(fixtures, "expected.npz"), "is not a .keras file"),
    ]
    # A generator's interface, none of its layers.
    inputs = {
        "class": keras.Input((3,), name="class"),
        "view": keras.Input((4,), name="view"),
    }
    h = keras.layers.Dense(32 * 32 * 4, name="other")(
        keras.layers.Concatenate()([inputs["class"], inputs["view"]])
    )
    maps = keras.layers.Reshape((32, 32, 4))(h)
    stranger = keras.Model(
        inputs,
        {
            "rgb": keras.layers.Identity(name="rgb")(maps[..., :3]),
            "mask": keras.layers.Identity(name="mask")(maps[..., 3:]),
        },
    )
    stranger.save(tmp_path / "stranger.keras")
    cases.append(
        (str(tmp_path / "stranger.keras"), "shares no layer with this generator")
    )
    for path, message in cases:
        with pytest.raises(UserError, match=message):
            trainer.train(
                _config(chairs_data_dir, init_from=path), str(tmp_path / "new")
            )
        assert not (tmp_path / "new").exists()  # a refused start writes nothing
    with pytest.raises(
        UserError,
        match="--train_only_new_steps trains only "
        "the layers that did not come from --init_from",
    ):
        _config(chairs_data_dir, train_only_new_steps=3)
    with pytest.raises(UserError, match="--init_from '/no/such' does not exist"):
        _config(chairs_data_dir, init_from="/no/such").check_paths()
