"""SIGINT and SIGTERM during training: the step in progress is saved, the
run says so and exits 130 / 143, and the rerun ends bitwise where an
uninterrupted run ends."""

import json
import os
import signal

import numpy as np
import pytest
import tensorflow as tf

from gen.training import callbacks, distributed, stop_signals, train_config, trainer
from tests.conftest import TINY_RUN_FLAGS


def _variables(checkpoint):
    """Every variable a checkpoint holds (the model's and the optimiser's),
    by name, but the count of saves (and not the object graph, which names
    the optimiser by the order of creation in the process)."""
    reader = tf.train.load_checkpoint(checkpoint)
    return {
        name: reader.get_tensor(name)
        for name, _ in tf.train.list_variables(checkpoint)
        if name.endswith("VARIABLE_VALUE") and not name.startswith("save_counter")
    }


@pytest.mark.slow(seconds=20)
def test_sigint_then_sigterm_save_their_step_and_the_rerun_ends_bitwise_equal(
    tiny_run, chairs_data_dir, tmp_path, monkeypatch
):
    """The tiny run's flags (the `tiny_run` fixture trained them without a
    stop), here stopped by Ctrl-C at step 3, run again, and stopped by
    SIGTERM at its last step, 12 (each signal sent by the process to itself
    at the end of that step)."""
    plan = {3: signal.SIGINT, 12: signal.SIGTERM}

    class SignalAtStep(callbacks.NanGuard):
        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, logs)
            number = plan.pop(self.start_step + batch + 1, None)
            if number is not None:
                os.kill(os.getpid(), number)

    monkeypatch.setattr(callbacks, "NanGuard", SignalAtStep)
    # What a second signal would meet while each checkpoint is written.
    handlers_while_saving = {}
    save = distributed.CheckpointSaver.save

    def watched_save(saver, step):
        handlers_while_saving[step] = (
            signal.getsignal(signal.SIGINT),
            signal.getsignal(signal.SIGTERM),
        )
        return save(saver, step)

    monkeypatch.setattr(distributed.CheckpointSaver, "save", watched_save)
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    config = train_config.TrainConfig(data_dir=chairs_data_dir, **TINY_RUN_FLAGS)
    workdir = tmp_path / "run"
    checkpoints = workdir / "checkpoints"

    for step, name, code in [(3, "SIGINT", 130), (12, "SIGTERM", 143)]:
        lines = []
        with pytest.raises(stop_signals.RunStopped) as stopped:
            trainer.train(config, str(workdir), echo=lines.append)
        assert (stopped.value.code, stopped.value.step) == (code, step)
        assert stopped.value.signal_name == name
        assert lines[-1] == (
            f"{name}: stopped at step {step} and saved it "
            f"({checkpoints / f'ckpt-{step}'}); run the same command again to "
            "continue from there"
        )
        assert f'model_checkpoint_path: "ckpt-{step}"' in (
            (checkpoints / "checkpoint").read_text()
        )
        # The handlers are the caller's again.
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == (
            before
        )
        if step == 3:  # a second Ctrl-C cut the next save short
            (checkpoints / "ckpt-4_temp").mkdir()
            (checkpoints / "ckpt-4_temp" / "part").write_bytes(b"cut short")

    log = (workdir / "log.txt").read_text()
    assert "restored step 3" in log
    # The rerun removed what the save cut short left, before restoring.
    assert "removed what an interrupted checkpoint left: ckpt-4_temp\n" in log
    assert not (checkpoints / "ckpt-4_temp").exists()
    history = json.loads((workdir / "config.json").read_text())["history"]
    assert [(h["step"], h["stopped"]) for h in history] == [
        (3, "SIGINT"),
        (12, "SIGTERM"),
    ]
    # The model and the optimiser at the end, bitwise those of the run that
    # was never stopped.
    got = _variables(str(checkpoints / "ckpt-12"))
    expected = _variables(os.path.join(tiny_run, "checkpoints", "ckpt-12"))
    assert sorted(got) == sorted(expected) and len(got) > 50
    for name, value in expected.items():
        np.testing.assert_array_equal(got[name], value, err_msg=name)
    # Saving the stopped step, a second signal meets the system's default
    # (the process ends at once, the previous checkpoint intact); the
    # periodic save at step 6 still asks the run to stop.
    default = (signal.SIG_DFL, signal.SIG_DFL)
    assert handlers_while_saving[3] == handlers_while_saving[12] == default
    assert signal.SIG_DFL not in handlers_while_saving[6]
