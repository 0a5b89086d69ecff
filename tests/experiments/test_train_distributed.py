"""`experiments.train` on several workers and replicas, as a person runs it:
two worker processes on loopback (a real two-worker cluster), a worker
sent SIGTERM (every worker saves the same step and exits 143), then one
killed with SIGKILL, the cluster restarted each time; two replicas of a
mirrored strategy on two logical CPU devices; and TF_CONFIG mistakes."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from tests.conftest import TINY_RUN_FLAGS
from tests.scripts import ROOT, assert_user_error, run_script, train_flags

STEPS = 12
FLAGS = [
    f"--{name}={value}"
    for name, value in {
        **TINY_RUN_FLAGS,
        "steps": STEPS,
        "checkpoint_every": 4,
        "sample_every": 100,
        "log_every": 2,
    }.items()
]


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _tf_config(ports, index):
    return json.dumps(
        {
            "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
            "task": {"type": "worker", "index": index},
        }
    )


def _start_workers(workdir, data_dir, ports, logs):
    processes = []
    for index, log in enumerate(logs):
        env = {**os.environ, "TF_CONFIG": _tf_config(ports, index)}
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "experiments.train",
                    f"--workdir={workdir}",
                    f"--data_dir={data_dir}",
                    "--strategy=multi_worker",
                    *FLAGS,
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return processes


def _weights(path):
    import keras

    import gen.models  # noqa: F401
    import layers  # noqa: F401

    return keras.models.load_model(path, safe_mode=True).get_weights()


def _assert_same_weights(got, expected):
    """Equal within the rounding of a different summation order, which
    Adam's normalised steps carry into the weights."""
    for a, b in zip(got, expected):
        scale = max(float(np.abs(b).max()), 1e-6)
        assert float(np.abs(a - b).max()) <= 1e-3 * scale


def _wait_for_line(path, line, processes, seconds=400):
    deadline = time.time() + seconds
    text = ""
    while line not in text:
        assert time.time() < deadline and processes[0].poll() is None, text
        time.sleep(0.5)
        text = path.read_text()


@pytest.mark.slow(seconds=130)
def test_two_workers_stopped_killed_and_restarted_equal_one_process(tmp_path):
    data_dir = tmp_path / "tfds"  # empty: both workers start by building it
    data_dir.mkdir()
    workdir = tmp_path / "run"
    # SIGTERM to worker 1 (a preemption): both stop at the same step, save
    # it (the chief) and exit 143, although TensorFlow's coordination
    # service catches SIGTERM for itself.
    logs = [open(tmp_path / f"worker{i}_stopped.log", "w") for i in (0, 1)]
    stopped = _start_workers(workdir, data_dir, _free_ports(2), logs)
    _wait_for_line(tmp_path / "worker0_stopped.log", "step       2/12", stopped)
    stopped[1].send_signal(signal.SIGTERM)
    assert [p.wait(timeout=120) for p in stopped] == [143, 143]
    texts = [(tmp_path / f"worker{i}_stopped.log").read_text() for i in (0, 1)]
    found = [
        re.findall(r"(.*)every worker stopped at step (\d+), saved", text)
        for text in texts
    ]
    assert [who for ((who, _),) in found] == [
        "another worker got SIGTERM: ",
        "SIGTERM: ",
    ]
    at = int(found[0][0][1])
    assert found[1][0][1] == str(at) and 3 <= at < 8, texts
    assert f'model_checkpoint_path: "ckpt-{at}"' in (
        (workdir / "checkpoints" / "checkpoint").read_text()
    )
    record = json.loads((workdir / "config.json").read_text())
    assert [(h["step"], h["stopped"]) for h in record["history"]] == [(at, "SIGTERM")]
    assert "Traceback" not in texts[0] + texts[1]

    # They resume there; worker 1 dies (SIGKILL) after checkpoint 8.
    logs = [open(tmp_path / f"worker{i}_first.log", "w") for i in (0, 1)]
    first = _start_workers(workdir, data_dir, _free_ports(2), logs)
    _wait_for_line(tmp_path / "worker0_first.log", "step       8/12", first)
    first[1].send_signal(signal.SIGKILL)
    first[1].wait()
    assert first[0].wait(timeout=300) == 2
    survivor = " ".join((tmp_path / "worker0_first.log").read_text().split())
    assert f"restored step {at}" in survivor
    assert "Another worker of this run stopped" in survivor
    assert "Traceback" not in survivor
    assert sorted(os.listdir(workdir / "checkpoints")) == ["checkpoint"] + sorted(
        f"ckpt-{step}.{part}"
        for step in {at, 4, 8}
        for part in ("data-00000-of-00001", "index")
    )

    # Both start again: they restore the chief's step 8 and finish together.
    logs = [open(tmp_path / f"worker{i}_second.log", "w") for i in (0, 1)]
    second = _start_workers(workdir, data_dir, _free_ports(2), logs)
    assert [p.wait(timeout=400) for p in second] == [0, 0]
    for i in (0, 1):
        text = (tmp_path / f"worker{i}_second.log").read_text()
        assert "restored step 8" in text and "step      12/12" in text, text
    # Only the chief wrote the run's files; the other worker nothing.
    assert sorted(os.listdir(workdir)) == [
        "checkpoints",
        "config.json",
        "generator.keras",
        "heldout_views.png",
        "log.txt",
        "metrics.json",
        "tensorboard",
        "turntable.gif",
    ]
    record = json.loads((workdir / "config.json").read_text())
    assert (record["resolved"]["workers"], record["resolved"]["replicas"]) == (2, 2)

    # The same run in one process, with the same global batch (this one:
    # the same flags, parsed and trained here).
    from gen.training import trainer

    trainer.train(
        *train_flags(
            f"--workdir={tmp_path / 'single'}", f"--data_dir={data_dir}", *FLAGS
        ),
        echo=lambda line: None,
    )
    _assert_same_weights(
        _weights(workdir / "generator.keras"),
        _weights(tmp_path / "single" / "generator.keras"),
    )
    ours = json.loads((workdir / "metrics.json").read_text())
    theirs = json.loads((tmp_path / "single" / "metrics.json").read_text())
    assert ours["heldout"]["psnr"] == pytest.approx(theirs["heldout"]["psnr"], abs=0.01)


