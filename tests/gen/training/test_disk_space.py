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

import gen.models  # noqa: F401  (registers the generator's Keras objects)
import layers  # noqa: F401
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


def test_the_watch_stops_before_a_checkpoint_cannot_fit(tmp_path):
    class Room:
        workdir = str(tmp_path)
        checkpoint_bytes = disk_space.free_bytes(str(tmp_path)) + 10**9

    watch = disk_space.DiskWatch(Room(), start_step=4, every=2)
    watch.on_train_batch_end(0)  # step 5: not a step it looks at
    with pytest.raises(UserError, match="At step 6 the disk holding .* less free"):
        watch.on_train_batch_end(1)


def _size(paths):
    return sum(p.stat().st_size for p in paths if p.is_file())


@pytest.mark.slow(seconds=20)
def test_a_run_on_a_full_disk_stops_keeps_its_checkpoint_and_resumes(
    tiny_run, chairs_data_dir, tmp_path
):
    import pathlib
    import shutil
    import subprocess

    from gen.training import train_config, trainer
    from tests.conftest import TINY_RUN_FLAGS

    run = pathlib.Path(tiny_run)
    checkpoint = _size(run.glob("checkpoints/ckpt-6.*"))
    others = _size(run.glob("tensorboard/**/*")) + _size(run.glob("samples/*"))
    # Room for everything up to step 6 and half a checkpoint more: the
    # checkpoint of step 12 fails.
    size = 1.5 * checkpoint + 2 * others + 256 * 1024
    config = train_config.TrainConfig(
        data_dir=chairs_data_dir, **{**TINY_RUN_FLAGS, "log_every": 100}
    )
    with small_disk(tmp_path / "disk", size) as workdir:
        lines = []
        with pytest.raises(UserError) as e:
            trainer.train(config, workdir, echo=lines.append)
        message = " ".join(str(e.value).split())
        assert message.startswith(
            f"Writing a checkpoint to {workdir}/checkpoints failed: no space left "
            "on the device. The run stopped; it needs about "
        ), message
        assert "The temporary files of that write were removed (ckpt-12_temp)" in (
            message
        )
        assert "resumes from step 6" in message
        assert sorted(os.listdir(os.path.join(workdir, "checkpoints"))) == [
            "checkpoint",
            "ckpt-6.data-00000-of-00001",
            "ckpt-6.index",
        ]
        assert os.listdir(os.path.join(workdir, "samples")) == ["step_0000006.png"]
        assert not os.path.exists(os.path.join(workdir, "run.lock"))
        warnings = [line for line in lines if line.startswith("warning: the disk")]
        assert len(warnings) == 1, lines

        # Space freed (the small disk made larger): the same run resumes,
        # past a damaged checkpoint too (an index without its data, as a
        # copy cut short leaves), which costs that checkpoint only.
        subprocess.run(
            ["mount", "-o", f"remount,size={int(20 * checkpoint)}", workdir],
            check=True,
        )
        shutil.copy(
            run / "checkpoints" / "ckpt-12.index",
            os.path.join(workdir, "checkpoints"),
        )
        lines = []
        assert trainer.train(config, workdir, echo=lines.append).step == 12
        assert (
            "checkpoint ckpt-12 (its .data file is missing) cannot be read; "
            "resuming from ckpt-6, the newest readable one"
        ) in lines, lines
        assert any("restored step 6" in line for line in lines), lines
        got = keras.models.load_model(
            os.path.join(workdir, "generator.keras"), safe_mode=True
        ).get_weights()
    expected = keras.models.load_model(
        run / "generator.keras", safe_mode=True
    ).get_weights()
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_the_export_on_a_full_disk_names_the_generator(tmp_path):
    model = keras.Sequential([keras.Input((500,)), keras.layers.Dense(500)])
    with small_disk(tmp_path / "disk", 256 * 1024) as workdir:
        path = os.path.join(workdir, "generator.keras")
        with pytest.raises(UserError) as e:
            with disk_space.failures_stop_the_run(workdir):
                with atomic_files.atomic_path(path, ".keras") as temporary:
                    model.save(temporary)
        message = " ".join(str(e.value).split())
        assert message.startswith(
            f"Writing the exported generator to {path} failed: no space left"
        ), message
        assert os.listdir(workdir) == []


def test_a_read_only_workdir_is_one_paragraph_when_the_lock_is_taken(tmp_path):
    from gen.training import run_lock

    with small_disk(tmp_path / "disk", 64 * 1024) as workdir:
        read_only(workdir)
        with pytest.raises(UserError, match=r"Writing the run's lock \(run.lock\)"):
            with disk_space.failures_stop_the_run(workdir):
                run_lock.acquire(workdir)
