"""The authors' 128x128 recipe as committed flagfiles
(experiments/configs/chairs128_stage{1,2,3}.flags), its three stages run on
tiny settings: 32x32 then 64x64 instead of 64x64 then 128x128, a few
steps each.

The flagfiles are read by `experiments.train`'s own flags (derived from
`TrainConfig`), and the stages train in this process: the script around
them is `tests/experiments/test_train.py`'s, and three more TensorFlow
start-ups would add nothing but time.
"""

import json

import pytest

from gen.training import trainer
from tests.scripts import ROOT, train_flags

TINY = [
    "--num_chairs=3",
    "--width=0.125",
    "--batch_size=8",
    "--precision=float32",
    "--log_every=1",
    "--checkpoint_every=2",
    "--sample_every=100",
]


def _stage(number, workdir, data_dir, *overrides):
    config, workdir_flag = train_flags(
        f"--flagfile=experiments/configs/chairs128_stage{number}.flags",
        f"--workdir={workdir}",
        f"--data_dir={data_dir}",
        *TINY,
        *overrides,
    )
    trainer.train(config, workdir_flag, echo=lambda line: None)
    return (workdir / "log.txt").read_text(), json.loads(
        (workdir / "config.json").read_text()
    )


@pytest.mark.slow(seconds=50)
def test_three_stages_grow_the_generator(chairs_data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # where the flagfiles name each other
    one, two, three = (tmp_path / f"stage{k}" for k in (1, 2, 3))
    log, record = _stage(1, one, chairs_data_dir, "--resolution=32", "--steps=2")
    assert record["train"]["holdout"] == "target_views"
    assert record["train"]["augment"] is True
    assert "done at step 2 (holdout=target_views)" in log

    # Stage 2: the bigger network from stage 1, only its fresh layers first.
    log, record = _stage(
        2,
        two,
        chairs_data_dir,
        f"--init_from={one}",
        "--resolution=64",
        "--steps=4",
        "--train_only_new_steps=2",
    )
    init = record["init"]
    assert init["from"] == str(one / "generator.keras")
    streams = {
        "class_fc1",
        "class_fc2",
        "view_fc1",
        "view_fc2",
        "transform_fc1",
        "transform_fc2",
        "joint_fc1",
        "joint_fc2",
    }
    assert streams <= set(init["loaded"])
    # 64x64 has one more uconv stage per branch, and the shapes of the
    # earlier ones change with it: those start fresh.
    assert {"rgb_uconv3", "mask_uconv3"} <= set(init["fresh"])
    assert "training steps 1..2 (only the" in log
    assert "training steps 3..4 (every layer)" in log
    assert record["train"]["augment"] is False
    assert record["train"]["learning_rate"] == 1e-5

    # Stage 3: everything from stage 2, on the piecewise schedule.
    log, record = _stage(
        3, three, chairs_data_dir, f"--init_from={two}", "--resolution=64", "--steps=5"
    )
    assert record["init"]["fresh"] == []
    assert "training steps 1..5 (every layer)" in log
    rates = {
        int(line.split()[1].split("/")[0]): line.split("lr ")[1].split()[0]
        for line in log.splitlines()
        if line.startswith("step ")
    }
    # 5e-5, then 1e-5 from 0.4 of the steps, then 2e-6 from 0.6.
    assert rates == {
        1: "5.00e-05",
        2: "1.00e-05",
        3: "2.00e-06",
        4: "2.00e-06",
        5: "2.00e-06",
    }
    metrics = json.loads((three / "metrics.json").read_text())
    assert metrics["holdout"] == "target_views" and metrics["step"] == 5
