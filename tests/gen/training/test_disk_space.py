"""A full disk is a message: a checkpoint, a sample grid or a read-only
disk stop with one paragraph on a small file system the test mounts, the
temporary files are removed and the last checkpoint is kept; the room a
run needs is what its checkpoints take."""

import errno
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from gen.errors import UserError
from gen.pictures import atomic_files
from gen.training import disk_space
from tests.small_disk import read_only, small_disk

SIDE = 512  # a (512, 512) float32 variable: 1 MiB per checkpoint


def _manager(directory):
    v = tf.Variable(np.ones((SIDE, SIDE), np.float32))
    return tf.train.CheckpointManager(tf.train.Checkpoint(v=v), directory, 5)


def test_a_checkpoint_on_a_full_disk_stops_with_one_paragraph(tmp_path):
    with small_disk(tmp_path / "disk", 1.5 * 4 * SIDE * SIDE) as workdir:
        manager = _manager(os.path.join(workdir, "checkpoints"))
        manager.save(checkpoint_number=4)
        kept = sorted(os.listdir(os.path.join(workdir, "checkpoints")))
        with pytest.raises(UserError) as e:
            with disk_space.failures_stop_the_run(workdir):
                manager.save(checkpoint_number=8)
        message = " ".join(str(e.value).split())
        assert message.startswith(
            f"Writing a checkpoint to {workdir}/checkpoints failed: no space "
            "left on the device. The run stopped;"
        ), message
        assert (
            "ckpt-8_temp" in message and "last complete checkpoint (step 4)" in message
        )
        assert "resumes from step 4" in message
        assert sorted(os.listdir(os.path.join(workdir, "checkpoints"))) == kept


def test_a_sample_grid_on_a_full_disk_and_a_read_only_disk(tmp_path):
    with small_disk(tmp_path / "disk", 64 * 1024) as workdir:
        noise = np.random.default_rng(0).uniform(size=(400, 400, 3))
        with pytest.raises(UserError, match=r"Writing a sample grid to .*/samples/"):
            with disk_space.failures_stop_the_run(workdir):
                atomic_files.write_png(os.path.join(workdir, "samples", "a.png"), noise)
        assert os.listdir(os.path.join(workdir, "samples")) == []
        read_only(workdir)
        with pytest.raises(UserError, match="the run's settings .* read-only file"):
            with disk_space.failures_stop_the_run(workdir):
                atomic_files.write_json(os.path.join(workdir, "config.json"), {})


def test_other_errors_pass_through():
    with pytest.raises(OSError, match="gone"):
        with disk_space.failures_stop_the_run("/run"):
            raise FileNotFoundError(errno.ENOENT, "gone")
    assert disk_space.failure_reason(OSError(errno.EDQUOT, "q")) == (
        "no space left on the device"
    )


def test_the_room_a_run_needs_is_what_its_checkpoint_takes(tmp_path):
    model = keras.Sequential([keras.Input((300,)), keras.layers.Dense(200)])
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_variables)
    room = disk_space.Room(str(tmp_path), model)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=model.optimizer)
    tf.train.CheckpointManager(checkpoint, str(tmp_path / "c"), 1).save(1)
    written = sum(f.stat().st_size for f in (tmp_path / "c").glob("ckpt-1.*"))
    assert room.checkpoint_bytes == pytest.approx(written, rel=0.05)
    assert room.export_bytes == 4 * (300 * 200 + 200)
    lines = []
    room.warn_if_short(lines.append)
    assert lines == []
    with small_disk(tmp_path / "disk", 2 * written) as small:
        disk_space.Room(small, model).warn_if_short(lines.append)
    assert len(lines) == 1 and lines[0].startswith("warning: the disk holding")
