"""A damaged checkpoint costs one checkpoint: each kind of damage is named,
the newest readable checkpoint is found and the index lists only readable
ones; none readable is one paragraph."""

import os

import numpy as np
import pytest
import tensorflow as tf

from gen.errors import UserError
from gen.training import checkpoints


def _saved(directory, steps=(4, 8, 12)):
    """A checkpoint per step of `steps`; variable `v` holds the step."""
    v = tf.Variable(np.zeros((64, 64), np.float32))
    checkpoint = tf.train.Checkpoint(v=v)
    manager = tf.train.CheckpointManager(checkpoint, str(directory), max_to_keep=5)
    for step in steps:
        v.assign(np.full((64, 64), step, np.float32))
        manager.save(checkpoint_number=step)
    return checkpoint, v


def _truncate(path):
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def _corrupt(path):
    with open(path, "r+b") as f:
        f.seek(8)
        f.write(b"\xff" * 16)


DATA = "ckpt-{}.data-00000-of-00001"
DAMAGE = {
    "truncated data": (
        lambda d, s: _truncate(d / DATA.format(s)),
        "its .data file is truncated (ckpt-12.data-00000-of-00001: 8,",
    ),
    "missing index": (
        lambda d, s: os.remove(d / f"ckpt-{s}.index"),
        "its .index file is missing",
    ),
    "missing data": (
        lambda d, s: os.remove(d / DATA.format(s)),
        "its .data file is missing",
    ),
    "corrupt index": (
        lambda d, s: _corrupt(d / f"ckpt-{s}.index"),
        "it is unreadable: Unable to read file",
    ),
}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_newest_checkpoint_falls_back_to_the_one_before(tmp_path, kind):
    checkpoint, v = _saved(tmp_path)
    damage, why = DAMAGE[kind]
    damage(tmp_path, 12)
    lines = []
    found = checkpoints.newest_readable(str(tmp_path), lines.append)
    assert found == str(tmp_path / "ckpt-8")
    assert len(lines) == 1, lines
    assert lines[0].startswith("checkpoint ckpt-12 (") and why in lines[0], lines
    assert lines[0].endswith("resuming from ckpt-8, the newest readable one")
    # The index now ends at ckpt-8, so the manager carries on from there.
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == [
        "ckpt-4",
        "ckpt-8",
    ]
    checkpoint.restore(found).assert_existing_objects_matched()
    assert float(v.numpy()[0, 0]) == 8.0


def test_readable_checkpoints_say_nothing_and_change_nothing(tmp_path):
    _saved(tmp_path)
    before = (tmp_path / "checkpoint").read_text()
    lines = []
    assert checkpoints.newest_readable(str(tmp_path), lines.append) == str(
        tmp_path / "ckpt-12"
    )
    assert lines == [] and (tmp_path / "checkpoint").read_text() == before
    assert checkpoints.newest_readable(str(tmp_path / "none"), lines.append) is None


def test_a_lost_index_does_not_restart_the_run(tmp_path):
    _saved(tmp_path)
    os.remove(tmp_path / "checkpoint")
    assert checkpoints.newest_readable(str(tmp_path), print) == str(
        tmp_path / "ckpt-12"
    )


def test_two_damaged_are_named_in_one_line_and_other_workers_keep_the_index(
    tmp_path,
):
    _saved(tmp_path)
    _truncate(tmp_path / DATA.format(12))
    os.remove(tmp_path / "ckpt-8.index")
    before = (tmp_path / "checkpoint").read_text()
    lines = []
    found = checkpoints.newest_readable(
        str(tmp_path), lines.append, rewrite_index=False
    )
    assert found == str(tmp_path / "ckpt-4")
    assert len(lines) == 1 and lines[0].startswith("checkpoints ckpt-12 (its .data")
    assert "ckpt-8 (its .index file is missing)" in lines[0]
    assert (tmp_path / "checkpoint").read_text() == before


def test_none_readable_is_one_paragraph_naming_the_files_and_the_choices(tmp_path):
    _saved(tmp_path, steps=(4, 8))
    _truncate(tmp_path / DATA.format(8))
    os.remove(tmp_path / DATA.format(4))
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(UserError) as e:
        checkpoints.newest_readable(str(tmp_path), print)
    message = str(e.value)
    assert "ckpt-8 (its .data file is truncated" in message
    assert "ckpt-4 (its .data file is missing)" in message
    assert "another --workdir" in message and "Nothing was changed" in message
    assert sorted(os.listdir(tmp_path)) == before


def test_a_damaged_run_configuration_is_one_paragraph(
    tiny_run, chairs_data_dir, tmp_path
):
    import shutil

    from gen.training import train_config, trainer
    from tests.conftest import TINY_RUN_FLAGS

    workdir = tmp_path / "run"
    shutil.copytree(tiny_run, workdir)
    (workdir / "config.json").write_text('{"train": {"steps": 12')
    config = train_config.TrainConfig(data_dir=chairs_data_dir, **TINY_RUN_FLAGS)
    with pytest.raises(UserError, match="config.json is not a readable run conf"):
        trainer.train(config, str(workdir))
