"""`python -m experiments.train` as a person runs it."""

import json
import math
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import TINY_RUN_FLAGS
from tests.scripts import ROOT, assert_user_error, run_script, train_flags


def _flags(data_dir, workdir, **overrides):
    values = {**TINY_RUN_FLAGS, **overrides}
    return [f"--workdir={workdir}", f"--data_dir={data_dir}"] + [
        f"--{k}={v}" for k, v in values.items()
    ]


@pytest.mark.parametrize(
    "flag, message",
    [
        (
            "--dataset=imagenet",
            "--dataset must be one of synthetic_chairs, rendered_chairs",
        ),
        ("--resolution=48", "--resolution must be one of 32, 64, 128"),
        ("--batch_size=0", "--batch_size must be a positive integer"),
        ("--steps=-5", "--steps must be a positive integer"),
        ("--variant=3s", "--variant must be one of"),
        (
            "--holdout=some",
            "--holdout must be one of views, target_views, chairs, none",
        ),
        (
            "--holdout=target_views --num_chairs=1",
            "--holdout=target_views holds views of the target chairs",
        ),
        (
            "--schedule=piecewise --lr_boundaries=0.6,0.4 --lr_factors=0.2,0.04",
            "--lr_boundaries must be increasing fractions of --steps",
        ),
        (
            "--lr_factors=0.5",
            "--lr_boundaries and --lr_factors belong to --schedule=piecewise",
        ),
        (
            "--train_only_new_steps=5",
            "--train_only_new_steps trains only the "
            "layers that did not come from --init_from",
        ),
        ("--init_from=/no/such/run", "--init_from '/no/such/run' does not exist"),
        (
            "--weight_decay=-0.1",
            "--weight_decay shrinks every weight by "
            "learning rate x weight decay each step, so it "
            "must be at least 0 and below 1/--learning_rate",
        ),
        ("--mask_loss_weight=0", "--mask_loss_weight must be a positive number"),
        (
            "--fit_to_time",
            "--fit_to_time fits the run to --max_train_minutes, which is not set",
        ),
        (
            "--fit_to_time --max_train_minutes=5 --strategy=multi_worker",
            "--fit_to_time times the steps of one worker",
        ),
        (
            "--steps=abc",
            "flag --steps=abc: invalid literal for int() with base "
            "10: 'abc'. Run `python -m experiments.train --help` "
            "to see every flag.",
        ),
        ("--stepz=3", "Unknown command line flag 'stepz'. Did you mean: steps ?"),
        ("--data_dir=/no/such/folder", "--data_dir '/no/such/folder' does not exist"),
    ],
)
def test_bad_flags_exit_2_with_one_paragraph(tmp_path, flag, message):
    result = run_script("train", f"--workdir={tmp_path / 'w'}", *flag.split())
    assert_user_error(result, message)
    assert not (tmp_path / "w").exists()


def test_the_guides_quick_try_shortens_the_flagfiles_warmup(monkeypatch):
    """``--flagfile=experiments/configs/demo.flags --steps=30`` (the guide's
    "fewer --steps to try it"): the flags read as experiments.train reads
    them, the warm-up becomes a tenth of the run; typed, it is refused."""
    from absl import flags

    from gen import settings, workdir_setting
    from gen.errors import UserError
    from gen.training import flagfile_overrides, train_config

    monkeypatch.chdir(ROOT)
    argv = ["train", "--flagfile=experiments/configs/demo.flags", "--steps=30"]
    values = flags.FlagValues()
    settings.define_flags(workdir_setting.WorkdirSetting, flag_values=values)
    train = settings.define_flags(train_config.TrainConfig, flag_values=values)
    values([*argv, "--workdir=runs/try"])
    fitted, note = flagfile_overrides.warmup_within_steps(train.values(), argv)
    config = train_config.TrainConfig(**fitted)
    assert (config.steps, config.warmup_steps, config.schedule) == (30, 3, "cosine")
    assert config.num_chairs == 200  # the rest of the flagfile holds
    assert note == (
        "note: the flagfile's --warmup_steps=100 is not below --steps=30: "
        "warming up for 3 steps (a tenth of the run)."
    )
    # Without a shorter --steps nothing changes and nothing is said.
    assert flagfile_overrides.warmup_within_steps(
        {"warmup_steps": 100, "steps": 10_000}, argv[:2]
    ) == ({"warmup_steps": 100, "steps": 10_000}, None)
    typed = [*argv, "--warmup_steps=100"]
    values = flags.FlagValues()
    train = settings.define_flags(train_config.TrainConfig, flag_values=values)
    values(typed)
    fitted, note = flagfile_overrides.warmup_within_steps(train.values(), typed)
    assert note is None
    with pytest.raises(UserError, match=r"--warmup_steps \(100\) must be smaller"):
        train_config.TrainConfig(**fitted)