MIRRORED = textwrap.dedent("""
    import json, os, signal, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from gen.training import callbacks, stop_signals, train_config, trainer

    class SigtermAtStep(callbacks.NanGuard):
        # SIGTERM sent by the process to itself at the end of step `at`.
        at = None
        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, logs)
            if self.start_step + batch + 1 == SigtermAtStep.at:
                SigtermAtStep.at = None
                os.kill(os.getpid(), signal.SIGTERM)

    callbacks.NanGuard = SigtermAtStep
    flags = json.loads(sys.argv[1])
    out = {}
    for strategy in ("default", "mirrored"):
        config = train_config.TrainConfig(strategy=strategy, **flags)
        workdir = f"{sys.argv[2]}/{strategy}"
        if strategy == "mirrored":  # stopped at step 3, then run again
            SigtermAtStep.at = 3
            try:
                trainer.train(config, workdir, echo=lambda line: None)
            except stop_signals.RunStopped as stopped:
                out["stopped"] = [stopped.code, stopped.step, stopped.signal_name]
        result = trainer.train(config, workdir, echo=lambda line: None)
        out[strategy] = result.metrics["heldout"]
    print(json.dumps(out))
""")


@pytest.mark.slow(seconds=45)
def test_mirrored_with_two_replicas_equals_one_replica(chairs_data_dir, tmp_path):
    flags = {
        **TINY_RUN_FLAGS,
        "steps": 6,
        "checkpoint_every": 6,
        "sample_every": 100,
        "data_dir": chairs_data_dir,
    }
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED, json.dumps(flags), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout.strip().splitlines()[-1])
    # SIGTERM under mirrored: step 3 saved, the stop recorded, the rerun
    # restored there and ended as one replica does.
    assert scores["stopped"] == [143, 3, "SIGTERM"]
    log = (tmp_path / "mirrored" / "log.txt").read_text()
    assert "SIGTERM: stopped at step 3 and saved it" in log
    assert "restored step 3" in log
    history = json.loads((tmp_path / "mirrored" / "config.json").read_text())["history"]
    assert [h.get("stopped") for h in history if h["step"] == 3] == ["SIGTERM"]
    for name in ("psnr", "mask_iou", "mse"):
        assert scores["mirrored"][name] == pytest.approx(
            scores["default"][name], rel=1e-3
        ), name
    record = json.loads((tmp_path / "mirrored" / "config.json").read_text())
    assert record["resolved"]["replicas"] == 2
    _assert_same_weights(
        _weights(tmp_path / "mirrored" / "generator.keras"),
        _weights(tmp_path / "default" / "generator.keras"),
    )


@pytest.mark.parametrize(
    "tf_config, message",
    [
        (
            None,
            "reads the cluster from the TF_CONFIG environment variable, which "
            "is not set",
        ),
        ("{cluster", "TF_CONFIG is not valid JSON"),
        (
            '{"cluster": {"worker": ["127.0.0.1:2"]}}',
            "TF_CONFIG does not say which task this process is",
        ),
        (
            '{"cluster": {"worker": ["127.0.0.1:2"]}, '
            '"task": {"type": "worker", "index": 3}}',
            "TF_CONFIG's task worker 3 is not in its cluster, which has 1 worker "
            "task(s)",
        ),
    ],
)
def test_tf_config_mistakes_exit_2(tmp_path, monkeypatch, tf_config, message):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    if tf_config is not None:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    result = run_script(
        "train",
        f"--workdir={tmp_path / 'run'}",
        "--strategy=multi_worker",
        "--num_chairs=2",
        "--steps=2",
        timeout=300,
    )
    assert_user_error(result, message)
    assert not (tmp_path / "run").exists()
