"""`python -m experiments.train` as a person runs it."""

import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import TINY_RUN_FLAGS
from tests.scripts import assert_user_error, run_script


def _flags(data_dir, workdir, **overrides):
    values = {**TINY_RUN_FLAGS, **overrides}
    return [f"--workdir={workdir}", f"--data_dir={data_dir}"] + [
        f"--{k}={v}" for k, v in values.items()]


@pytest.mark.parametrize("flag, message", [
    ("--dataset=imagenet", "--dataset must be one of synthetic_chairs, rendered_chairs"),
    ("--resolution=48", "--resolution must be one of 32, 64, 128"),
    ("--batch_size=0", "--batch_size must be a positive integer"),
    ("--steps=-5", "--steps must be a positive integer"),
    ("--variant=3s", "--variant must be one of"),
    ("--holdout=some", "--holdout must be one of views, chairs, none"),
    ("--data_dir=/no/such/folder", "--data_dir '/no/such/folder' does not exist"),
])
def test_bad_flags_exit_2_with_one_paragraph(tmp_path, flag, message):
    result = run_script("train", f"--workdir={tmp_path / 'w'}", flag)
    assert_user_error(result, message)
    assert not (tmp_path / "w").exists()


def test_missing_workdir(tmp_path):
    result = run_script("train")
    assert result.returncode == 2 and "--workdir is required" in result.stderr


def test_rendered_chairs_without_its_manual_data(tmp_path):
    result = run_script("train", f"--workdir={tmp_path / 'w'}", f"--data_dir={tmp_path}",
                        "--dataset=rendered_chairs", "--resolution=32")
    assert_user_error(result, "rendered_chairs")


def test_resume_after_sigkill_continues_at_the_last_checkpoint(chairs_data_dir,
                                                                tmp_path):
    workdir = tmp_path / "run"
    flags = _flags(chairs_data_dir, workdir, steps=60, checkpoint_every=5,
                   sample_every=1000, log_every=5)
    process = subprocess.Popen([sys.executable, "-m", "experiments.train"] + flags,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
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
    assert 5 <= killed_at < 60 and killed_at % 5 == 0

    result = run_script("train", *flags)
    assert result.returncode == 0, result.stderr
    log = (workdir / "log.txt").read_text()
    assert f"restored step {killed_at}" in log
    assert f"training steps {killed_at + 1}..60" in log
    assert "done at step 60" in log