def test_missing_workdir(tmp_path):
    result = run_script("train")
    assert result.returncode == 2 and "--workdir is required" in result.stderr


def test_rendered_chairs_without_its_manual_data(tmp_path):
    result = run_script(
        "train",
        f"--workdir={tmp_path / 'w'}",
        f"--data_dir={tmp_path}",
        "--dataset=rendered_chairs",
        "--resolution=32",
    )
    assert_user_error(result, "rendered_chairs")


@pytest.mark.slow(seconds=45)
def test_resume_after_sigkill_continues_at_the_last_checkpoint(
    chairs_data_dir, tmp_path
):
    workdir = tmp_path / "run"
    # The demo probes' schedule (docs/training.md): a warm-up, then cosine.
    flags = _flags(
        chairs_data_dir,
        workdir,
        steps=24,
        checkpoint_every=4,
        sample_every=1000,
        log_every=4,
        learning_rate=1e-3,
        warmup_steps=20,
        schedule="cosine",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "experiments.train"] + flags,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    index = workdir / "checkpoints" / "checkpoint"
    deadline = time.time() + 240
    while not index.exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be killed"
    time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    latest = index.read_text().split('"')[1]
    killed_at = int(latest.split("-")[1])
    assert 4 <= killed_at < 24 and killed_at % 4 == 0

    result = run_script("train", *flags)
    assert result.returncode == 0, result.stderr
    log = (workdir / "log.txt").read_text()
    assert f"restored step {killed_at}" in log
    assert f"training steps {killed_at + 1}..24" in log
    assert "done at step 24" in log
    # After the restart, each progress line shows the learning rate after
    # the step it names: 1e-3 under a cosine over 24 steps, times a warm-up
    # over 20 (long, so that the lines checked show both factors).
    printed = {
        int(step): float(rate)
        for step, rate in re.findall(r"step +(\d+)/24 .* lr (\S+) ", log)
    }
    for step in range(killed_at + 4, 25, 4):
        rate = (
            1e-3 * 0.5 * (1 + math.cos(math.pi * step / 24)) * min((step + 1) / 20, 1)
        )
        # Printed with 3 significant digits.
        assert printed[step] == pytest.approx(rate, rel=6e-3, abs=1e-9), (step, printed)


@pytest.mark.slow(seconds=35)
def test_a_moved_run_opens_and_resumes_from_another_directory(
    tiny_run, chairs_data_dir, tmp_path
):
    """A run copied to another folder, its data directory gone from where
    it was recorded (as on another machine), used by relative path."""
    import json
    import shutil

    moved = tmp_path / "moved"
    shutil.copytree(tiny_run, moved / "run")
    record = json.loads((moved / "run" / "config.json").read_text())
    record["train"]["data_dir"] = "/on/another/machine/tensorflow_datasets"
    (moved / "run" / "config.json").write_text(json.dumps(record))

    # A script that needs the images rebuilds the synthetic chairs in the
    # default data folder, not at the other machine's path ...
    default = tmp_path / "default_tfds"
    env = {**os.environ, "TFDS_DATA_DIR": str(default)}
    result = run_script("evaluate", "--workdir=run", cwd=moved, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "The run's data directory /on/another/machine/tensorflow_datasets is "
        "not on this machine: the 3 synthetic chairs are rebuilt" in result.stderr
    )
    assert (default / "synthetic_chairs" / "32px_3chairs").is_dir()
    assert not os.path.exists("/on/another/machine")
    # ... and training continues with the data where they are now.
    flags = [f"--{k}={v}" for k, v in {**TINY_RUN_FLAGS, "steps": 14}.items()]
    result = run_script(
        "train", "--workdir=run", f"--data_dir={chairs_data_dir}", *flags, cwd=moved
    )
    assert result.returncode == 0, result.stderr
    log = (moved / "run" / "log.txt").read_text()
    assert "restored step 12" in log and "done at step 14" in log
    record = json.loads((moved / "run" / "config.json").read_text())
    assert record["train"]["data_dir"] == chairs_data_dir
    assert record["history"][-1]["step"] == 12
    assert record["history"][-1]["changed"] == {
        "data_dir": ["/on/another/machine/tensorflow_datasets", chairs_data_dir],
        "steps": [12, 14],
    }


def test_the_demo_flags_on_several_workers_as_the_guide_gives_them(monkeypatch):
    """docs/training.md's N-machine command: the demo's flagfile fits one
    machine's run to its minutes, so workers say --nofit_to_time; without
    it the command is refused with that advice."""
    from gen.errors import UserError

    monkeypatch.chdir(ROOT)
    command = [
        "--flagfile=experiments/configs/demo.flags",
        "--workdir=/shared/runs/demo2",
        "--strategy=multi_worker",
    ]
    config, _ = train_flags(*command, "--nofit_to_time")
    assert config.strategy == "multi_worker" and not config.fit_to_time
    assert (config.steps, config.num_chairs) == (10_000, 200)
    assert config.weight_decay == 0.3
    with pytest.raises(
        UserError, match="--nofit_to_time after a flagfile that sets it"
    ):
        train_flags(*command)


def test_the_demo_flags_for_a_fixed_number_of_steps_as_the_guide_gives_them(
    monkeypatch,
):
    """docs/training.md's 8,000-step run of the demo's flags: the schedule
    ends at --steps, not at what fits the minutes, and the minutes only
    guard it."""
    monkeypatch.chdir(ROOT)
    config, _ = train_flags(
        "--flagfile=experiments/configs/demo.flags",
        "--workdir=runs/demo8000",
        "--data_dir=runs/tensorflow_datasets",
        "--steps=8000",
        "--nofit_to_time",
        "--max_train_minutes=60",
    )
    assert (config.steps, config.fit_to_time, config.max_train_minutes) == (
        8000,
        False,
        60.0,
    )
    assert (config.variant, config.width, config.weight_decay) == (
        "1s-S-deep",
        0.25,
        0.3,
    )


@pytest.mark.slow(seconds=10)
def test_the_accelerator_command_runs_on_a_cpu_too(
    chairs_data_dir, tmp_path, monkeypatch
):
    """`make accelerator`'s flagfile (the demo's settings, 8 minutes, "auto"
    precision and XLA), for three tiny steps, as `experiments.train` reads
    it: the log gives the step time, images/s and the held-out figures."""
    from gen.training import trainer

    monkeypatch.chdir(ROOT)  # where the flagfiles name each other
    config, workdir = train_flags(
        "--flagfile=experiments/configs/accelerator.flags",
        f"--workdir={tmp_path / 'run'}",
        f"--data_dir={chairs_data_dir}",
        "--num_chairs=3",
        "--resolution=32",
        "--width=0.125",
        "--batch_size=8",
        "--steps=3",
        "--warmup_steps=0",
        "--log_every=1",
    )
    assert (config.precision, config.jit_compile) == ("auto", "auto")
    assert config.fit_to_time and config.max_train_minutes == 8
    assert config.learning_rate == 5e-4  # the authors' rate at full width
    trainer.train(config, workdir, echo=lambda line: None)
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "precision: " in log and "jit_compile: " in log
    assert re.search(r"trained steps 1\.\.3: [0-9.]+ s/step, [0-9.]+ img/s", log), log
    assert re.search(
        r"done at step 3 \(holdout=\w+\): held-out views psnr "
        r"[0-9.]+ dB, mask iou [0-9.]+",
        log,
    ), log
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["train"]["max_train_minutes"] == 8


@pytest.mark.slow(seconds=50)
def test_every_explore_script_opens_a_run_of_the_demo_flags(
    chairs_data_dir, tmp_path, monkeypatch
):
    """`make demo` trains the one-stream 1s-S-deep network (no rgb_/mask_
    branches, extra conv layers): the scripts a user runs next on it
    (docs/exploring.md) find their layers there."""
    from gen.training import trainer

    monkeypatch.chdir(ROOT)
    workdir = str(tmp_path / "demo")
    config, _ = train_flags(
        "--flagfile=experiments/configs/demo.flags",
        f"--workdir={workdir}",
        f"--data_dir={chairs_data_dir}",
        "--num_chairs=3",
        "--resolution=32",
        "--width=0.125",
        "--batch_size=8",
        "--steps=4",
        "--warmup_steps=0",
        "--log_every=2",
        "--nofit_to_time",
        "--precision=float32",
    )
    assert config.variant == "1s-S-deep"
    trainer.train(config, workdir, echo=lambda line: None)

    def run(name, *args):
        out = str(tmp_path / name)
        result = run_script(name, f"--workdir={workdir}", f"--out={out}", *args)
        assert result.returncode == 0, (name, result.stderr)
        return out

    # docs/exploring.md's layers for the demo's run.
    out = run("units", "--layers=joint_fc2,maps_fc,uconv1")
    with open(os.path.join(out, "units.json")) as f:
        assert sorted(json.load(f)["layers"]) == ["joint_fc2", "maps_fc", "uconv1"]
    out = run("arithmetic", "--chairs=2,1,1")
    assert os.listdir(out) == ["arithmetic_2_1_1_class_fc2.png"]
    out = run("sample", "--num_samples=2")
    assert sorted(os.listdir(out)) == [
        "samples_class_fc2.json",
        "samples_class_fc2.png",
    ]
    out = run("interpolate", "--chairs=0,1", "--steps=3")
    assert "morph.gif" in os.listdir(out)
    out = run("render", "--chairs=0", "--real")
    assert sorted(os.listdir(out)) == ["chairs_views.png", "turntable_chair0.gif"]
    out = run("evaluate")
    with open(os.path.join(out, "evaluation.json")) as f:
        evaluation = json.load(f)
    assert sorted(evaluation["checkerboard"]) == [
        "uconv1",
        "uconv2",
        "uniform_kernel_reference",
    ]


def test_make_demo_real_trains_the_demos_flags_on_the_real_chairs(monkeypatch):
    """`make demo-real` (README) runs experiments.train on
    demo_real.flags: make demo's network, schedule and 11 minutes, on
    mesh_renders' chairs under the same held-out protocol."""
    monkeypatch.chdir(ROOT)
    makefile = open("Makefile").read()
    target = makefile[makefile.index("\ndemo-real:") :]
    target = target[: target.index("\n\n")]
    assert "-m experiments.train --flagfile=experiments/configs/demo_real.flags" in (
        target
    )
    common = ["--workdir=runs/demo-real", "--data_dir=runs/tensorflow_datasets"]
    real, _ = train_flags("--flagfile=experiments/configs/demo_real.flags", *common)
    demo, _ = train_flags("--flagfile=experiments/configs/demo.flags", *common)
    assert (real.dataset, real.category, real.holdout) == (
        "mesh_renders",
        "chairs",
        "target_views",
    )
    # The real chairs' thin legs and frames need a heavier mask loss
    # (docs/benchmarks.md, "Rendering CAD models").
    assert (real.mask_loss_weight, demo.mask_loss_weight) == (1000.0, None)
    dataset_fields = {"dataset", "category", "num_chairs", "mask_loss_weight"}
    differing = {
        name for name, value in real.to_dict().items() if value != demo.to_dict()[name]
    }
    assert differing <= dataset_fields, differing - dataset_fields
    assert (real.max_train_minutes, real.fit_to_time) == (11.0, True)


@pytest.mark.slow(seconds=10)
def test_mask_loss_weight_flag_weighs_the_logged_loss(chairs_data_dir, tmp_path):
    """`--mask_loss_weight=7` as experiments.train reads it: every logged
    loss is the RGB loss plus 7 times the mask loss (the default for this
    2s-E would be 0.1), and config.json keeps it."""
    from gen.training import trainer

    tiny = {**TINY_RUN_FLAGS, "steps": 4, "log_every": 2}
    config, workdir = train_flags(
        *[f"--{k}={v}" for k, v in tiny.items()],
        f"--workdir={tmp_path / 'run'}",
        f"--data_dir={chairs_data_dir}",
        "--mask_loss_weight=7",
    )
    trainer.train(config, workdir, echo=lambda line: None)
    log = (tmp_path / "run" / "log.txt").read_text()
    rows = re.findall(r"loss +([0-9.]+) +rgb +([0-9.]+) +mask +([0-9.]+)", log)
    assert len(rows) == 2, log
    for loss, rgb, mask in rows:
        assert math.isclose(float(loss), float(rgb) + 7 * float(mask), abs_tol=1e-3)
        assert not math.isclose(
            float(loss), float(rgb) + 0.1 * float(mask), abs_tol=1e-3
        )
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["train"]["mask_loss_weight"] == 7.0
